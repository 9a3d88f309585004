"""The authorisation matrix of §3, exhaustively: every role × same or other LA × shielded or not
× purpose × override, and for involvements × every basis × consent none/standing/withdrawn ×
held by the viewer or not.

The expected answers are DESIGN.md's who-may-see-what table written down row by row
(`RECORD_TABLE`, `INVOLVEMENT_TABLE`): each row names the sentence of the design it states, the
cases it covers (a set of values per column, every value where a column is left open) and the
answer. The test looks each case up: exactly one row must cover it, so the rows are disjoint
and together cover every case; a row no case reaches fails too. Nothing here computes an answer
the way `policy.record_access` does, so a change of the policy that the design does not make
fails here (for example, letting an ordinary practitioner's override open a shielded record).
No database: users and records are unsaved instances (two-factor enrolment is taken as done
here; prerequisites have their own tests)."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass

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


# --- The design's table: opening a record -------------------------------------------------------

EVERY = None  # a column a row leaves open: the row covers every value of it


@dataclass(frozen=True)
class Opens:
    """A record opened: how much of it is seen, whether hidden concerns show, the alerts."""

    view: Visibility
    reveals_hidden: bool = False
    alerts: tuple[AccessAlert, ...] = ()


REFUSED = None  # the record does not open (the policy says why)


@dataclass(frozen=True)
class RecordRow:
    """One rule of DESIGN.md §1/§3 about opening a record, and the cases it decides."""

    design: str
    roles: frozenset[Role]
    purposes: frozenset[Purpose]
    answer: Opens | None
    own_la: bool | None = EVERY  # the child's responsible LA is the viewer's own
    shielded: bool | None = EVERY
    override: bool | None = EVERY  # a shield override asked for this viewing

    def covers(self, role, same_la, shielded, purpose, override) -> bool:
        return (
            role in self.roles
            and purpose in self.purposes
            and self.own_la in (EVERY, same_la)
            and self.shielded in (EVERY, shielded)
            and self.override in (EVERY, override)
        )


def _roles(*roles: Role) -> frozenset[Role]:
    return frozenset(roles)


def _purposes(*purposes: Purpose) -> frozenset[Purpose]:
    return frozenset(purposes)


P = Purpose
EVERY_PURPOSE = frozenset(Purpose)
REF_WELFARE_SERVICE = _purposes(P.REFERRAL, P.WELFARE_CONCERN, P.PROVIDING_SERVICE)
INDEX_TEAM_PURPOSES = _purposes(P.DATA_QUALITY, P.REFERRAL, P.WELFARE_CONCERN)
SHIELD_ALERT = (AccessAlert.SHIELDED_RECORD,)

RECORD_TABLE: tuple[RecordRow, ...] = (
    # Who opens a record at all (§1: the actors and what they do).
    RecordRow(
        "§1 auditor: reads the audit trail, reviews alerts; opens no child's record",
        _roles(Role.AUDITOR),
        EVERY_PURPOSE,
        REFUSED,
    ),
    RecordRow(
        "§1 national operator: the list of LAs and national reports, never a child",
        _roles(Role.NATIONAL_OPERATOR),
        EVERY_PURPOSE,
        REFUSED,
    ),
    # §3 Purpose of access: opening a record asks why; the purposes open to each role.
    RecordRow(
        "§1/§3 purpose: a practitioner opens for a referral, a concern or providing a service; "
        "'child protection enquiry' is the child-protection practitioner's, data quality the "
        "index team's",
        _roles(Role.PRACTITIONER),
        _purposes(P.CHILD_PROTECTION_ENQUIRY, P.DATA_QUALITY),
        REFUSED,
    ),
    RecordRow(
        "§1/§3 purpose: data quality is the index team's (maintaining the LA's part)",
        _roles(Role.CHILD_PROTECTION),
        _purposes(P.DATA_QUALITY),
        REFUSED,
    ),
    RecordRow(
        "§1/§3 purpose: the index team maintains the index (data quality) and takes referrals "
        "and concerns; it provides no service and makes no child protection enquiry",
        _roles(Role.INDEX_TEAM),
        _purposes(P.PROVIDING_SERVICE, P.CHILD_PROTECTION_ENQUIRY),
        REFUSED,
    ),
    # §3: practitioners search the whole index; an LA's index team only its own partition.
    RecordRow(
        "§3 an LA's index team maintains only its own partition",
        _roles(Role.INDEX_TEAM),
        INDEX_TEAM_PURPOSES,
        REFUSED,
        own_la=False,
    ),
    RecordRow(
        "§3 practitioners search the whole index (children move between LAs): the whole record",
        _roles(Role.PRACTITIONER),
        REF_WELFARE_SERVICE,
        Opens(Visibility.FULL),
        shielded=False,
    ),
    RecordRow(
        "§3 shielded: users see only name, gender, date of birth, index number, parents' names "
        "and the index team's contact; every access raises an alert; only a child-protection "
        "practitioner may override",
        _roles(Role.PRACTITIONER),
        REF_WELFARE_SERVICE,
        Opens(Visibility.SHIELDED, alerts=SHIELD_ALERT),
        shielded=True,
    ),
    RecordRow(
        "§3 (and §1) the child-protection practitioner sees what any practitioner sees",
        _roles(Role.CHILD_PROTECTION),
        REF_WELFARE_SERVICE,
        Opens(Visibility.FULL),
        shielded=False,
    ),
    RecordRow(
        "§3 hidden concern: shown to a child-protection practitioner who opens the record under "
        "'child protection enquiry'; each such opening raises an alert for review",
        _roles(Role.CHILD_PROTECTION),
        _purposes(P.CHILD_PROTECTION_ENQUIRY),
        Opens(Visibility.FULL, reveals_hidden=True, alerts=(AccessAlert.BREAK_GLASS,)),
        shielded=False,
    ),
    RecordRow(
        "§3 shielded: without an override the child-protection practitioner too sees only the "
        "shielded summary (so no hidden concern shows through it); the access raises an alert",
        _roles(Role.CHILD_PROTECTION),
        _purposes(*REF_WELFARE_SERVICE, P.CHILD_PROTECTION_ENQUIRY),
        Opens(Visibility.SHIELDED, alerts=SHIELD_ALERT),
        shielded=True,
        override=False,
    ),
    RecordRow(
        "§3 a child-protection practitioner may override a shield for one viewing, after a "
        "warning that the override is reviewed at once",
        _roles(Role.CHILD_PROTECTION),
        REF_WELFARE_SERVICE,
        Opens(Visibility.FULL, alerts=(AccessAlert.SHIELDED_RECORD, AccessAlert.SHIELD_OVERRIDE)),
        shielded=True,
        override=True,
    ),
    RecordRow(
        "§3 an overridden shield under 'child protection enquiry': the whole record, hidden "
        "concerns too, and every alert (shielded access, override, break-glass)",
        _roles(Role.CHILD_PROTECTION),
        _purposes(P.CHILD_PROTECTION_ENQUIRY),
        Opens(
            Visibility.FULL,
            reveals_hidden=True,
            alerts=(
                AccessAlert.SHIELDED_RECORD,
                AccessAlert.SHIELD_OVERRIDE,
                AccessAlert.BREAK_GLASS,
            ),
        ),
        shielded=True,
        override=True,
    ),
    RecordRow(
        "§1 the index team maintains its LA's part of the index: the whole record",
        _roles(Role.INDEX_TEAM),
        INDEX_TEAM_PURPOSES,
        Opens(Visibility.FULL),
        own_la=True,
        shielded=False,
    ),
    RecordRow(
        "§3 only the LA index team shields or unshields: it sees the shielded record it "
        "maintains in full, and every access to a shielded record raises an alert",
        _roles(Role.INDEX_TEAM),
        INDEX_TEAM_PURPOSES,
        Opens(Visibility.FULL, alerts=SHIELD_ALERT),
        own_la=True,
        shielded=True,
    ),
)


def record_row(role, same_la, shielded, purpose, override) -> RecordRow:
    """The one row of the design's table that decides this case."""
    rows = [r for r in RECORD_TABLE if r.covers(role, same_la, shielded, purpose, override)]
    assert len(rows) == 1, (
        f"{len(rows)} rows of the table cover {role}, own LA {same_la}, shielded {shielded}, "
        f"{purpose}, override {override}: {[r.design for r in rows]}"
    )
    return rows[0]


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
    row = record_row(role, same_la, shielded, purpose, override)
    if row.answer is REFUSED:
        assert access.allowed is False, row.design
        assert access.reason
    else:
        assert access.allowed is True, row.design
        assert access.view == row.answer.view, row.design
        assert access.reveals_hidden is row.answer.reveals_hidden, row.design
        assert access.alerts == row.answer.alerts, row.design


