"""Small synthetic "worlds" for the no-leaks property tests (``test_no_leaks.py``).

A world is one child of LA "A" (with LA "B" beside it) whose every field that can leak holds a
distinctive marker — ``Qz`` and eight random letters, or a ``QZ`` postcode, or a synthetic NHS
number and Unique Pupil Number — so a page that leaks it cannot hide it and page chrome cannot
contain it by chance. Five involvements, one per basis of §3 (universal, statutory, consent,
sensitive consent, hidden concern), each at its own organisation and service, with its own
practitioner and account; consents standing, withdrawn or absent.

What may be seen is written here from the design's table (§3 of DESIGN.md), not from
``access/policy.py``: the tests compare the application against the design, so a mistake in
the policy cannot agree with itself.

Hypothesis draws the structure (``WorldSpec``, ``ViewerSpec``); the marker strings come from a
``random.Random`` seeded by a drawn integer, so they are always distinct and unlikely (even
when Hypothesis shrinks the seed to 0) and an example replays exactly.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import string
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.test import Client
from django.urls import reverse
from hypothesis import strategies as st

from childindex.access.models import Role, User
from childindex.access.policy import Purpose
from childindex.access.testing import sign_in_verified
from childindex.access.tests.factories import UserFactory
from childindex.consent.models import Scope
from childindex.consent.tests.factories import ConsentFactory
from childindex.core.identifiers import (
    UPN_LA_NUMBERS,
    IdentifierType,
    synthetic_nhs_number,
    synthetic_upn,
)
from childindex.directory.models import LocalAuthority
from childindex.directory.tests.factories import (
    LocalAuthorityFactory,
    OrganisationFactory,
    PractitionerFactory,
    ServiceFactory,
)
from childindex.notifications.models import NotificationThresholds
from childindex.records.models import Basis, Child, Involvement
from childindex.records.search_index import search_keys_refresh
from childindex.records.search_text import name_similarity, name_tokens
from childindex.records.tests.factories import (
    CarerFactory,
    ChildAddressFactory,
    ChildCarerFactory,
    ChildFactory,
    ChildIdentifierFactory,
    ChildNameFactory,
)

TODAY = dt.date.today()

# --- What the world holds -------------------------------------------------------------------------

# The five involvements, one per basis of §3.
INVOLVEMENTS = ("universal", "statutory", "consent", "sensitive", "hidden")
SERVICE_TRAITS = {
    "universal": {},
    "statutory": {"statutory": True},
    "consent": {"additional": True},
    "sensitive": {"sensitive_service": True},
}
CONSENT_STATES = ("none", "standing", "withdrawn")

# Groups of markers: what the design lets a user see or not, as a unit.
CURRENT = "current name"
FORMER = "former name"
ADDRESS = "address"
IDENTIFIERS = "identifiers"
CARER = "carer's name"
CARER_CONTACT = "carer's contact details"
CHILD_GROUPS = (CURRENT, FORMER, ADDRESS, IDENTIFIERS, CARER, CARER_CONTACT)
LOCATING = (FORMER, ADDRESS, IDENTIFIERS, CARER_CONTACT)  # what a shield hides


def involvement_group(key: str) -> str:
    return f"involvement:{key}"


INVOLVEMENT_GROUPS = tuple(involvement_group(k) for k in INVOLVEMENTS)

# The only words that say a sensitive service is (or was) involved; never which one.
SENSITIVE_NOW = "a sensitive service is involved"
SENSITIVE_ENDED = "a sensitive service was involved"
SENSITIVE_JOINED = "a sensitive service is now involved"
SENSITIVE_LEFT = "a sensitive service is no longer involved"
SENSITIVE_PHRASES = (SENSITIVE_NOW, SENSITIVE_ENDED, SENSITIVE_JOINED, SENSITIVE_LEFT)


@dataclass(frozen=True)
class WorldSpec:
    """The shape of one world, drawn by Hypothesis."""

    seed: int
    shielded: bool
    consent: str  # consent to additional services: none, standing, withdrawn
    sensitive_consent: str  # the young person's consent to the one sensitive service
    ended: frozenset[str]  # involvements that have ended
    hidden_at_sensitive_service: bool  # the hidden concern is at a sensitive service
    holder_roles: tuple[tuple[str, str], ...]  # (involvement, role) of each holder's account
    lead: str | None  # the current lead professional's involvement
    assessed: str | None  # an involvement with an assessment recorded

    def holder_role(self, key: str) -> str:
        return dict(self.holder_roles)[key]


@st.composite
def world_specs(draw) -> WorldSpec:
    ended = draw(st.frozensets(st.sampled_from(INVOLVEMENTS), max_size=2))
    current = [k for k in INVOLVEMENTS if k not in ended]
    roles = st.sampled_from([Role.PRACTITIONER, Role.CHILD_PROTECTION])
    return WorldSpec(
        seed=draw(st.integers(min_value=0, max_value=2**32 - 1)),
        shielded=draw(st.booleans()),
        consent=draw(st.sampled_from(CONSENT_STATES)),
        sensitive_consent=draw(st.sampled_from(CONSENT_STATES)),
        ended=ended,
        hidden_at_sensitive_service=draw(st.booleans()),
        holder_roles=tuple((k, str(draw(roles))) for k in INVOLVEMENTS),
        lead=draw(st.none() | st.sampled_from(current)) if current else None,
        assessed=draw(st.none() | st.sampled_from(INVOLVEMENTS)),
    )


# --- Who looks ------------------------------------------------------------------------------------

VIEWER_KINDS = (
    Role.PRACTITIONER,
    Role.CHILD_PROTECTION,
    Role.INDEX_TEAM,
    Role.AUDITOR,
    Role.NATIONAL_OPERATOR,
    "holder",
)
SEARCHING = {Role.PRACTITIONER, Role.CHILD_PROTECTION, Role.INDEX_TEAM}
# §1/§3: the purposes each role may give for opening a record.
PURPOSES_BY_ROLE = {
    Role.PRACTITIONER: {Purpose.REFERRAL, Purpose.WELFARE_CONCERN, Purpose.PROVIDING_SERVICE},
    Role.CHILD_PROTECTION: {
        Purpose.REFERRAL,
        Purpose.WELFARE_CONCERN,
        Purpose.PROVIDING_SERVICE,
        Purpose.CHILD_PROTECTION_ENQUIRY,
    },
    Role.INDEX_TEAM: {Purpose.DATA_QUALITY, Purpose.REFERRAL, Purpose.WELFARE_CONCERN},
}


@dataclass(frozen=True)
class ViewerSpec:
    """Who looks at the world: a role in LA A or B (or the holder of one involvement), the
    purpose they give for opening the record, and whether they try to override a shield."""

    kind: str
    same_la: bool
    holds: str | None
    purpose: str
    override: bool


@st.composite
def viewer_specs(draw, kinds: Iterable[str] = VIEWER_KINDS) -> ViewerSpec:
    kind = draw(st.sampled_from(tuple(kinds)))
    return ViewerSpec(
        kind=kind,
        same_la=kind == "holder" or draw(st.booleans()),
        holds=draw(st.sampled_from(INVOLVEMENTS)) if kind == "holder" else None,
        purpose=draw(st.sampled_from(Purpose.values)),
        override=draw(st.booleans()),
    )


@dataclass
class Viewer:
    spec: ViewerSpec
    user: User
    role: str
    la: str  # "A", "B" or "" (a national operator)

    @property
    def holds(self) -> str | None:
        return self.spec.holds


# --- Markers --------------------------------------------------------------------------------------


class Markers:
    """Distinct, unlikely tokens from a seeded generator."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.used: set[str] = set()

    def token(self) -> str:
        while True:
            value = "Qz" + "".join(self.rng.choice(string.ascii_lowercase) for _ in range(8))
            if value.lower() not in self.used:
                self.used.add(value.lower())
                return value

    def name(self, *, unlike: Iterable[tuple[str, ...]] = ()) -> tuple[str, str]:
        """A given and family name that no search for another of ``unlike`` could match."""
        while True:
            given, family = self.token(), self.token()
            tokens = name_tokens(f"{given} {family}")
            if all(
                name_similarity(tokens, other) < 0.5 and name_similarity(other, tokens) < 0.5
                for other in unlike
            ):
                return given, family

    def postcode(self, *, unlike: Iterable[str] = ()) -> str:
        """A valid-format postcode in a ``QZ`` district nobody else in the world uses."""
        districts = {p.split(" ")[0] for p in unlike}
        while True:
            district = f"QZ{self.rng.randint(10, 99)}"
            if district in districts:
                continue
            inward = (
                f"{self.rng.randint(0, 9)}"
                f"{self.rng.choice('ABDEFGHJLNPQRSTUWXYZ')}{self.rng.choice('ABDEFGHJLNPQRSTUWXYZ')}"
            )
            return f"{district} {inward}"

    def nhs_number(self) -> str:
        while True:
            value = synthetic_nhs_number(self.rng)
            if value not in self.used:
                self.used.add(value)
                return value

    def upn(self) -> str:
        while True:
            value = synthetic_upn(
                self.rng.choice(UPN_LA_NUMBERS), self.rng.randint(2000, 7999), 15, self.rng
            )
            if value.lower() not in self.used:
                self.used.add(value.lower())
                return value


