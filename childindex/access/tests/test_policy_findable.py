"""Which children a user can find at all, and on which fields (§3, §6), against the database."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from childindex.access import policy
from childindex.access.models import Role
from childindex.access.tests.factories import UserFactory
from childindex.directory.tests.factories import LocalAuthorityFactory
from childindex.records.models import Child, ChildStatus
from childindex.records.tests.factories import ChildFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def world():
    home, away = LocalAuthorityFactory(), LocalAuthorityFactory()
    children = {
        "home_active": ChildFactory(responsible_la=home),
        "home_shielded": ChildFactory(
            responsible_la=home, shielded=True, shield_review_on=TODAY + dt.timedelta(days=30)
        ),
        "home_deceased": ChildFactory(
            responsible_la=home,
            status=ChildStatus.DECEASED,
            date_of_death=TODAY - dt.timedelta(days=30),
        ),
        "home_archived_recently": ChildFactory(
            responsible_la=home,
            status=ChildStatus.ARCHIVED,
            archived_on=TODAY - dt.timedelta(days=100),
        ),
        "home_archived_long_ago": ChildFactory(
            responsible_la=home,
            status=ChildStatus.ARCHIVED,
            archived_on=TODAY - dt.timedelta(days=400),
        ),
        "away_active": ChildFactory(responsible_la=away),
        "away_shielded": ChildFactory(
            responsible_la=away, shielded=True, shield_review_on=TODAY + dt.timedelta(days=30)
        ),
    }
    children["home_merged"] = ChildFactory(
        responsible_la=home, status=ChildStatus.MERGED, merged_into=children["home_active"]
    )
    return home, away, children


def _names(q, children) -> set[str]:
    found = set(Child.objects.filter(q).values_list("pk", flat=True))
    return {name for name, child in children.items() if child.pk in found}


LIVE = {"home_active", "home_shielded", "home_deceased", "away_active", "away_shielded"}


@pytest.mark.parametrize("role", [Role.PRACTITIONER, Role.CHILD_PROTECTION])
def test_practitioners_find_live_children_in_every_la(world, role):
    home, _, children = world
    user = UserFactory(role=role, local_authority=home)
    assert _names(policy.findable_children(user), children) == LIVE


def test_index_team_finds_its_own_la_including_the_first_archived_year(world):
    home, _, children = world
    user = UserFactory(role=Role.INDEX_TEAM, local_authority=home)
    assert _names(policy.findable_children(user), children) == {
        "home_active",
        "home_shielded",
        "home_deceased",
        "home_archived_recently",
    }


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.NATIONAL_OPERATOR])
def test_auditors_and_national_operators_find_no_child(world, role):
    home, _, children = world
    assert (
        _names(policy.findable_children(UserFactory(role=role, local_authority=home)), children)
        == set()
    )


@pytest.mark.parametrize("role", [Role.PRACTITIONER, Role.CHILD_PROTECTION])
def test_shielded_childrens_locating_details_are_not_searchable_by_practitioners(world, role):
    home, _, children = world
    user = UserFactory(role=role, local_authority=home)
    visible = _names(policy.sees_shielded_details(user) & policy.findable_children(user), children)
    assert visible == LIVE - {"home_shielded", "away_shielded"}


def test_index_team_searches_its_own_shielded_records_details_but_not_another_las(world):
    home, _, children = world
    user = UserFactory(role=Role.INDEX_TEAM, local_authority=home)
    details = _names(policy.sees_shielded_details(user), children)
    assert "home_shielded" in details
    assert "away_shielded" not in details
