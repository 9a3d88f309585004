"""Access prerequisites (§3): approved, in-date enhanced DBS (three years), trained, two-factor,
a searching role; suspended accounts cannot search. Each lapse is named in the message."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from childindex.access import policy
from childindex.access.models import Role
from childindex.access.policy import Prerequisite
from childindex.access.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# The factories date approval, vetting and training relative to the real today.
TODAY = timezone.localdate()


def years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


THREE_YEARS_AGO = years_before(TODAY, 3)


def test_a_ready_account_can_search():
    decision = policy.can_search(UserFactory(), today=TODAY)
    assert decision.allowed
    assert decision.message == ""


@pytest.mark.parametrize(
    ("change", "missing"),
    [
        ({"approved_on": None}, Prerequisite.APPROVAL),
        ({"is_active": False}, Prerequisite.APPROVAL),
        ({"dbs_checked_on": None}, Prerequisite.VETTING),
        ({"training_completed_on": None}, Prerequisite.TRAINING),
        ({"training_completed_on": TODAY + dt.timedelta(days=1)}, Prerequisite.TRAINING),
        ({"suspended_on": TODAY}, Prerequisite.SUSPENDED),
        ({"role": Role.AUDITOR}, Prerequisite.ROLE),
        ({"role": Role.NATIONAL_OPERATOR}, Prerequisite.ROLE),
    ],
)
def test_each_missing_prerequisite_stops_search_and_is_named(change, missing):
    user = UserFactory(**change)
    decision = policy.can_search(user, today=TODAY)
    assert not decision.allowed
    assert policy.missing_prerequisites(user, today=TODAY) == [missing]
    assert decision.reasons == (missing.label,)


def test_no_two_factor_device_stops_search_and_is_named():
    user = UserFactory(two_factor=False)
    assert policy.can_search(user, today=TODAY).reasons == (Prerequisite.TWO_FACTOR.label,)


def test_an_unconfirmed_two_factor_device_does_not_count():
    user = UserFactory(two_factor=False)
    TOTPDevice.objects.create(user=user, name="half set up", confirmed=False)
    assert policy.missing_prerequisites(user, today=TODAY) == [Prerequisite.TWO_FACTOR]


def test_the_device_signed_in_with_this_session_counts_without_asking_the_database_again(
    django_assert_num_queries,
):
    user = UserFactory(two_factor=False)
    user.otp_device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    with django_assert_num_queries(0):  # django-otp's middleware loaded it for the request
        assert policy.missing_prerequisites(user, today=TODAY) == []


@pytest.mark.parametrize("whose", ["unconfirmed", "another user's"])
def test_a_session_device_that_is_not_a_confirmed_device_of_the_users_own_does_not_count(whose):
    user = UserFactory(two_factor=False)
    owner = user if whose == "unconfirmed" else UserFactory()
    user.otp_device = TOTPDevice.objects.create(
        user=owner, name="phone", confirmed=whose != "unconfirmed"
    )
    assert policy.missing_prerequisites(user, today=TODAY) == [Prerequisite.TWO_FACTOR]


def test_every_lapse_is_listed_together_in_order():
    user = UserFactory(
        two_factor=False, approved_on=None, dbs_checked_on=None, training_completed_on=None
    )
    assert policy.missing_prerequisites(user, today=TODAY) == [
        Prerequisite.APPROVAL,
        Prerequisite.VETTING,
        Prerequisite.TRAINING,
        Prerequisite.TWO_FACTOR,
    ]


def test_suspension_dated_in_the_future_has_not_started():
    user = UserFactory(suspended_on=TODAY + dt.timedelta(days=1))
    assert policy.can_search(user, today=TODAY)


@pytest.mark.parametrize(
    ("checked_on", "counts"),
    [
        (THREE_YEARS_AGO + dt.timedelta(days=1), True),  # three years less a day ago
        (THREE_YEARS_AGO, False),  # exactly three years ago: no longer counts
        (THREE_YEARS_AGO - dt.timedelta(days=1), False),
        (TODAY, True),
        (TODAY + dt.timedelta(days=1), False),  # a check dated in the future is no check
    ],
)
def test_dbs_check_counts_for_three_years_to_the_day(checked_on, counts):
    user = UserFactory(dbs_checked_on=checked_on)
    assert (Prerequisite.VETTING not in policy.missing_prerequisites(user, today=TODAY)) is counts


def test_dbs_check_made_on_29_february_lapses_on_28_february():
    assert policy.vetting_expiry_for(dt.date(2024, 2, 29)) == dt.date(2027, 2, 28)


def test_anonymous_visitor_cannot_search():
    from django.contrib.auth.models import AnonymousUser

    assert not policy.can_search(AnonymousUser())


def test_lapsed_account_cannot_open_a_record_and_is_told_why():
    from childindex.records.tests.factories import ChildFactory

    user = UserFactory(dbs_checked_on=None)
    access = policy.record_access(
        user, ChildFactory(), purpose=policy.Purpose.REFERRAL, today=TODAY
    )
    assert not access.allowed
    assert access.reason == Prerequisite.VETTING.label


@pytest.mark.parametrize(("role", "allowed"), [(Role.AUDITOR, True), (Role.PRACTITIONER, False)])
def test_role_pages_need_the_role_and_every_other_prerequisite(role, allowed):
    user = UserFactory(role=role)
    assert bool(policy.has_role_access(user, [Role.AUDITOR], today=TODAY)) is allowed
    lapsed = UserFactory(role=Role.AUDITOR, training_completed_on=None)
    decision = policy.has_role_access(lapsed, [Role.AUDITOR], today=TODAY)
    assert not decision
    assert decision.reasons == (Prerequisite.TRAINING.label,)


def test_role_pages_need_an_la_but_for_a_national_operator():
    # Only a back-office account escapes user_belongs_to_an_la.
    no_la = UserFactory(role=Role.AUDITOR, back_office=True, local_authority=None)
    decision = policy.has_role_access(no_la, [Role.AUDITOR], today=TODAY)
    assert not decision
    assert decision.reasons == (policy.NO_LA,)
    national = UserFactory(national_operator=True)
    assert policy.has_role_access(national, [Role.NATIONAL_OPERATOR], today=TODAY)


def test_index_team_maintains_only_its_own_la():
    team = UserFactory(role=Role.INDEX_TEAM)
    other = UserFactory(role=Role.INDEX_TEAM)
    assert policy.can_maintain_la(team, team.local_authority_id)
    assert not policy.can_maintain_la(team, other.local_authority_id)
    assert not policy.can_maintain_la(UserFactory(), team.local_authority_id)
    lapsed = UserFactory(role=Role.INDEX_TEAM, dbs_checked_on=None)
    assert not policy.can_maintain_la(lapsed, lapsed.local_authority_id)