# --- Building a world -----------------------------------------------------------------------------


@dataclass
class World:
    spec: WorldSpec
    la: LocalAuthority  # "A": the child's responsible LA
    other_la: LocalAuthority  # "B"
    child: Child
    markers: dict[str, str] = field(default_factory=dict)  # what -> marker text
    groups: dict[str, str] = field(default_factory=dict)  # what -> group
    involvements: dict[str, Involvement] = field(default_factory=dict)
    holders: dict[str, User] = field(default_factory=dict)
    control: dict[str, str] = field(default_factory=dict)  # look-alike values nobody holds

    def add(self, what: str, group: str, text: str) -> str:
        self.markers[what] = text
        self.groups[what] = group
        return text

    def of(self, *groups: str) -> list[str]:
        """The keys of every marker in these groups."""
        return [what for what, group in self.groups.items() if group in groups]

    @property
    def dob_fields(self) -> dict[str, str]:
        born = self.child.date_of_birth
        return {"dob_day": str(born.day), "dob_month": str(born.month), "dob_year": str(born.year)}

    def is_current(self, key: str) -> bool:
        return key not in self.spec.ended

    def consent_standing(self, key: str) -> bool:
        if key == "consent":
            return self.spec.consent == "standing"
        if key == "sensitive":
            return self.spec.sensitive_consent == "standing"
        return False

    def basis(self, key: str) -> str:
        return {
            "universal": Basis.UNIVERSAL,
            "statutory": Basis.STATUTORY,
            "consent": Basis.CONSENT,
            "sensitive": Basis.SENSITIVE_CONSENT,
            "hidden": Basis.HIDDEN_CONCERN,
        }[key]


