"""The authorisation matrix of §3, exhaustively: every role × same or other LA × shielded or not
× purpose × override, and for involvements × every basis × consent none/standing/withdrawn ×
held by the viewer or not. The expected answers are written from the design's table, not from
the policy's code. No database: users and records are unsaved instances (two-factor enrolment
is taken as done here; prerequisites have their own tests)."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from childindex.access import policy
from childindex.access.models import Role, User
from childindex.access.policy import AccessAlert, Purpose, Visibility
from childindex.consent.models import Consent, GivenBy, Scope
from childindex.records.models import Basis, Child, ChildStatus, Involvement

TODAY = dt.date(2026, 6, 15)
HOME_LA, OTHER_LA = 1, 2
SERVICE_ID = 70
VIEWER_PRACTITIONER_ID, OTHER_PRACTITIONER_ID = 500, 501

ROLES = list(Role)
SEARCHING = {Role.PRACTITIONER, Role.CHILD_PROTECTION, Role.INDEX_TEAM}
# §1/§3: what each role may give as the purpose of opening a record.
PURPOSES_BY_ROLE = {
    Role.PRACTITIONER: {Purpose.REFERRAL, Purpose.WELFARE_CONCERN, Purpose.PROVIDING_SERVICE},
    Role.CHILD_PROTECTION: {
        Purpose.REFERRAL,
        Purpose.WELFARE_CONCERN,
        Purpose.PROVIDING_SERVICE,
        Purpose.CHILD_PROTECTION_ENQUIRY,
    },
    Role.INDEX_TEAM: {Purpose.DATA_QUALITY, Purpose.REFERRAL, Purpose.WELFARE_CONCERN},
    Role.AUDITOR: set(),
    Role.NATIONAL_OPERATOR: set(),
}


@pytest.fixture(autouse=True)
def _enrolled(monkeypatch):
    monkeypatch.setattr(policy, "has_two_factor", lambda user: True)


def make_user(role: Role, *, la: int = HOME_LA) -> User:
    return User(
        pk=1,
        username="viewer",
        role=role,
        local_authority_id=la,
        practitioner_id=VIEWER_PRACTITIONER_ID
        if role in (Role.PRACTITIONER, Role.CHILD_PROTECTION)
        else None,
        approved_on=TODAY - dt.timedelta(days=30),
        dbs_checked_on=TODAY - dt.timedelta(days=365),
        training_completed_on=TODAY - dt.timedelta(days=20),
        is_active=True,
    )


def make_child(*, la: int = HOME_LA, shielded: bool = False, **kwargs) -> Child:
    return Child(
        pk=10,
        index_number="10000000001",
        date_of_birth=dt.date(2014, 3, 1),
        responsible_la_id=la,
        shielded=shielded,
        shield_review_on=TODAY + dt.timedelta(days=90) if shielded else None,
        **kwargs,
    )


# --- Opening a record -------------------------------------------------------------------------


def expected_record(role, same_la, shielded, purpose, override):
    """§3 in the test's own words: (allowed, view, reveals_hidden, alerts)."""
    if role not in SEARCHING or purpose not in PURPOSES_BY_ROLE[role]:
        return False, Visibility.HIDDEN, False, ()
    if role == Role.INDEX_TEAM and not same_la:  # an index team maintains only its own LA
        return False, Visibility.HIDDEN, False, ()
    alerts = []
    view = Visibility.FULL
    if shielded:
        alerts.append(AccessAlert.SHIELDED_RECORD)  # every access to a shielded record
        if role == Role.INDEX_TEAM:
            view = Visibility.FULL  # the responsible LA's team sees the whole record
        elif role == Role.CHILD_PROTECTION and override:
            view = Visibility.FULL
            alerts.append(AccessAlert.SHIELD_OVERRIDE)
        else:
            view = Visibility.SHIELDED
    reveals = (
        role == Role.CHILD_PROTECTION
        and purpose == Purpose.CHILD_PROTECTION_ENQUIRY
        and view == Visibility.FULL
    )
    if reveals:
        alerts.append(AccessAlert.BREAK_GLASS)
    return True, view, reveals, tuple(alerts)


RECORD_CASES = list(
    itertools.product(ROLES, [True, False], [False, True], list(Purpose), [False, True])
)


