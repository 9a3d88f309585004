"""No leaks (§3): what must stay hidden never reaches a user without the right to it.

Property-based: Hypothesis builds a small world per example (``leak_worlds``: one child whose
every locating field, former name, identifier and involvement carries a unique marker; every
basis; consents standing, withdrawn or absent; shielded or not) and a viewer (every role, own
or other LA, the holder of an involvement, any purpose, a shield override or not). The viewer
fetches, through the test client, every page they can reach about the child — searches by
name, postcode, former name and identifier, the purpose step, the record, their own
involvement's pages, the directory, the auditor's pages and CSV exports, notifications and
e-mails, the index team's review item, and error pages — and each response body is checked
against the design's table: markers the viewer may not see never appear (what they typed
themselves aside), and the ones they may see do (the positive control, so each check can fail).

Isolation: pytest-django's ``db`` fixture wraps the test in a transaction; each example runs
in its own savepoint that is rolled back (``_example``), so no example sees another's world.
That is why the function-scoped-fixture health check is suppressed: the only such fixture is
``db`` and its state is reset per example by the rollback.
"""

from __future__ import annotations

import re
from contextlib import contextmanager

import pytest
from django.core import mail
from django.core.cache import cache
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from childindex.access.models import Role
from childindex.access.policy import Purpose
from childindex.access.testing import totp_code
from childindex.access.tests.factories import UserFactory
from childindex.core.identifiers import format_index_number, new_index_number
from childindex.monitoring.detectors import alerts_from_policy_events
from childindex.monitoring.models import Alert
from childindex.notifications.models import Notification
from childindex.notifications.services import (
    TeamChange,
    notification_send_email,
    notify_no_lead_professional,
    notify_team_change,
)
from childindex.records.models import Basis
from childindex.sources.tests.factories import ReviewItemFactory, SourceRecordFactory
from childindex.web.tests import leak_worlds as lw
from childindex.web.tests.leak_worlds import (
    ADDRESS,
    CHILD_GROUPS,
    CURRENT,
    FORMER,
    IDENTIFIERS,
    INVOLVEMENT_GROUPS,
    INVOLVEMENTS,
    Browser,
    Viewer,
    ViewerSpec,
    assert_only,
    assert_shows,
    build_world,
    involvement_group,
    make_viewer,
    viewer_specs,
    world_specs,
)

pytestmark = pytest.mark.django_db


def leak_settings(examples: int):
    return settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


@contextmanager
def _example():
    """One example's world, rolled back when the example ends (pass or fail)."""
    with transaction.atomic():
        mail.outbox = []
        cache.clear()  # the search limits' counters: each example is a fresh world
        yield
        transaction.set_rollback(True)


def _names(world, prefix: str) -> str:
    return f"{world.markers[prefix + '.given']} {world.markers[prefix + '.family']}"


# --- Searches -------------------------------------------------------------------------------------


