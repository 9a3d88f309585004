"""The reports' rules (issue 14), as permission matrices written from the issue's words, not
from the policy's code: who reads an LA's reports, who loads population estimates, and what a
subject access export discloses to each kind of requester. No database."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from childindex.access import policy
from childindex.access.models import Role, User
from childindex.access.policy import Requester, Visibility
from childindex.records.models import Basis, Child, Involvement

TODAY = dt.date(2026, 6, 15)
HOME_LA, OTHER_LA = 1, 2


@pytest.fixture(autouse=True)
def _enrolled(monkeypatch):
    monkeypatch.setattr(policy, "has_two_factor", lambda user: True)


def make_user(role: Role, *, la: int | None = HOME_LA, lapsed: bool = False) -> User:
    return User(
        pk=1,
        username="reader",
        role=role,
        local_authority_id=la,
        approved_on=TODAY - dt.timedelta(days=30),
        dbs_checked_on=TODAY - dt.timedelta(days=365 * (4 if lapsed else 1)),
        training_completed_on=TODAY - dt.timedelta(days=20),
        is_active=True,
    )


@pytest.mark.parametrize(
    "role,same_la,lapsed", list(itertools.product(list(Role), [True, False], [False, True]))
)
def test_only_the_las_own_index_team_in_good_standing_reads_its_reports(role, same_la, lapsed):
    user = make_user(role, lapsed=lapsed)
    decision = policy.can_read_reports(user, HOME_LA if same_la else OTHER_LA, today=TODAY)
    assert bool(decision) is (role == Role.INDEX_TEAM and same_la and not lapsed)
    if not decision:
        assert decision.reasons  # the user is told why


def test_reports_of_no_la_are_read_by_nobody():
    assert not policy.can_read_reports(make_user(Role.INDEX_TEAM), None, today=TODAY)


@pytest.mark.parametrize("role,lapsed", list(itertools.product(list(Role), [False, True])))
def test_only_a_national_operator_in_good_standing_loads_population_estimates(role, lapsed):
    user = make_user(role, la=None if role == Role.NATIONAL_OPERATOR else HOME_LA, lapsed=lapsed)
    decision = policy.can_load_population_estimates(user, today=TODAY)
    assert bool(decision) is (role == Role.NATIONAL_OPERATOR and not lapsed)


# --- Subject access ------------------------------------------------------------------------

REQUESTERS = list(Requester)


def make_child(*, shielded: bool) -> Child:
    return Child(
        pk=10,
        index_number="10000000001",
        date_of_birth=dt.date(2010, 3, 1),
        responsible_la_id=HOME_LA,
        shielded=shielded,
        shield_review_on=TODAY if shielded else None,
    )


def expected_location_withheld(requester, shielded, protects_against):
    """A shielded child's location is withheld from the person the shield protects the child
    against, and from a parent without parental responsibility (who has no right to it)."""
    if not shielded:
        return requester == Requester.PARENT_WITHOUT_PR
    if requester == Requester.YOUNG_PERSON:
        return False
    return protects_against or requester == Requester.PARENT_WITHOUT_PR


@pytest.mark.parametrize(
    "requester,shielded,protects_against",
    list(itertools.product(REQUESTERS, [False, True], [False, True])),
)
def test_subject_access_withholds_location_by_requester_and_shield(
    requester, shielded, protects_against
):
    redaction = policy.subject_access_redaction(
        requester=requester,
        child=make_child(shielded=shielded),
        shield_protects_against_requester=protects_against,
        accessor_names_shown=False,
    )
    assert redaction.location_withheld is expected_location_withheld(
        requester, shielded, protects_against
    )
    assert redaction.reasons  # what was withheld and why is said in the export


def expected_involvement(requester, basis, location_withheld):
    """Hidden concerns are never disclosed; a young person's confidential (sensitive) service
    is disclosed only to the young person; where location is withheld, the rest show the kind
    of service and dates but not the organisation or practitioner."""
    if basis == Basis.HIDDEN_CONCERN:
        return Visibility.HIDDEN
    if basis == Basis.SENSITIVE_CONSENT and requester != Requester.YOUNG_PERSON:
        return Visibility.HIDDEN
    return Visibility.SHIELDED if location_withheld else Visibility.FULL


@pytest.mark.parametrize(
    "requester,basis,shielded,protects_against",
    list(itertools.product(REQUESTERS, list(Basis), [False, True], [False, True])),
)
def test_subject_access_involvement_matrix(requester, basis, shielded, protects_against):
    child = make_child(shielded=shielded)
    redaction = policy.subject_access_redaction(
        requester=requester,
        child=child,
        shield_protects_against_requester=protects_against,
        accessor_names_shown=False,
    )
    involvement = Involvement(child=child, basis=basis, started_on=TODAY)
    assert policy.subject_access_involvement_view(redaction, involvement) == (
        expected_involvement(requester, basis, redaction.location_withheld)
    )


@pytest.mark.parametrize("requester", REQUESTERS)
@pytest.mark.parametrize("names", [False, True])
def test_accessors_are_named_only_when_the_las_policy_says_and_location_is_not_withheld(
    requester, names
):
    redaction = policy.subject_access_redaction(
        requester=requester,
        child=make_child(shielded=True),
        shield_protects_against_requester=True,
        accessor_names_shown=names,
    )
    assert redaction.accessor_names is (names and not redaction.location_withheld)
    # an organisation that looked at the record can say where the child is
    assert redaction.accessor_organisations is (not redaction.location_withheld)


@pytest.mark.parametrize("requester", REQUESTERS)
def test_other_carers_contact_details_are_never_disclosed(requester):
    redaction = policy.subject_access_redaction(
        requester=requester,
        child=make_child(shielded=False),
        shield_protects_against_requester=False,
        accessor_names_shown=False,
    )
    assert redaction.carers_contact_details is False