@pytest.mark.parametrize(
    ("role", "same_la", "shielded", "purpose", "override"),
    RECORD_CASES,
    ids=[
        f"{r.value}-{'own' if s else 'other'}LA-{'shielded' if sh else 'open'}-{p.value}"
        f"{'-override' if o else ''}"
        for r, s, sh, p, o in RECORD_CASES
    ],
)
def test_record_access_matrix(role, same_la, shielded, purpose, override):
    user = make_user(role)
    child = make_child(la=HOME_LA if same_la else OTHER_LA, shielded=shielded)
    access = policy.record_access(
        user, child, purpose=purpose, shield_override=override, today=TODAY
    )
    allowed, view, reveals, alerts = expected_record(role, same_la, shielded, purpose, override)
    assert access.allowed is allowed
    if allowed:
        assert access.view == view
        assert access.reveals_hidden is reveals
        assert access.alerts == alerts
    else:
        assert access.reason


# --- Involvements -----------------------------------------------------------------------------

CONSENT_STATES = ["none", "standing", "withdrawn"]


def make_consents(basis: Basis, state: str, child: Child) -> list[Consent]:
    if state == "none":
        return []
    named = basis == Basis.SENSITIVE_CONSENT
    return [
        Consent(
            child_id=child.pk,
            given_by=GivenBy.YOUNG_PERSON,
            scope=Scope.NAMED_SERVICE if named else Scope.ADDITIONAL_SERVICES,
            service_id=SERVICE_ID if named else None,
            given_on=TODAY - dt.timedelta(days=60),
            withdrawn_on=TODAY - dt.timedelta(days=1) if state == "withdrawn" else None,
        )
    ]


def expected_involvement(role, same_la, shielded, basis, consent, purpose, held, override):
    allowed, record_view, reveals, _ = expected_record(role, same_la, shielded, purpose, override)
    if not allowed or record_view != Visibility.FULL:
        return Visibility.HIDDEN  # a shield hides every service and practitioner
    if held:
        return Visibility.FULL  # the practitioner who holds an involvement always sees it
    if basis in (Basis.UNIVERSAL, Basis.STATUTORY):
        return Visibility.FULL
    if basis == Basis.CONSENT:
        return Visibility.FULL if consent == "standing" else Visibility.HIDDEN
    if basis == Basis.SENSITIVE_CONSENT:
        if consent != "standing":
            return Visibility.HIDDEN
        # Others see only that a sensitive service is involved; the responsible LA's index
        # team sees which, to pass messages on.
        return Visibility.FULL if role == Role.INDEX_TEAM and same_la else Visibility.SENSITIVE
    if basis == Basis.HIDDEN_CONCERN:
        return Visibility.FULL if reveals else Visibility.HIDDEN
    raise AssertionError(basis)


INVOLVEMENT_CASES = [
    case
    for case in itertools.product(
        ROLES,
        [True, False],
        [False, True],
        list(Basis),
        CONSENT_STATES,
        [Purpose.REFERRAL, Purpose.CHILD_PROTECTION_ENQUIRY, Purpose.DATA_QUALITY],
        [False, True],
        [False, True],
    )
    # Only practitioners hold involvements; an override matters only on a shielded record.
    if not (case[6] and case[0] not in (Role.PRACTITIONER, Role.CHILD_PROTECTION))
    and not (case[7] and not case[2])
]


@pytest.mark.parametrize(
    ("role", "same_la", "shielded", "basis", "consent", "purpose", "held", "override"),
    INVOLVEMENT_CASES,
)
def test_involvement_view_matrix(role, same_la, shielded, basis, consent, purpose, held, override):
    user = make_user(role)
    child = make_child(la=HOME_LA if same_la else OTHER_LA, shielded=shielded)
    involvement = Involvement(
        child=child,
        service_id=SERVICE_ID,
        practitioner_id=VIEWER_PRACTITIONER_ID if held else OTHER_PRACTITIONER_ID,
        basis=basis,
        source_feed="synthetic-feed",
        started_on=TODAY - dt.timedelta(days=100),
    )
    access = policy.record_access(
        user, child, purpose=purpose, shield_override=override, today=TODAY
    )
    view = policy.involvement_view(
        user,
        involvement,
        access=access,
        consents=make_consents(basis, consent, child),
        today=TODAY,
    )
    assert view == expected_involvement(
        role, same_la, shielded, basis, consent, purpose, held, override
    )


def test_matrix_covers_every_role_basis_and_purpose():
    assert {c[0] for c in INVOLVEMENT_CASES} == set(Role)
    assert {c[3] for c in INVOLVEMENT_CASES} == set(Basis)
    assert {c[3] for c in RECORD_CASES} == set(Purpose)
    assert len(RECORD_CASES) == 5 * 2 * 2 * 5 * 2


# --- Rules stated one at a time (each also covered by the matrix) ----------------------------