# --- The design's table: each involvement on an opened record -----------------------------------

CONSENT_STATES = ["none", "standing", "withdrawn"]
NOT_STANDING = frozenset({"none", "withdrawn"})
EVERY_BASIS = frozenset(Basis)
EVERY_CONSENT = frozenset(CONSENT_STATES)


@dataclass(frozen=True)
class InvolvementRow:
    """One rule of DESIGN.md §2/§3 about an involvement, and the cases it decides. ``opened``
    is the answer of the record's row (a view, or None where the record was refused)."""

    design: str
    opened: frozenset[Visibility | None]
    answer: Visibility
    bases: frozenset[Basis] = EVERY_BASIS
    consents: frozenset[str] = EVERY_CONSENT
    held: bool | None = EVERY  # the viewer is the practitioner who holds it
    reveals_hidden: bool | None = EVERY  # the record's row reveals hidden concerns
    childs_index_team: bool | None = EVERY  # the viewer is the child's LA's index team

    def covers(self, opened, reveals, held, childs_index_team, basis, consent) -> bool:
        return (
            opened in self.opened
            and basis in self.bases
            and consent in self.consents
            and self.held in (EVERY, held)
            and self.reveals_hidden in (EVERY, reveals)
            and self.childs_index_team in (EVERY, childs_index_team)
        )