def build_world(spec: WorldSpec) -> World:
    """Write one world to the database (the caller rolls it back after the example)."""
    make = Markers(spec.seed)
    la = LocalAuthorityFactory()
    other_la = LocalAuthorityFactory()
    NotificationThresholds.objects.create(local_authority=la, services_without_lead=2)
    child = ChildFactory(
        responsible_la=la,
        current_name=None,
        shielded=spec.shielded,
        shield_review_on=TODAY + dt.timedelta(days=180) if spec.shielded else None,
    )
    world = World(spec=spec, la=la, other_la=other_la, child=child)

    given, family = make.name()
    ChildNameFactory(
        child=child,
        given_names=world.add("current.given", CURRENT, given),
        family_name=world.add("current.family", CURRENT, family),
    )
    current = name_tokens(f"{given} {family}")
    given, family = make.name(unlike=[current])
    ChildNameFactory(
        child=child,
        former=True,
        given_names=world.add("former.given", FORMER, given),
        family_name=world.add("former.family", FORMER, family),
    )
    former = name_tokens(f"{given} {family}")
    postcode = make.postcode()
    ChildAddressFactory(
        child=child,
        line_1=f"{make.rng.randint(1, 99)} {world.add('address.line_1', ADDRESS, make.token())} Rd",
        line_2=world.add("address.line_2", ADDRESS, make.token()),
        town=world.add("address.town", ADDRESS, make.token()),
        postcode=world.add("address.postcode", ADDRESS, postcode),
    )
    ChildIdentifierFactory(
        child=child,
        type=IdentifierType.NHS,
        value=world.add("identifiers.nhs", IDENTIFIERS, make.nhs_number()),
    )
    ChildIdentifierFactory(
        child=child,
        type=IdentifierType.UPN,
        value=world.add("identifiers.upn", IDENTIFIERS, make.upn()),
    )
    carer = CarerFactory(
        given_names=world.add("carer.given", CARER, make.token()),
        family_name=world.add("carer.family", CARER, make.token()),
        email=f"{world.add('carer.email', CARER_CONTACT, make.token()).lower()}@family.example",
    )
    ChildCarerFactory(child=child, carer=carer)
    search_keys_refresh(child_ids=[child.pk])

    # Look-alikes that no child holds: the "no match" each locating search must look like.
    world.control = {
        "postcode": make.postcode(unlike=[postcode]),
        "nhs": make.nhs_number(),
        "upn": make.upn(),
        "name": " ".join(make.name(unlike=[current, former])),
    }

    for key in INVOLVEMENTS:
        _involvement(world, make, key)
    _consents(world)
    return world


