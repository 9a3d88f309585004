"""Shielding a record: only the responsible LA's index team, with a review date in the future,
and each change audited (moved from the access services' tests: shielding is a write to the
record, ``records.services``, which asks the access policy)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from childindex.access.models import Role
from childindex.access.tests.factories import UserFactory
from childindex.audit.models import AuditEvent
from childindex.records import services
from childindex.records.tests.factories import ChildFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def team():
    return UserFactory(role=Role.INDEX_TEAM)


def _last(action: str) -> AuditEvent:
    return AuditEvent.objects.filter(action=action).latest("id")


def test_index_team_shields_its_own_record_with_a_review_date(team):
    child = ChildFactory(responsible_la=team.local_authority)
    review = TODAY + dt.timedelta(days=180)
    services.shield_set(actor=team, child=child, review_on=review)
    child.refresh_from_db()
    assert child.shielded and child.shield_review_on == review
    event = _last("shield_set")
    assert event.children == [child.index_number]
    assert event.detail == {"review_on": str(review)}


def test_shield_review_date_must_be_in_the_future(team):
    child = ChildFactory(responsible_la=team.local_authority)
    with pytest.raises(ValidationError):
        services.shield_set(actor=team, child=child, review_on=TODAY)


@pytest.mark.parametrize("role", [Role.PRACTITIONER, Role.CHILD_PROTECTION, Role.AUDITOR])
def test_only_the_index_team_shields(role):
    actor = UserFactory(role=role)
    child = ChildFactory(responsible_la=actor.local_authority)
    with pytest.raises(PermissionDenied):
        services.shield_set(actor=actor, child=child, review_on=TODAY + dt.timedelta(days=10))


def test_index_team_cannot_shield_or_unshield_another_las_record(team):
    child = ChildFactory(shielded=True, shield_review_on=TODAY + dt.timedelta(days=10))
    with pytest.raises(PermissionDenied):
        services.shield_remove(actor=team, child=child)
    with pytest.raises(PermissionDenied):
        services.shield_set(actor=team, child=child, review_on=TODAY + dt.timedelta(days=20))


def test_index_team_removes_a_shield_and_it_is_audited(team):
    child = ChildFactory(
        responsible_la=team.local_authority,
        shielded=True,
        shield_review_on=TODAY + dt.timedelta(days=10),
    )
    services.shield_remove(actor=team, child=child)
    child.refresh_from_db()
    assert not child.shielded and child.shield_review_on is None
    assert _last("shield_remove").children == [child.index_number]