@pytest.mark.slow
@leak_settings(40)
@given(spec=world_specs(), viewer_spec=viewer_specs())
def test_a_search_matches_only_the_fields_the_user_may_see(db, spec, viewer_spec):
    """Search matches only visible fields: a shielded child's postcode, national identifiers
    or former name find nothing — the results are exactly those of a search for nobody —
    unless the user may see them (the responsible LA's index team); then they find the child.
    An index team finds only its own LA's children; roles that cannot search get a 403."""
    with _example():
        world = build_world(spec)
        viewer = make_viewer(world, viewer_spec)
        browser = Browser(viewer.user)
        url = reverse("web:search")
        m, control = world.markers, world.control
        current, former = _names(world, "current"), _names(world, "former")
        own = lw.own_group(viewer)

        def search(label, fields):
            return browser.post(label, url, fields, typed=fields.values())

        by_name = search("search by name and date of birth", {"name": current, **world.dob_fields})
        by_index = search("search by index number", {"identifier": world.child.index_number})
        # Locating fields: (the real value, the look-alike nobody holds).
        locating = {
            "postcode": (
                {"name": current, "postcode": m["address.postcode"]},
                {"name": current, "postcode": control["postcode"]},
                [],
            ),
            "former name": (
                {"name": former, **world.dob_fields},
                {"name": control["name"], **world.dob_fields},
                ["former.given", "former.family"],
            ),
            "NHS number": (
                {"identifier": m["identifiers.nhs"]},
                {"identifier": control["nhs"]},
                [],
            ),
            "Unique Pupil Number": (
                {"identifier": m["identifiers.upn"]},
                {"identifier": control["upn"]},
                [],
            ),
        }
        bad = search(
            "search with an impossible date of birth",
            {"name": former, "dob_day": "31", "dob_month": "2", "dob_year": "2015"},
        )
        assert_only(bad, world, own)

        if not lw.can_search(viewer):
            for page in (by_name, by_index):
                assert page.status == 403, page.label
                assert_only(page, world, own)
            for real, _, _ in locating.values():
                page = search("search by a locating field", real)
                assert page.status == 403
                assert_only(page, world, own)
            return

        details = lw.sees_locating_details(viewer, world)
        found = lw.finds(viewer)
        # A result: the current name, and the town where the details are visible.
        shown = ({CURRENT} if found else set()) | ({"address.town"} if details else set())
        assert_only(by_name, world, shown | own)
        assert_only(by_index, world, shown | own)
        if found:
            assert_shows(by_name, world, ["current.given", "current.family"])
            assert_shows(by_index, world, ["current.given", "current.family"])
            if details:
                assert_shows(by_name, world, ["address.town"])
            else:
                assert "shielded record" in by_name.results()
        else:
            assert "no match" in by_name.results() and "no match" in by_index.results()

        for what, (real, lookalike, also_shown) in locating.items():
            hit = search(f"search by the child's {what}", real)
            miss = search(f"search by a {what} nobody holds", lookalike)
            assert_only(miss, world, own)
            if details:
                assert_only(hit, world, shown | set(also_shown) | own)
                assert_shows(hit, world, ["current.given", "current.family", *also_shown])
            else:
                assert_only(hit, world, own)
                assert "no match" in hit.results()
                assert hit.results() == miss.results(), (
                    f"a search by a shielded child's {what} must look exactly like no match"
                )


# --- The record and everything reached from it ----------------------------------------------------