def _involvement(world: World, make: Markers, key: str) -> None:
    spec = world.spec
    group = involvement_group(key)
    organisation = OrganisationFactory(
        local_authority=world.la,
        name=f"{world.add(f'{key}.organisation', group, make.token())} Centre",
    )
    traits = dict(SERVICE_TRAITS.get(key, {}))
    if key == "hidden":
        traits = (
            {"sensitive_service": True}
            if spec.hidden_at_sensitive_service
            else {"specialist": True}
        )
    service = ServiceFactory(
        organisation=organisation,
        name=f"{world.add(f'{key}.service', group, make.token())} service",
        email=f"{world.add(f'{key}.service_email', group, make.token()).lower()}@service.example",
        **traits,
    )
    practitioner = PractitionerFactory(
        organisation=organisation,
        given_name=world.add(f"{key}.practitioner_given", group, make.token()),
        family_name=world.add(f"{key}.practitioner_family", group, make.token()),
        job_title=f"{world.add(f'{key}.job_title', group, make.token())} worker",
        secure_email=(
            f"{world.add(f'{key}.practitioner_email', group, make.token()).lower()}@secure.example"
        ),
        services=[service],
    )
    world.holders[key] = UserFactory(
        role=spec.holder_role(key),
        local_authority=world.la,
        organisation=organisation,
        practitioner=practitioner,
    )
    fields = {}
    if key in spec.ended:
        fields["ended_on"] = TODAY
    if key == spec.lead:
        fields["is_lead_professional"] = True
    started = max(world.child.date_of_birth, TODAY - dt.timedelta(days=90))
    if key == spec.assessed:
        fields |= {"assessment_type": "caf", "assessment_on": started}
    world.involvements[key] = Involvement.objects.create(
        child=world.child,
        service=service,
        practitioner=practitioner,
        started_on=started,
        basis=world.basis(key),
        source_feed="synthetic-feed",
        **fields,
    )


def _consents(world: World) -> None:
    recorder = world.holders["universal"]
    if world.spec.consent != "none":
        ConsentFactory(
            child=world.child,
            scope=Scope.ADDITIONAL_SERVICES,
            recorded_by=recorder,
            withdrawn=world.spec.consent == "withdrawn",
        )
    if world.spec.sensitive_consent != "none":
        ConsentFactory(
            child=world.child,
            scope=Scope.NAMED_SERVICE,
            service=world.involvements["sensitive"].service,
            recorded_by=recorder,
            withdrawn=world.spec.sensitive_consent == "withdrawn",
        )


