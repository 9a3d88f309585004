"""Moves between LAs: the current address decides the responsible LA; both index teams and
the team around the child are told; a shield passes to the new LA's index team."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.db import IntegrityError, transaction

from childindex.access import policy
from childindex.access.tests.factories import UserFactory
from childindex.audit.models import AuditEvent
from childindex.core.identifiers import synthetic_nhs_number
from childindex.directory.models import PostcodeDistrict
from childindex.directory.tests.factories import LocalAuthorityFactory
from childindex.notifications.models import Notification, NotificationKind
from childindex.notifications.tests.factories import member
from childindex.records.models import (
    AddressStatus,
    ChildAddress,
    ChildStatus,
    ResponsibilityTransfer,
    TransferVia,
)
from childindex.records.tests.factories import ChildFactory
from childindex.sources.importing import feed_import
from childindex.sources.moves import MoveError, child_move, feed_deaths_apply, feed_moves_apply
from childindex.sources.tests.feedkit import COLUMNS, TODAY

pytestmark = pytest.mark.django_db
MOVED_ON = dt.date(2026, 10, 1)


@pytest.fixture
def las():
    old, new = LocalAuthorityFactory(), LocalAuthorityFactory()
    PostcodeDistrict.objects.create(outward="TN34", local_authority=old)
    PostcodeDistrict.objects.create(outward="BN1", local_authority=new)
    return old, new


def address(postcode: str) -> ChildAddress:
    return ChildAddress(
        status=AddressStatus.KNOWN, line_1="3 New Road", town="Newtown", postcode=postcode
    )


def teams(old, new):
    return (
        UserFactory(role="index_team", local_authority=old),
        UserFactory(role="index_team", local_authority=new),
    )


@pytest.mark.parametrize("via", [TransferVia.FEED, TransferVia.FHIR])
def test_a_move_by_a_system_into_another_la_transfers_responsibility_and_tells_everyone(las, via):
    old, new = las
    child = ChildFactory(responsible_la=old)
    practitioner, _ = member(child)
    old_team, new_team = teams(old, new)
    result = child_move(
        actor=None,
        child=child,
        address=address("BN1 1AA"),
        moved_on=MOVED_ON,
        via=via,
        actor_label=f"{via} import",
    )
    child.refresh_from_db()
    assert child.responsible_la == new
    transfer = result.transfer
    assert (transfer.from_la, transfer.to_la, transfer.transferred_on, transfer.via) == (
        old,
        new,
        MOVED_ON,
        via,
    )
    assert result.address.local_authority == new
    told = {n.recipient: n.message for n in Notification.objects.filter(kind="moved_la")}
    assert set(told) == {old_team, new_team, practitioner}
    assert "your index team is now responsible" in told[new_team]
    assert f"{new.name}'s index team" in told[old_team]
    assert f"now the responsibility of {new.name}" in told[practitioner]
    event = AuditEvent.objects.get(action="child_responsibility_transfer")
    assert event.detail["from_la"] == old.code and event.detail["to_la"] == new.code


def test_a_move_by_the_index_team_keeps_a_history_of_who_was_responsible_when(las):
    old, new = las
    child = ChildFactory(responsible_la=old)
    practitioner, _ = member(child)
    old_team, new_team = teams(old, new)
    child_move(
        actor=old_team,
        child=child,
        address=address("BN1 1AA"),
        moved_on=MOVED_ON,
        via=TransferVia.INDEX_TEAM,
    )
    child.refresh_from_db()
    told = {n.recipient for n in Notification.objects.filter(kind="moved_la")}
    assert told == {old_team, new_team, practitioner}
    event = AuditEvent.objects.get(action="child_responsibility_transfer")
    assert (event.actor, event.detail["via"]) == (old_team, TransferVia.INDEX_TEAM)
    child_move(
        actor=new_team,
        child=child,
        address=address("TN34 2AB"),
        moved_on=MOVED_ON + dt.timedelta(days=60),
        via=TransferVia.INDEX_TEAM,
    )
    history = list(
        ResponsibilityTransfer.objects.filter(child=child).values_list(
            "from_la", "to_la", "recorded_by"
        )
    )
    assert history == [
        (old.pk, new.pk, old_team.username),
        (new.pk, old.pk, new_team.username),
    ]
    child.refresh_from_db()
    assert child.responsible_la == old
    assert ChildAddress.objects.filter(child=child).count() == 2


def test_another_las_index_team_cannot_move_the_child(las):
    old, new = las
    child = ChildFactory(responsible_la=old)
    _old_team, new_team = teams(old, new)
    with pytest.raises(Exception, match="index team"):
        child_move(
            actor=new_team,
            child=child,
            address=address("BN1 1AA"),
            moved_on=MOVED_ON,
            via=TransferVia.INDEX_TEAM,
        )
    child.refresh_from_db()
    assert child.responsible_la == old
    assert not ResponsibilityTransfer.objects.exists()


def test_a_move_within_the_la_transfers_nothing_and_tells_nobody(las):
    old, new = las
    child = ChildFactory(responsible_la=old)
    member(child)
    teams(old, new)
    result = child_move(
        actor=None, child=child, address=address("TN34 9ZZ"), moved_on=MOVED_ON, via="feed"
    )
    assert result.transfer is None
    assert not Notification.objects.exists()


def test_a_postcode_in_no_las_districts_is_refused_and_nothing_changes(las):
    old, _new = las
    child = ChildFactory(responsible_la=old)
    with pytest.raises(MoveError, match="in no LA's districts"):
        child_move(
            actor=None, child=child, address=address("ZE1 0AA"), moved_on=MOVED_ON, via="feed"
        )
    assert not ChildAddress.objects.filter(child=child).exists()


def test_a_shielded_childs_shield_passes_to_the_new_las_index_team_and_practitioners_are_not_told(
    las,
):
    old, new = las
    child = ChildFactory(responsible_la=old, shielded_record=True)
    practitioner, _ = member(child)
    old_team, new_team = teams(old, new)
    child_move(actor=None, child=child, address=address("BN1 1AA"), moved_on=MOVED_ON, via="feed")
    child.refresh_from_db()
    told = {n.recipient: n.message for n in Notification.objects.all()}
    assert set(told) == {old_team, new_team}  # never the practitioners
    assert "your index team maintains the shield from now on" in told[new_team]
    assert f"{new.name}'s index team maintains the shield" in told[old_team]
    assert practitioner not in told
    assert policy.can_maintain_la(new_team, child.responsible_la_id).allowed
    assert not policy.can_maintain_la(old_team, child.responsible_la_id).allowed
    assert Notification.objects.filter(kind=NotificationKind.MOVED_LA).count() == 2


# --- By feed row ------------------------------------------------------------------------------


def feed_nhs(n: int) -> str:
    return synthetic_nhs_number(random.Random(n))


def test_a_trusted_feeds_row_in_another_la_moves_the_child_and_tells_both_teams(county):
    elsewhere = LocalAuthorityFactory()
    PostcodeDistrict.objects.create(outward="TN34", local_authority=county.la)
    PostcodeDistrict.objects.create(outward="BN1", local_authority=elsewhere)
    child = county.child("Olivia", "Hart", "2015-03-20", nhs=feed_nhs(1))
    practitioner, _ = member(child)
    old_team, new_team = teams(county.la, elsewhere)
    row = county.row(
        "A1",
        "Olivia",
        "Hart",
        "2015-03-20",
        nhs=feed_nhs(1),
        line1="3 New Road",
        postcode="BN1 1AA",
    )
    run = county.load([row])
    assert feed_moves_apply(run=run) == 1
    child.refresh_from_db()
    assert child.responsible_la == elsewhere
    assert ResponsibilityTransfer.objects.get(child=child).via == TransferVia.FEED
    told = {n.recipient for n in Notification.objects.filter(kind="moved_la")}
    assert {old_team, new_team, practitioner} <= told
    assert feed_moves_apply(run=run) == 0  # applied once


def test_an_untrusted_feed_never_moves_a_child(county):
    elsewhere = LocalAuthorityFactory()
    PostcodeDistrict.objects.create(outward="BN1", local_authority=elsewhere)
    child = county.child("Olivia", "Hart", "2015-03-20", nhs=feed_nhs(1))
    row = county.row("A1", "Olivia", "Hart", "2015-03-20", nhs=feed_nhs(1), postcode="BN1 1AA")
    run = county.load([row], may_create=False)
    assert feed_moves_apply(run=run) == 0
    child.refresh_from_db()
    assert child.responsible_la == county.la


def test_a_date_of_death_may_arrive_in_a_trusted_feed(county):
    child = county.child("Olivia", "Hart", "2015-03-20", nhs=feed_nhs(1))
    mapping = county.mapping().replace(
        'end_date = "end"', 'end_date = "end"\ndate_of_death = "died"'
    )
    row = county.row("A1", "Olivia", "Hart", "2015-03-20", nhs=feed_nhs(1)) | {"died": "2026-10-02"}
    path = county.write([row], columns=[*COLUMNS, "died"])
    run = feed_import(path=path, mapping_text=mapping, today=TODAY)
    assert feed_deaths_apply(run=run) == 1
    child.refresh_from_db()
    assert (child.status, child.date_of_death, child.death_source) == (
        ChildStatus.DECEASED,
        dt.date(2026, 10, 2),
        "feed",
    )


def test_a_transfer_changes_the_la_and_says_how_it_arrived(las):
    old, new = las
    child = ChildFactory(responsible_la=old)
    with pytest.raises(IntegrityError, match="transfer_changes_la"), transaction.atomic():
        ResponsibilityTransfer.objects.create(
            child=child,
            from_la=old,
            to_la=old,
            transferred_on=MOVED_ON,
            via="feed",
            recorded_by="x",
        )
    with pytest.raises(IntegrityError, match="transfer_via_known"), transaction.atomic():
        ResponsibilityTransfer.objects.create(
            child=child,
            from_la=old,
            to_la=new,
            transferred_on=MOVED_ON,
            via="post",
            recorded_by="x",
        )
