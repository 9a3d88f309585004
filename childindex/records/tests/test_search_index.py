"""A bulk load (the generator's --load) leaves every child findable: the search keys are built."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from childindex.records.models import Child, ChildName
from childindex.records.search import parse_criteria
from childindex.records.search_index import LINKAGE_KEY_COLUMNS
from childindex.records.search_models import ChildLinkageKeys, ChildSearchKey
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


@pytest.mark.django_db
def test_a_new_childs_keys_from_the_values_written_are_the_keys_read_from_the_database():
    """``search_keys_add`` (a feed's first load) derives the keys from what it wrote; they must
    be the keys ``search_keys_refresh`` derives from the database for the same child: the
    search keys and the linkage keys."""
    from childindex.records.search_index import search_keys_add, search_keys_refresh
    from childindex.records.tests.factories import ChildAddressFactory, ChildFactory

    with_address = ChildAddressFactory(postcode="TN34 1AA").child
    without = ChildFactory()
    children = []
    for child in (with_address, without):
        name = child.names.get()
        postcodes = list(child.addresses.values_list("postcode", flat=True))
        children.append(
            (child.pk, [(name.given_names, name.family_name)], child.date_of_birth, postcodes)
        )

    def keys():
        return sorted(ChildSearchKey.objects.values_list("child_id", "key"))

    def linkage_keys():
        return sorted(ChildLinkageKeys.objects.values_list("child_id", *LINKAGE_KEY_COLUMNS))

    ChildSearchKey.objects.all().delete()
    ChildLinkageKeys.objects.all().delete()
    assert search_keys_add(children=children) > 0
    added, linkage_added = keys(), linkage_keys()
    ChildSearchKey.objects.all().delete()
    ChildLinkageKeys.objects.all().delete()
    search_keys_refresh(child_ids=[with_address.pk, without.pk])
    assert added == keys()
    assert linkage_added == linkage_keys()
    assert {child_id for child_id, _ in added} == {with_address.pk, without.pk}
    assert any("TN34" in key for _, key in added)
    assert [row[-2] for row in linkage_added] == ["TN34 1AA", None]  # the current postcode