def make_viewer(world: World, spec: ViewerSpec) -> Viewer:
    if spec.kind == "holder":
        assert spec.holds is not None
        user = world.holders[spec.holds]
        return Viewer(spec, user, user.role, "A")
    if spec.kind == Role.NATIONAL_OPERATOR:
        return Viewer(spec, UserFactory(national_operator=True), Role.NATIONAL_OPERATOR, "")
    la = world.la if spec.same_la else world.other_la
    user = UserFactory(role=spec.kind, local_authority=la)
    return Viewer(spec, user, spec.kind, "A" if spec.same_la else "B")


# --- The design's answers (§3) --------------------------------------------------------------------


def can_search(viewer: Viewer) -> bool:
    return viewer.role in SEARCHING


def own_la_team(viewer: Viewer) -> bool:
    return viewer.role == Role.INDEX_TEAM and viewer.la == "A"


def finds(viewer: Viewer) -> bool:
    """Practitioners search the whole index; an index team only its own LA's partition."""
    return viewer.role in (Role.PRACTITIONER, Role.CHILD_PROTECTION) or own_la_team(viewer)


def sees_locating_details(viewer: Viewer, world: World) -> bool:
    """A shield leaves only name, gender, date of birth, index number and the parents' names;
    the responsible LA's index team sees the whole record."""
    return finds(viewer) and (not world.spec.shielded or own_la_team(viewer))


def purpose_allowed(viewer: Viewer) -> bool:
    return viewer.spec.purpose in PURPOSES_BY_ROLE.get(viewer.role, set())


def opens(viewer: Viewer) -> bool:
    return finds(viewer) and purpose_allowed(viewer)


def overrides(viewer: Viewer, world: World) -> bool:
    """A child-protection practitioner may override a shield for one viewing."""
    return (
        world.spec.shielded
        and viewer.spec.override
        and viewer.role == Role.CHILD_PROTECTION
        and opens(viewer)
    )


def full_record(viewer: Viewer, world: World) -> bool:
    return opens(viewer) and (
        not world.spec.shielded or own_la_team(viewer) or overrides(viewer, world)
    )


def involvement_seen(viewer: Viewer, world: World, key: str, *, purpose: str | None = None):
    """ "full", "sensitive" (only that a sensitive service is involved) or None."""
    purpose = purpose or viewer.spec.purpose
    if viewer.holds == key:
        return "full"  # the practitioner who holds an involvement always sees their own
    basis = world.basis(key)
    if basis in (Basis.UNIVERSAL, Basis.STATUTORY):
        return "full"
    if basis == Basis.CONSENT:
        return "full" if world.consent_standing(key) else None
    if basis == Basis.SENSITIVE_CONSENT:
        if not world.consent_standing(key):
            return None
        return "full" if own_la_team(viewer) else "sensitive"
    # Hidden concern: only a child-protection practitioner, for a child protection enquiry.
    if viewer.role == Role.CHILD_PROTECTION and purpose == Purpose.CHILD_PROTECTION_ENQUIRY:
        return "full"
    return None


def record_groups(viewer: Viewer, world: World) -> set[str]:
    """The marker groups the record page shows this viewer (all of each group)."""
    if not opens(viewer):
        return set()
    groups = {CURRENT, CARER}
    if not full_record(viewer, world):
        return groups
    groups |= {FORMER, ADDRESS, IDENTIFIERS, CARER_CONTACT}
    for key in INVOLVEMENTS:
        if involvement_seen(viewer, world, key) == "full":
            groups.add(involvement_group(key))
    return groups


def record_sensitive_phrases(viewer: Viewer, world: World) -> set[str]:
    if not full_record(viewer, world):
        return set()
    if involvement_seen(viewer, world, "sensitive") != "sensitive":
        return set()
    return {SENSITIVE_NOW if world.is_current("sensitive") else SENSITIVE_ENDED}