@pytest.mark.slow
@leak_settings(40)
@given(spec=world_specs(), viewer_spec=viewer_specs())
def test_the_record_and_its_pages_show_exactly_what_the_viewer_may_see(db, spec, viewer_spec):
    """The purpose step, the record, the shield override, the holder's own involvement pages,
    the directory, the start page and error pages: each shows the record's markers exactly as
    §3 allows this viewer (all of them where allowed, none where not); a sensitive service
    only as "a sensitive service is involved" while its consent stands; a hidden concern only
    to a child-protection practitioner under "child protection enquiry" (and its holder)."""
    with _example():
        world = build_world(spec)
        viewer = make_viewer(world, viewer_spec)
        browser = Browser(viewer.user)
        number = world.child.index_number
        own = lw.own_group(viewer)
        refused = (302, 403, 404)

        page = browser.get("start page", reverse("web:home"))
        assert_only(page, world, own)

        page = browser.get("purpose step", reverse("web:child-purpose", args=[number]))
        assert page.status == (200 if lw.finds(viewer) else 404 if lw.can_search(viewer) else 403)
        assert_only(page, world, own)  # the purpose step names nobody: the index number only
        page = browser.post(
            "purpose chosen",
            reverse("web:child-purpose", args=[number]),
            {"purpose": viewer.spec.purpose},
        )
        record_url = reverse("web:child-record", args=[number])
        assert (page.location == record_url) == lw.opens(viewer), page.label
        assert_only(page, world, own)

        if viewer.spec.override and world.spec.shielded:
            override_url = reverse("web:child-shield-override", args=[number])
            page = browser.get("shield override warning", override_url)
            assert_only(page, world, own)
            page = browser.post(
                "shield override",
                override_url,
                {"reason": "section_47", "code": totp_code(browser.device)},
            )
            assert (page.location == record_url) == lw.overrides(viewer, world), page.label
            assert_only(page, world, own)

        record = browser.get("record", record_url)
        if lw.opens(viewer):
            assert record.status == 200
            groups = lw.record_groups(viewer, world)
            phrases = lw.record_sensitive_phrases(viewer, world)
            assert_only(record, world, groups | own, phrases=phrases)
            assert_shows(record, world, world.of(*groups), phrases=phrases)
        else:
            assert record.status in refused
            assert_only(record, world, own)

        # The holder's own involvement pages; anyone else is refused without being told what.
        # (A shield override is for viewing: on a shielded record even the holder is refused,
        # and told to go through the LA index team.)
        for key in ("sensitive", "hidden"):
            involvement = world.involvements[key]
            for action in ("involvement-end", "involvement-indicators"):
                page = browser.get(
                    f"{action} of the {key} involvement",
                    reverse(f"web:{action}", args=[number, involvement.pk]),
                )
                if viewer.holds == key and lw.opens(viewer) and not world.spec.shielded:
                    assert page.status == 200
                    assert_shows(page, world, [f"{key}.service"])
                    assert_only(page, world, {lw.CURRENT} | own)  # whose record it is
                else:
                    assert page.status in refused, page.label
                    assert_only(page, world, own)

        # Logging an involvement: the holder's own services, the carers who may consent, and
        # the child's current name (whose record this is: they have it open in full).
        page = browser.get("log an involvement", reverse("web:involvement-log", args=[number]))
        if viewer.holds and lw.opens(viewer) and not world.spec.shielded:
            assert page.status == 200
            assert_only(page, world, {lw.CARER, lw.CURRENT} | own)
            assert_shows(page, world, [*world.of(lw.CARER), f"{viewer.holds}.service"])
        else:
            assert page.status in refused, page.label
            assert_only(page, world, own)

        # Error pages: other ids, bad input.
        nobody = new_index_number()
        for label, url in (
            ("record of nobody", reverse("web:child-record", args=[nobody])),
            ("purpose step of nobody", reverse("web:child-purpose", args=[nobody])),
            ("someone else's involvement", reverse("web:involvement-end", args=[number, 10**9])),
            ("practitioner who is not", reverse("web:directory-practitioner", args=[10**9])),
            ("service that is not", reverse("web:directory-service", args=[10**9])),
        ):
            page = browser.get(label, url, typed=[nobody])
            assert page.status in refused, label
            assert_only(page, world, own)
        page = browser.post(
            "search by an invalid NHS number",
            reverse("web:search"),
            {"identifier": "9434765918"},
            typed=["9434765918"],
        )
        assert_only(page, world, own)

        _directory(browser, viewer, world, own)

        page = browser.get("notifications", reverse("web:notifications"))
        assert_only(page, world, own)


def _directory(browser: Browser, viewer: Viewer, world, own: set[str]) -> None:
    """The directory is the telephone book: it lists services and practitioners, sensitive ones
    included, but never which child they work with."""
    m = world.markers
    sensitive, hidden = world.involvements["sensitive"], world.involvements["hidden"]
    pages = [
        (
            browser.get(
                "directory: sensitive service",
                reverse("web:directory"),
                q=m["sensitive.service"],
                typed=[m["sensitive.service"]],
            ),
            "sensitive.service",
        ),
        (
            browser.get(
                "directory: hidden concern's practitioner",
                reverse("web:directory"),
                q=m["hidden.practitioner_family"],
                typed=[m["hidden.practitioner_family"]],
            ),
            "hidden.practitioner_family",
        ),
        (
            browser.get(
                "directory: hidden concern's practitioner page",
                reverse("web:directory-practitioner", args=[hidden.practitioner_id]),
            ),
            "hidden.practitioner_family",
        ),
        (
            browser.get(
                "directory: sensitive service's page",
                reverse("web:directory-service", args=[sensitive.service_id]),
            ),
            "sensitive.service",
        ),
    ]
    for page, expected in pages:
        if lw.can_search(viewer):
            assert page.status == 200
            assert_only(page, world, set(INVOLVEMENT_GROUPS))
            assert_shows(page, world, [expected])
        else:
            assert page.status == 403
            assert_only(page, world, own)
        for group in CHILD_GROUPS:
            assert not any(page.contains(m[w]) for w in world.of(group)), (page.label, group)
        assert not page.contains(world.child.index_number)
        assert not page.contains(world.child.formatted_index_number)


