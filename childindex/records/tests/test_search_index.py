"""A bulk load (the generator's --load) leaves every child findable: the search keys are built."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from childindex.records.models import Child, ChildName
from childindex.records.search import parse_criteria
from childindex.records.search_models import ChildSearchKey
from childindex.records.selectors import child_search
from childindex.testkit.journey import journey_user

pytestmark = pytest.mark.django_db


def test_the_generators_load_builds_the_search_keys(tmp_path, fast_password_hashing):
    call_command(
        "generate", "--children", "40", "--out", str(tmp_path), "--load", stdout=io.StringIO()
    )
    assert ChildSearchKey.objects.values("child").distinct().count() == Child.objects.count()
    name = (
        ChildName.objects.filter(kind="current", child__status="active")
        .select_related("child")
        .first()
    )
    searcher = journey_user("searcher", la=name.child.responsible_la)
    found = child_search(
        actor=searcher,
        criteria=parse_criteria(
            name=f"{name.given_names} {name.family_name}",
            date_of_birth=name.child.date_of_birth.isoformat(),
        ),
    )
    assert name.child.index_number in [m.index_number for m in found]