def own_group(viewer: Viewer) -> set[str]:
    """A holder's own organisation and name are on every page (they are signed in as it)."""
    return {involvement_group(viewer.holds)} if viewer.holds else set()


# --- Fetching and checking pages ------------------------------------------------------------------


_UNGROUP = re.compile(r"(?<=\d)[ \u00a0](?=\d)")


@dataclass
class Page:
    label: str
    status: int
    body: str  # lower-cased
    typed: tuple[str, ...]  # what the user typed into this request (echoed back is no leak)
    location: str = ""

    def contains(self, text: str) -> bool:
        """The text is on the page, as typed or as displayed: identifiers are shown in groups
        (NHS numbers 3-3-4, index numbers 4-4-3), so digits are also compared ungrouped."""
        wanted = text.lower()
        return wanted in self.body or wanted in _UNGROUP.sub("", self.body)

    def results(self) -> str:
        """A search page's results section (the form above it echoes what was typed)."""
        assert 'id="results"' in self.body, f"{self.label}: no results section"
        # ... up to the timeout warning, whose CSRF token differs from page to page.
        return self.body.split('id="results"', 1)[1].split('id="timeout-warning"', 1)[0]


def body_of(response) -> str:
    if getattr(response, "streaming", False):
        content = b"".join(response.streaming_content)
    else:
        content = response.content
    return content.decode("utf-8", errors="replace").lower()


_handler = None


def _client() -> Client:
    """A fresh test client (its own cookies) sharing one request handler: a new handler loads
    the middleware again, and WhiteNoise's then stats every static file (~0.3 s a client)."""
    global _handler
    client = Client()
    if _handler is None:
        _handler = client.handler
    client.handler = _handler
    return client


class Browser:
    """A signed-in test client that keeps every page it fetched."""

    def __init__(self, user: User) -> None:
        self.client = _client()
        self.device = sign_in_verified(self.client, user)
        self.pages: list[Page] = []

    def _keep(self, label: str, response, typed: Iterable[str]) -> Page:
        page = Page(
            label=label,
            status=response.status_code,
            body=body_of(response),
            typed=tuple(t for t in typed if t),
            location=response.get("Location", ""),
        )
        self.pages.append(page)
        return page

    def get(self, label: str, url: str, *, typed: Iterable[str] = (), **params) -> Page:
        return self._keep(label, self.client.get(url, params or None), typed)

    def post(self, label: str, url: str, data: dict, *, typed: Iterable[str] = ()) -> Page:
        response = self.client.post(url, data)
        if response.status_code == 302 and response["Location"] == reverse("web:search-results"):
            response = self.client.get(response["Location"])  # search's post/redirect/get
        return self._keep(label, response, typed)


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def assert_only(page: Page, world: World, allowed: set[str], *, phrases: Iterable[str] = ()):
    """No marker outside ``allowed`` (groups, or single markers by key) appears — but what the
    user typed —, and no sensitive-service phrase but ``phrases``."""
    typed = " ".join(page.typed).lower()
    for what, group in world.groups.items():
        marker = world.markers[what].lower()
        if group in allowed or what in allowed or marker in typed:
            continue
        if marker in page.body:
            at = page.body.index(marker)
            context = _squash(page.body[max(0, at - 120) : at + 80])
            raise AssertionError(
                f"LEAK on {page.label} (HTTP {page.status}): {what} ({group}) is shown: "
                f"...{context}..."
            )
    body = _squash(page.body)
    for phrase in SENSITIVE_PHRASES:
        if phrase not in phrases and phrase in body:
            raise AssertionError(f"LEAK on {page.label}: says {phrase!r}")


def assert_shows(page: Page, world: World, whats: Iterable[str], *, phrases: Iterable[str] = ()):
    """The positive control: these markers (and phrases) do appear."""
    for what in whats:
        assert page.contains(world.markers[what]), (
            f"{page.label} (HTTP {page.status}) should show {what} ({world.groups[what]})"
        )
    body = _squash(page.body)
    for phrase in phrases:
        assert phrase in body, f"{page.label} should say {phrase!r}"