# --- Notifications --------------------------------------------------------------------------------


def _send_notifications(world) -> None:
    child = world.child
    for key, involvement in world.involvements.items():
        change = TeamChange.JOINED if world.is_current(key) else TeamChange.LEFT
        notify_team_change(child=child, change=change, actor=None, involvement=involvement)
    if world.spec.lead:
        notify_team_change(
            child=child,
            change=TeamChange.LEAD_CHANGED,
            actor=None,
            involvement=world.involvements[world.spec.lead],
        )
    if world.spec.assessed:
        notify_team_change(
            child=child,
            change=TeamChange.ASSESSMENT_RECORDED,
            actor=None,
            involvement=world.involvements[world.spec.assessed],
        )
    notify_no_lead_professional()
    for notification in Notification.objects.all():
        notification_send_email(notification=notification)


ADDITIONAL_OR_SPECIALIST = ("consent", "sensitive", "hidden")
NO_LEAD = re.compile(r"has (\d+) additional or specialist services involved")


@pytest.mark.slow
@leak_settings(25)
@given(spec=world_specs())
def test_notifications_never_reveal_what_the_recipient_may_not_see(db, spec):
    """Team changes and the no-lead-professional prompt, on the page and by e-mail: each member
    of the team is told of a change only as they would see it on the record for their ordinary
    work — a sensitive service as "a sensitive service is now involved", a hidden concern or an
    involvement whose consent is withdrawn not at all (not even to a child-protection
    practitioner), a shielded child's team nothing — and never the child's name or address."""
    with _example():
        world = build_world(spec)
        _send_notifications(world)
        for key, holder in world.holders.items():
            viewer = Viewer(
                ViewerSpec("holder", True, key, Purpose.REFERRAL, False), holder, holder.role, "A"
            )
            page = Browser(holder).get(
                f"notifications of the {key} holder", reverse("web:notifications")
            )
            emails = [
                message for message in mail.outbox if holder.practitioner.secure_email in message.to
            ]
            email = lw.Page(
                label=f"e-mails to the {key} holder",
                status=200,
                body=" ".join(f"{e.subject} {e.body}" for e in emails).lower(),
                typed=(),
            )
            own = lw.own_group(viewer)
            if spec.shielded or not world.is_current(key):
                assert "you have no notifications" in page.body, page.label
                assert not emails
                for told in (page, email):
                    assert_only(told, world, own)
                continue
            allowed, required, phrases = set(own), [], set()
            for other in INVOLVEMENTS:
                if other == key:
                    continue
                seen = lw.involvement_seen(viewer, world, other, purpose=Purpose.REFERRAL)
                if seen == "full":
                    allowed.add(involvement_group(other))
                    required.append(f"{other}.practitioner_family")
                elif seen == "sensitive":
                    phrases.add(
                        lw.SENSITIVE_JOINED if world.is_current(other) else lw.SENSITIVE_LEFT
                    )
            for told in (page, email):
                assert_only(told, world, allowed, phrases=phrases)
                assert_shows(told, world, required, phrases=phrases)
            _check_no_lead_prompt(world, viewer, page)


