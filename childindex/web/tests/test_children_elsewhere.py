"""The index team's "children living elsewhere" page."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils.html import escape

from childindex.access.models import Role, User
from childindex.access.testing import sign_in_verified
from childindex.access.tests.factories import UserFactory
from childindex.audit.models import AuditEvent
from childindex.directory.models import LocalAuthority
from childindex.directory.tests.factories import OrganisationFactory, ServiceFactory
from childindex.notifications.models import Notification
from childindex.notifications.tests.factories import member
from childindex.records.models import Child, ChildName, NameKind
from childindex.records.tests.factories import ChildFactory, InvolvementFactory
from childindex.web.tests.page_checks import assert_govuk_page

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Elsewhere:
    """An index team's LA beside another: children served here who live there and back."""

    team: User  # the index team, signed in
    other: LocalAuthority  # the neighbouring LA
    lives_there: Child  # the other LA's child at our school
    shielded_there: Child  # the other LA's shielded child at our school
    ours: Child  # our child at their surgery
    local: Child  # our child at our school


def name_of(child) -> str:
    """The child's current name as the page's HTML carries it (an O'Brien is escaped)."""
    n = ChildName.objects.get(child=child, kind=NameKind.CURRENT)
    return escape(f"{n.given_names} {n.family_name}")


@pytest.fixture
def world(client):
    team = UserFactory(role=Role.INDEX_TEAM)
    here = team.local_authority
    other = ChildFactory().responsible_la
    our_school = ServiceFactory(
        organisation=OrganisationFactory(local_authority=here), name="Our Primary School"
    )
    their_gp = ServiceFactory(
        organisation=OrganisationFactory(local_authority=other), name="Their Surgery"
    )
    lives_there = ChildFactory(responsible_la=other)
    InvolvementFactory(child=lives_there, service=our_school)
    shielded_there = ChildFactory(responsible_la=other, shielded_record=True)
    InvolvementFactory(child=shielded_there, service=our_school)
    ours = ChildFactory(responsible_la=here)
    InvolvementFactory(child=ours, service=their_gp)
    local = ChildFactory(responsible_la=here)
    InvolvementFactory(child=local, service=our_school)
    sign_in_verified(client, team)
    return Elsewhere(
        team=team,
        other=other,
        lives_there=lives_there,
        shielded_there=shielded_there,
        ours=ours,
        local=local,
    )


def test_the_index_team_sees_both_directions_across_the_boundary(client, world):
    response = client.get("/index-team/children-elsewhere/")
    assert response.status_code == 200
    assert_govuk_page(response)
    lists = response.context["lists"]
    served = {r.index_number for r in lists.served_here_living_elsewhere}
    living = {r.index_number for r in lists.living_here_served_elsewhere}
    assert served == {world.lives_there.index_number, world.shielded_there.index_number}
    assert living == {world.ours.index_number}
    page = response.content.decode()
    assert name_of(world.lives_there) in page and "Their Surgery" in page
    assert world.local.index_number not in served | living


def test_another_las_shielded_child_shows_only_its_number_and_whom_to_contact(client, world):
    response = client.get("/index-team/children-elsewhere/")
    page = response.content.decode()
    assert name_of(world.shielded_there) not in page
    assert f"contact {world.other.name}" in page
    row = next(
        r for r in response.context["lists"].served_here_living_elsewhere if r.shielded_elsewhere
    )
    assert row.name == "" and row.services == ()


def test_the_page_is_audited_with_the_children_it_showed(client, world):
    client.get("/index-team/children-elsewhere/")
    event = AuditEvent.objects.get(action="children_elsewhere_view")
    assert event.actor == world.team
    assert event.detail == {"served_here_living_elsewhere": 2, "living_here_served_elsewhere": 1}


@pytest.mark.parametrize("role", [Role.PRACTITIONER, Role.AUDITOR])
def test_only_the_index_team_sees_the_page(client, role):
    sign_in_verified(client, UserFactory(role=role))
    assert client.get("/index-team/children-elsewhere/").status_code == 403


def test_the_index_team_records_a_move_into_another_la_on_its_page(client, world):
    from childindex.directory.models import PostcodeDistrict
    from childindex.records.models import ResponsibilityTransfer

    PostcodeDistrict.objects.create(outward="BN1", local_authority=world.other)
    practitioner, _ = member(world.local)
    their_team = UserFactory(role=Role.INDEX_TEAM, local_authority=world.other)
    response = client.get("/index-team/move/")
    assert_govuk_page(response)
    response = client.post(
        "/index-team/move/",
        {
            "move-index_number": world.local.index_number,
            "move-line_1": "3 New Road",
            "move-town": "Newtown",
            "move-postcode": "bn1 1aa",
            "move-day": "1",
            "move-month": "10",
            "move-year": "2026",
        },
    )
    assert response.status_code == 302
    world.local.refresh_from_db()
    assert world.local.responsible_la == world.other
    assert ResponsibilityTransfer.objects.get().via == "index_team"
    # Both LAs' index teams and the team around the child are told.
    told = {n.recipient for n in Notification.objects.filter(kind="moved_la")}
    assert told == {world.team, their_team, practitioner}


def test_a_move_to_a_postcode_in_no_la_is_an_error_on_the_page(client, world):
    response = client.post(
        "/index-team/move/",
        {
            "move-index_number": world.local.index_number,
            "move-line_1": "3 New Road",
            "move-postcode": "ZE1 0AA",
            "move-day": "1",
            "move-month": "10",
            "move-year": "2026",
        },
    )
    assert response.status_code == 200
    assert_govuk_page(response)
    assert "in no LA&#x27;s districts" in response.content.decode()


def test_the_index_team_records_a_death_with_its_source(client, world):
    assert_govuk_page(client.get("/index-team/death/"))
    child = world.local
    died = child.date_of_birth + dt.timedelta(days=1)
    response = client.post(
        "/index-team/death/",
        {
            "death-index_number": child.index_number,
            "death-day": str(died.day),
            "death-month": str(died.month),
            "death-year": str(died.year),
            "death-source": "nhs",
        },
    )
    assert response.status_code == 302
    child.refresh_from_db()
    assert (child.status, child.death_source) == ("deceased", "nhs")