def test_general_consent_does_not_cover_a_sensitive_service():
    user = make_user(Role.PRACTITIONER)
    child = make_child()
    involvement = Involvement(
        child=child,
        service_id=SERVICE_ID,
        practitioner_id=OTHER_PRACTITIONER_ID,
        basis=Basis.SENSITIVE_CONSENT,
        source_feed="x",
    )
    general = make_consents(Basis.CONSENT, "standing", child)
    access = policy.record_access(user, child, purpose=Purpose.REFERRAL, today=TODAY)
    assert policy.involvement_view(
        user, involvement, access=access, consents=general, today=TODAY
    ) == (Visibility.HIDDEN)


def test_consent_to_another_named_service_does_not_cover_this_one():
    user = make_user(Role.PRACTITIONER)
    child = make_child()
    involvement = Involvement(
        child=child,
        service_id=SERVICE_ID,
        practitioner_id=OTHER_PRACTITIONER_ID,
        basis=Basis.SENSITIVE_CONSENT,
        source_feed="x",
    )
    consents = make_consents(Basis.SENSITIVE_CONSENT, "standing", child)
    consents[0].service_id = SERVICE_ID + 1
    access = policy.record_access(user, child, purpose=Purpose.REFERRAL, today=TODAY)
    view = policy.involvement_view(user, involvement, access=access, consents=consents, today=TODAY)
    assert view == Visibility.HIDDEN


def test_consent_given_in_the_future_or_for_another_child_does_not_stand():
    child = make_child()
    involvement = Involvement(child=child, service_id=SERVICE_ID, basis=Basis.CONSENT)
    future = make_consents(Basis.CONSENT, "standing", child)
    future[0].given_on = TODAY + dt.timedelta(days=1)
    other_child = make_consents(Basis.CONSENT, "standing", child)
    other_child[0].child_id = child.pk + 1
    assert not policy.consent_stands_for(involvement, future, on=TODAY)
    assert not policy.consent_stands_for(involvement, other_child, on=TODAY)


def test_involvement_logged_by_the_viewer_is_always_theirs_to_see():
    user = make_user(Role.PRACTITIONER)
    child = make_child()
    involvement = Involvement(
        child=child,
        service_id=SERVICE_ID,
        basis=Basis.HIDDEN_CONCERN,
        logged_by_id=user.pk,
    )
    access = policy.record_access(user, child, purpose=Purpose.REFERRAL, today=TODAY)
    view = policy.involvement_view(user, involvement, access=access, consents=[], today=TODAY)
    assert view == Visibility.FULL


def test_override_by_an_ordinary_practitioner_is_ignored():
    user = make_user(Role.PRACTITIONER)
    access = policy.record_access(
        user,
        make_child(shielded=True),
        purpose=Purpose.REFERRAL,
        shield_override=True,
        today=TODAY,
    )
    assert access.view == Visibility.SHIELDED
    assert AccessAlert.SHIELD_OVERRIDE not in access.alerts


def test_merged_record_is_never_opened_even_by_its_index_team():
    user = make_user(Role.INDEX_TEAM)
    child = make_child(status=ChildStatus.MERGED, merged_into_id=11)
    access = policy.record_access(user, child, purpose=Purpose.DATA_QUALITY, today=TODAY)
    assert not access.allowed


@pytest.mark.parametrize(
    ("role", "archived_days_ago", "allowed"),
    [
        (Role.INDEX_TEAM, 30, True),
        (Role.INDEX_TEAM, 364, True),
        (Role.INDEX_TEAM, 366, False),
        (Role.PRACTITIONER, 30, False),
        (Role.CHILD_PROTECTION, 30, False),
    ],
)
def test_archived_record_is_seen_only_by_its_index_team_in_its_first_year(
    role, archived_days_ago, allowed
):
    user = make_user(role)
    child = make_child(
        status=ChildStatus.ARCHIVED, archived_on=TODAY - dt.timedelta(days=archived_days_ago)
    )
    purpose = Purpose.REFERRAL
    assert policy.record_access(user, child, purpose=purpose, today=TODAY).allowed is allowed


def test_deceased_record_stays_open_to_practitioners():
    user = make_user(Role.PRACTITIONER)
    child = make_child(status=ChildStatus.DECEASED, date_of_death=TODAY - dt.timedelta(days=10))
    assert policy.record_access(user, child, purpose=Purpose.REFERRAL, today=TODAY).allowed


def test_opening_a_record_needs_a_purpose():
    access = policy.record_access(
        make_user(Role.PRACTITIONER), make_child(), purpose="", today=TODAY
    )
    assert not access.allowed
    assert access.reason == "Say why you are opening this record."