def _check_no_lead_prompt(world, viewer: Viewer, page: lw.Page) -> None:
    """Each member counts only the additional or specialist services they can see."""
    current = [k for k in ADDITIONAL_OR_SPECIALIST if world.is_current(k)]
    seen = [
        k
        for k in current
        if lw.involvement_seen(viewer, world, k, purpose=Purpose.REFERRAL) is not None
    ]
    told = NO_LEAD.search(re.sub(r"\s+", " ", page.body))
    if world.spec.lead is None and len(current) >= 2 and len(seen) >= 2:
        assert told, f"{page.label}: the no-lead-professional prompt is missing"
        assert int(told[1]) == len(seen), f"{page.label}: counted what they may not see"
    else:
        assert not told, f"{page.label}: told of services they may not see"


# --- The auditor's pages and exports --------------------------------------------------------------


def _background(world) -> dict[str, object]:
    """Others' work the auditor reads about: a practitioner who searched by the postcode, a
    child-protection practitioner's enquiry (overriding a shield), a practitioner of LA B."""
    people = {
        "practitioner": UserFactory(local_authority=world.la),
        "child_protection": UserFactory(child_protection=True, local_authority=world.la),
        "other_la": UserFactory(local_authority=world.other_la),
    }
    number = world.child.index_number
    current = _names(world, "current")
    for who, user in people.items():
        browser = Browser(user)
        if who == "practitioner":
            browser.post(
                "",
                reverse("web:search"),
                {"name": current, "postcode": world.markers["address.postcode"]},
            )
        browser.post("", reverse("web:search"), {"name": current, **world.dob_fields})
        purpose = (
            Purpose.CHILD_PROTECTION_ENQUIRY if who == "child_protection" else Purpose.REFERRAL
        )
        browser.post("", reverse("web:child-purpose", args=[number]), {"purpose": purpose})
        if who == "child_protection" and world.spec.shielded:
            browser.post(
                "",
                reverse("web:child-shield-override", args=[number]),
                {"reason": "section_47", "code": totp_code(browser.device)},
            )
        assert browser.get("", reverse("web:child-record", args=[number])).status == 200
    alerts_from_policy_events()
    return people


@pytest.mark.slow
@leak_settings(15)
@given(
    spec=world_specs(),
    viewer_spec=viewer_specs(kinds=[Role.AUDITOR, Role.AUDITOR, Role.NATIONAL_OPERATOR]),
)
def test_auditors_see_who_accessed_a_child_never_what_is_hidden(db, spec, viewer_spec):
    """The audit trail by child, by user, its CSV exports, alerts and their detail: an auditor
    of the child's LA sees who accessed the record and what they searched for, never the
    record's content; another LA's auditor sees only their own LA's users; a national operator
    none of it."""
    with _example():
        world = build_world(spec)
        people = _background(world)
        viewer = make_viewer(world, viewer_spec)
        browser = Browser(viewer.user)
        number = world.child.index_number
        typed_by_others = {CURRENT, "address.postcode"}  # search criteria are audit data
        own_la = viewer.role == Role.AUDITOR and viewer.la == "A"
        other_la = viewer.role == Role.AUDITOR and viewer.la == "B"

        pages = [browser.get("audit start page", reverse("web:audit-home"))]
        child_pages = [
            browser.get(
                "who accessed the child",
                reverse("web:audit-child"),
                index_number=number,
                typed=[number],
            ),
            browser.get(
                "who accessed the child (CSV)",
                reverse("web:audit-child-csv"),
                index_number=number,
                typed=[number],
            ),
        ]
        user_pages = {
            who: [
                browser.get(
                    f"what the {who} user accessed",
                    reverse("web:audit-user"),
                    username=user.username,
                    typed=[user.username],
                ),
                browser.get(
                    f"what the {who} user accessed (CSV)",
                    reverse("web:audit-user-csv"),
                    username=user.username,
                    typed=[user.username],
                ),
            ]
            for who, user in people.items()
        }
        pages.append(browser.get("alerts", reverse("web:audit-alerts"), status="all"))
        for alert in Alert.objects.order_by("pk"):
            pages.append(browser.get("alert", reverse("web:audit-alert", args=[alert.pk])))

        every = pages + child_pages + [p for ps in user_pages.values() for p in ps]
        if not (own_la or other_la):
            for page in every:
                assert page.status == 403, page.label
                assert_only(page, world, set())
            return
        for page in every:
            assert page.status in (200, 302, 404), page.label
            assert_only(page, world, typed_by_others)
        if own_la:
            html, csv = child_pages
            assert format_index_number(number) in html.body
            assert "child protection enquiry" in html.body
            assert "child protection enquiry" in csv.body  # the purpose in words
            for page in user_pages["practitioner"]:  # what they typed, shown to the auditor
                assert_shows(page, world, ["address.postcode"])
            for page in user_pages["child_protection"]:
                assert_shows(page, world, ["current.given", "current.family"])
        else:
            for page in child_pages + user_pages["practitioner"] + user_pages["child_protection"]:
                assert_only(page, world, set())  # another LA's child and users: nothing
            for page in user_pages["other_la"]:
                assert_shows(page, world, ["current.given", "current.family"])