FULL_RECORD = frozenset({Visibility.FULL})

INVOLVEMENT_TABLE: tuple[InvolvementRow, ...] = (
    InvolvementRow(
        "§3 access needs and purpose: a record that does not open shows nothing of it",
        frozenset({None}),
        Visibility.HIDDEN,
    ),
    InvolvementRow(
        "§3 shielded: nothing that locates the child (address, school, GP, practitioners)",
        frozenset({Visibility.SHIELDED}),
        Visibility.HIDDEN,
    ),
    InvolvementRow(
        "§1/§2 a practitioner logs, ends and sets the indicators of their own involvement: "
        "the one who holds it always sees it",
        FULL_RECORD,
        Visibility.FULL,
        held=True,
    ),
    InvolvementRow(
        "§3 universal: held without consent; every authorised user",
        FULL_RECORD,
        Visibility.FULL,
        bases=frozenset({Basis.UNIVERSAL}),
        held=False,
    ),
    InvolvementRow(
        "§3 statutory: a legal duty; every authorised user",
        FULL_RECORD,
        Visibility.FULL,
        bases=frozenset({Basis.STATUTORY}),
        held=False,
    ),
    InvolvementRow(
        "§3 consent: every authorised user while consent stands",
        FULL_RECORD,
        Visibility.FULL,
        bases=frozenset({Basis.CONSENT}),
        consents=frozenset({"standing"}),
        held=False,
    ),
    InvolvementRow(
        "§3 consent: only once consent is recorded; on withdrawal it is no longer shown",
        FULL_RECORD,
        Visibility.HIDDEN,
        bases=frozenset({Basis.CONSENT}),
        consents=NOT_STANDING,
        held=False,
    ),
    InvolvementRow(
        "§3 sensitive consent: every authorised user sees that a sensitive service is "
        "involved, never which one or who",
        FULL_RECORD,
        Visibility.SENSITIVE,
        bases=frozenset({Basis.SENSITIVE_CONSENT}),
        consents=frozenset({"standing"}),
        held=False,
        childs_index_team=False,
    ),
    InvolvementRow(
        "§3 sensitive consent: contact goes through the LA index team, who can see it and "
        "pass the message on",
        FULL_RECORD,
        Visibility.FULL,
        bases=frozenset({Basis.SENSITIVE_CONSENT}),
        consents=frozenset({"standing"}),
        held=False,
        childs_index_team=True,
    ),
    InvolvementRow(
        "§3 sensitive consent: explicit consent of the young person (or parent) for that "
        "service; without it (or after withdrawal) nothing is shown",
        FULL_RECORD,
        Visibility.HIDDEN,
        bases=frozenset({Basis.SENSITIVE_CONSENT}),
        consents=NOT_STANDING,
        held=False,
    ),
    InvolvementRow(
        "§3 hidden concern: a child-protection practitioner who opens the record under "
        "'child protection enquiry' sees it",
        FULL_RECORD,
        Visibility.FULL,
        bases=frozenset({Basis.HIDDEN_CONCERN}),
        held=False,
        reveals_hidden=True,
    ),
    InvolvementRow(
        "§3 hidden concern: nobody else, whatever consent is held",
        FULL_RECORD,
        Visibility.HIDDEN,
        bases=frozenset({Basis.HIDDEN_CONCERN}),
        held=False,
        reveals_hidden=False,
    ),
)


def involvement_row(role, same_la, shielded, basis, consent, purpose, held, override):
    """The one row of the design's table that decides this involvement, after the record's."""
    record = record_row(role, same_la, shielded, purpose, override).answer
    opened = None if record is REFUSED else record.view
    reveals = False if record is REFUSED else record.reveals_hidden
    childs_index_team = role == Role.INDEX_TEAM and same_la
    rows = [
        r
        for r in INVOLVEMENT_TABLE
        if r.covers(opened, reveals, held, childs_index_team, basis, consent)
    ]
    assert len(rows) == 1, (
        f"{len(rows)} rows of the table cover {basis}, consent {consent}, record {opened}, "
        f"held {held}: {[r.design for r in rows]}"
    )
    return rows[0]


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
    row = involvement_row(role, same_la, shielded, basis, consent, purpose, held, override)
    assert view == row.answer, row.design


def test_matrix_covers_every_role_basis_and_purpose():
    assert {c[0] for c in INVOLVEMENT_CASES} == set(Role)
    assert {c[3] for c in INVOLVEMENT_CASES} == set(Basis)
    assert {c[3] for c in RECORD_CASES} == set(Purpose)
    assert len(RECORD_CASES) == 5 * 2 * 2 * 5 * 2


def test_every_row_of_the_design_table_decides_some_case():
    """A row no case reaches would be a rule the matrix never checks."""
    reached = {record_row(*case).design for case in RECORD_CASES}
    assert reached == {r.design for r in RECORD_TABLE}
    reached = {involvement_row(*case).design for case in INVOLVEMENT_CASES}
    assert reached == {r.design for r in INVOLVEMENT_TABLE}


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
