"""The tests' one vocabulary for building a world: rows from factory_boy, scenarios from here.

How a test builds what it needs (the rules; STYLE.md's tests section is the project-wide part):

- **A row** (a child, a name, an address, an identifier, a user, a service, an involvement) comes
  from the app's factory_boy factory in ``childindex/<app>/tests/factories.py``: valid by default,
  synthetic only, a trait for each usual variant (``ChildFactory(shielded_record=True)``,
  ``UserFactory(index_team=True)``, ``ServiceFactory(sensitive_service=True)``). Say in the call
  only what the test is about.
- **A scenario** (several rows that belong together and that many tests share) is a builder
  here that returns a frozen dataclass: its fields are typed and named, so a test reads
  ``journey.pat`` and ``children.ruby`` and the type checker and an editor know what they are.
  No dict worlds (``county["pat"]``), no tuples to unpack, no builders private to a test module
  when a second module needs the same world.
- **Fixtures** for the scenarios live in ``childindex.testkit.fixtures`` (a pytest plugin loaded
  by the root ``conftest.py``), each with its own name: ``journey`` and ``children`` (the
  journey's county and its children), ``feed_county`` (a county with a GP practice that imports
  feed files), ``generated_county`` (a county made by ``generate --load``). An app's
  ``conftest.py`` holds only what is local to that app.
- A builder builds with the factories and passes the values a test relies on explicitly, so the
  world is the same whatever the factories' defaults become.
- ``testkit/tests/test_vocabulary.py`` fails for a fixture named ``county``, a ``county[...]`` or
  ``journey[...]`` read by a string, or an import of the retired builders.

The scenarios:

- ``journey.py``: ``Journey`` (one LA, a school and an NHS trust, their services, two
  practitioners and the users of each role) and ``JourneyChildren`` (eight children, among them
  twins and a shielded child); ``journey_child`` and ``journey_user`` for one more of either.
- ``feeds.py``: ``FeedCounty`` (one LA, one GP practice and its practitioner; writes a feed file
  and its mapping and imports it).
- ``generated.py``: ``GeneratedCounty`` (the generator's files, loaded, and the LA's index team).

Like ``childindex.access.testing``, this package is test support shipped with the code; the
layers contract does not bind it (nothing that runs imports it), and it may use any app.
"""