# --- The index team's review item -----------------------------------------------------------------


@pytest.mark.slow
@leak_settings(15)
@given(spec=world_specs(), same_la=st.booleans())
def test_a_review_candidate_is_shown_only_as_the_shield_allows(db, spec, same_la):
    """A feed row in an index team's review queue may be the same child as a record of another
    LA. If that record is shielded, the team sees only what a shield leaves visible — never its
    former names, postcode or identifiers, nor which of them the row agreed with (the evidence
    of locating fields) — and is told to ask the other LA's index team. The child's own LA's
    team, or any team for an unshielded child, sees the details (the positive control)."""
    with _example():
        world = build_world(spec)
        la = world.la if same_la else world.other_la
        team = UserFactory(index_team=True, local_authority=la)
        record = SourceRecordFactory(feed__local_authority=la)
        evidence = [
            {"comparison": comparison, "level": "exact", "weight": 4.0}
            for comparison in ("given_name", "family_name", "dob", "postcode", "nhs", "upn")
        ]
        item = ReviewItemFactory(
            source_record=record,
            shielded=spec.shielded,
            candidates=[
                {
                    "child_id": world.child.pk,
                    "weight": 9.5,
                    "probability": 0.8,
                    "evidence": evidence,
                }
            ],
        )
        browser = Browser(team)
        queue = browser.get("review queue", reverse("web:review-queue"))
        assert_only(queue, world, set())
        page = browser.get("review item", reverse("web:review-item", args=[item.pk]))
        assert page.status == 200
        visible = same_la or not spec.shielded
        if visible:
            assert_only(page, world, {CURRENT, FORMER, "address.postcode", IDENTIFIERS})
            assert_shows(
                page,
                world,
                [*world.of(CURRENT, FORMER, IDENTIFIERS), "address.postcode"],
            )
        else:
            assert_only(page, world, {CURRENT})
            assert_shows(page, world, world.of(CURRENT))
        cells = set(re.findall(r'<td class="govuk-table__cell">([^<]+)</td>', page.body))
        locating_evidence = {"postcode", "nhs number", "unique pupil number"}
        if visible:
            assert locating_evidence <= cells
        else:
            hidden = locating_evidence | {"address line", "town"}
            assert not hidden & cells, "which locating fields agreed is shown"


def test_the_world_holds_every_basis(db):
    """The worlds above are only as good as what they hold: one involvement of each basis."""
    with _example():
        spec = lw.WorldSpec(
            seed=1,
            shielded=False,
            consent="standing",
            sensitive_consent="standing",
            ended=frozenset(),
            hidden_at_sensitive_service=False,
            holder_roles=tuple((k, Role.PRACTITIONER) for k in INVOLVEMENTS),
            lead=None,
            assessed=None,
        )
        world = build_world(spec)
        assert {i.basis for i in world.involvements.values()} == set(Basis.values)
        assert len(set(world.markers.values())) == len(world.markers)
        assert set(world.groups.values()) >= {CURRENT, FORMER, ADDRESS, IDENTIFIERS}
