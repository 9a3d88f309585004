"""The national operator's own pages: LAs and nations, counts, feed health, accounts by role.
They see no child: no name, date of birth, address or index number on any of them."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.urls import reverse
from django.utils.html import escape

from childindex.access.models import Role
from childindex.access.testing import sign_in_verified
from childindex.access.tests.factories import UserFactory
from childindex.audit.models import AuditEvent
from childindex.directory.models import LocalAuthority, PostcodeDistrict
from childindex.directory.tests.factories import LocalAuthorityFactory
from childindex.records.models import Child, ChildName, ChildStatus, NameKind
from childindex.records.tests.factories import ChildAddressFactory, ChildFactory
from childindex.sources.models import Feed
from childindex.web.tests.page_checks import assert_govuk_page

pytestmark = pytest.mark.django_db
PAGES = ("web:national", "web:national-feeds", "web:national-users")


@dataclass(frozen=True)
class Nations:
    """A Welsh LA (Cwm Prawf) with three children, its team and a feed; an English LA with one
    archived child."""

    wales: LocalAuthority
    england: LocalAuthority
    children: list[Child]


@pytest.fixture
def world():
    wales = LocalAuthorityFactory(nation="wales", code="W06000123", name="Cwm Prawf")
    england = LocalAuthorityFactory(nation="england")
    PostcodeDistrict.objects.create(outward="CF10", local_authority=wales)
    children = [ChildFactory(responsible_la=wales) for _ in range(3)]
    children.append(
        ChildFactory(responsible_la=england, status=ChildStatus.ARCHIVED, archived_on="2026-01-01")
    )
    for child in children:
        ChildAddressFactory(child=child)
    UserFactory(role=Role.INDEX_TEAM, local_authority=wales)
    UserFactory(role=Role.PRACTITIONER, local_authority=wales)
    UserFactory(role=Role.PRACTITIONER, local_authority=wales)
    Feed.objects.create(name="gp_registrations", label="GP registrations", local_authority=wales)
    return Nations(wales=wales, england=england, children=children)


@pytest.fixture
def operator(client):
    # a name no child can have: the pages show the signed-in user's name, and a generated one
    # ("Linda Smith") once shared a child's family name, failing the no-child check
    user = UserFactory(national_operator=True, first_name="Nationalop", last_name="Qxoperator")
    sign_in_verified(client, user)
    return user


def test_the_overview_counts_children_by_nation_and_la_with_index_team_contacts(
    client, world, operator
):
    response = client.get(reverse("web:national"))
    assert response.status_code == 200
    assert_govuk_page(response)
    overview = response.context["overview"]
    nations = {n.nation: n for n in overview.nations}
    assert nations["wales"].counts["active"] == 3 and nations["wales"].las == 1
    assert nations["england"].counts["archived"] == 1
    assert overview.totals == {"active": 3, "deceased": 0, "archived": 1}
    page = response.content.decode()
    assert "Cwm Prawf" in page and world.wales.index_team_email in page


def test_feed_health_lists_every_las_feeds(client, world, operator):
    response = client.get(reverse("web:national-feeds"))
    assert response.status_code == 200
    assert_govuk_page(response)
    assert [f.feed.name for f in response.context["feeds"]] == ["gp_registrations"]
    assert "Cwm Prawf" in response.content.decode()


def test_accounts_are_counted_by_la_and_role(client, world, operator):
    response = client.get(reverse("web:national-users"))
    assert response.status_code == 200
    assert_govuk_page(response)
    counts = response.context["counts"]
    rows = {la.code if la else None: row for la, row in counts.rows}
    assert rows["W06000123"]["practitioner"] == 2
    assert rows["W06000123"]["index_team"] == 1
    assert rows[None]["national_operator"] == 1


def test_the_national_operator_sees_no_child_on_any_page(client, world, operator):
    for name in PAGES:
        page = client.get(reverse(name)).content.decode()
        for child in world.children:
            assert child.index_number not in page
            assert f"{child.index_number[0:4]} {child.index_number[4:8]}" not in page
            assert child.date_of_birth.isoformat() not in page
            assert child.date_of_birth.strftime("%-d %B %Y") not in page
            for n in ChildName.objects.filter(child=child, kind=NameKind.CURRENT):
                assert escape(n.family_name) not in page  # as the HTML would carry it
            for address in child.addresses.all():
                assert address.postcode not in page and escape(address.line_1) not in page
    assert AuditEvent.objects.filter(action="national_read", actor=operator).count() == 3
    assert not AuditEvent.objects.filter(actor=operator, child_links__isnull=False).exists()


def test_the_national_operator_cannot_search_or_open_a_record(client, world, operator):
    assert client.get(reverse("web:search")).status_code == 403
    child = world.children[0]
    for name in ("web:child-record", "web:child-purpose"):
        response = client.get(reverse(name, args=[child.index_number]))
        assert response.status_code == 403
        assert child.index_number not in response.content.decode()
    assert not AuditEvent.objects.filter(actor=operator, action="record_view").exists()


@pytest.mark.parametrize("role", [Role.PRACTITIONER, Role.INDEX_TEAM, Role.AUDITOR])
def test_only_the_national_operator_uses_the_national_pages(client, role):
    sign_in_verified(client, UserFactory(role=role))
    for name in PAGES:
        assert client.get(reverse(name)).status_code == 403
