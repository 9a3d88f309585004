"""Moves between LAs: a child's current address decides which LA is responsible for them.

A move arrives from a source feed row, a FHIR entry or the index team; all three call
``child_move``. When the new address lies in another LA (by the postcode-district table the
directory import loads), responsibility transfers with its history kept, both LAs' index teams
are told, and the team around the child gets the "moved LA" team-change notification. A
shielded child's shield is maintained by the new LA's index team from then on; the old one is
told, the practitioners never (they are not told of a shield at all).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction

from childindex.access.models import User
from childindex.audit.models import Action
from childindex.audit.services import audit_record
from childindex.core.postcodes import PostcodeError, normalise_postcode, postcode_district
from childindex.directory.models import LocalAuthority, PostcodeDistrict
from childindex.notifications.models import NotificationKind
from childindex.notifications.services import notify_index_teams_of_transfer, notify_team_change
from childindex.records.models import (
    AddressStatus,
    Child,
    ChildAddress,
    ChildStatus,
    DeathSource,
    ResponsibilityTransfer,
    TransferVia,
)
from childindex.records.services import child_address_move, child_death_record
from childindex.sources.mapping import mapping_from_document, read_mapped_date
from childindex.sources.models import ImportRun, SourceRecord


class MoveError(ValueError):
    """The move cannot be recorded; the message says why."""


@dataclass(frozen=True, slots=True)
class MoveResult:
    address: ChildAddress
    transfer: ResponsibilityTransfer | None  # None: the child stayed in the same LA


def responsible_la_for(postcode: str) -> LocalAuthority | None:
    """The LA whose postcode districts hold ``postcode`` (normalised), or None."""
    district = (
        PostcodeDistrict.objects.select_related("local_authority")
        .filter(outward=postcode_district(postcode))
        .first()
    )
    return district.local_authority if district else None


@transaction.atomic
def child_move(
    *,
    actor: User | None,
    child: Child,
    address: ChildAddress,
    moved_on: dt.date,
    via: str,
    actor_label: str = "",
) -> MoveResult:
    """Record that ``child`` lives at ``address`` (unsaved) from ``moved_on``; transfer
    responsibility when the address lies in another LA. ``actor`` is the index-team user (a
    person must be the responsible LA's index team), or None for a feed or FHIR system, named
    by ``actor_label``."""
    if via not in TransferVia.values:
        raise MoveError(f"a move arrives by {', '.join(TransferVia.values)}, not {via!r}")
    child = Child.objects.select_for_update().select_related("responsible_la").get(pk=child.pk)
    if address.status in (AddressStatus.KNOWN, AddressStatus.LAST_KNOWN):
        to_la = responsible_la_for(address.postcode)
        if to_la is None:
            raise MoveError(
                f"postcode district {postcode_district(address.postcode)} is in no LA's "
                "districts: load it with `childindex directory import` first"
            )
        address.local_authority = to_la
    saved = child_address_move(actor=actor, child=child, address=address, moved_on=moved_on)
    transfer = responsibility_follow_address(
        actor=actor, child=child, on=moved_on, via=via, actor_label=actor_label
    )
    return MoveResult(address=saved, transfer=transfer)


@transaction.atomic
def responsibility_follow_address(
    *, actor: User | None, child: Child, on: dt.date, via: str, actor_label: str = ""
) -> ResponsibilityTransfer | None:
    """Make the LA of the child's current address (by its postcode district) the responsible
    one, with the transfer's history, its audit event and its notifications; None when it
    already is, or the current address has no known LA."""
    child = Child.objects.select_for_update().select_related("responsible_la").get(pk=child.pk)
    current = ChildAddress.objects.filter(child=child, lived_until__isnull=True).first()
    if current is None or current.status not in (AddressStatus.KNOWN, AddressStatus.LAST_KNOWN):
        return None
    to_la = responsible_la_for(current.postcode)
    if to_la is None:
        return None
    if current.local_authority_id != to_la.pk:
        ChildAddress.objects.filter(pk=current.pk).update(local_authority=to_la)
    from_la = child.responsible_la
    if to_la.pk == from_la.pk:
        return None
    transfer = ResponsibilityTransfer.objects.create(
        child=child,
        from_la=from_la,
        to_la=to_la,
        transferred_on=on,
        via=via,
        recorded_by=actor.username if actor is not None else (actor_label or via),
    )
    child.responsible_la = to_la
    child.save(update_fields=["responsible_la", "updated_at"])
    audit_record(
        actor=actor,
        actor_label=actor_label,
        action=Action.CHILD_RESPONSIBILITY_TRANSFER,
        children=[child.index_number],
        detail={
            "from_la": from_la.code,
            "to_la": to_la.code,
            "via": via,
            "shielded": child.shielded,
        },
    )
    notify_index_teams_of_transfer(child=child, from_la=from_la, to_la=to_la, on=on)
    notify_team_change(child=child, change=NotificationKind.MOVED_LA, actor=actor)
    return transfer


def feed_moves_apply(*, run: ImportRun, via: str = TransferVia.FEED, actor_label: str = "") -> int:
    """After a feed run: each child linked by a row of this run whose address lies in another
    LA than the one responsible for them, and differs from their current address, moves there
    (``child_move`` by feed, or ``via`` FHIR for a transaction Bundle's run, named by
    ``actor_label``). Only a feed the LA trusts to create children (its own health or
    registration feed, or a FHIR client's feed) moves a child, so a stale address in a
    secondary feed never does. Returns how many children moved to another LA."""
    feed = run.feed
    if not feed.may_create_children:
        return 0
    mapping = mapping_from_document(feed.mapping, source=feed.name)
    column = {
        f: mapping.columns.get(f) for f in ("postcode", "address_line_1", "address_line_2", "town")
    }
    if not column["postcode"] or not column["address_line_1"]:
        return 0
    districts = dict(PostcodeDistrict.objects.values_list("outward", "local_authority_id"))
    moved = 0
    records = SourceRecord.objects.filter(
        last_run=run, child__isnull=False, child__status=ChildStatus.ACTIVE
    )
    if set(districts.values()) <= {feed.local_authority_id}:
        # Every district is this LA's (a county on its own): only a child another LA is
        # responsible for can move, into this one.
        records = records.exclude(child__responsible_la_id=feed.local_authority_id)
    records = records.select_related("child").order_by("pk")
    for record in records.iterator(chunk_size=2000):
        values = record.values or {}
        try:
            postcode = normalise_postcode(values.get(column["postcode"], ""))
        except PostcodeError:
            continue
        la_id = districts.get(postcode_district(postcode))
        child = record.child
        if child is None:  # never: the records are filtered on a child
            continue
        if la_id is None or la_id == child.responsible_la_id:
            continue
        current = ChildAddress.objects.filter(child=child, lived_until__isnull=True).first()
        label = actor_label or f"feed {feed.name} run {run.pk}"
        if current is not None and current.postcode == postcode:
            # Held at this address already (made by a feed of another LA): only the
            # responsibility follows it.
            moved += (
                responsibility_follow_address(
                    actor=None,
                    child=child,
                    on=run.started_at.date(),
                    via=via,
                    actor_label=label,
                )
                is not None
            )
            continue
        line_1 = (values.get(column["address_line_1"]) or "").strip()
        if not line_1:
            continue
        result = child_move(
            actor=None,
            child=child,
            address=ChildAddress(
                status=AddressStatus.KNOWN,
                line_1=line_1[:100],
                line_2=(values.get(column["address_line_2"] or "") or "").strip()[:100],
                town=(values.get(column["town"] or "") or "").strip()[:60],
                postcode=postcode,
            ),
            moved_on=run.started_at.date(),
            via=via,
            actor_label=label,
        )
        moved += result.transfer is not None
    return moved


def feed_deaths_apply(*, run: ImportRun) -> int:
    """After a run of a feed the LA trusts to create children whose mapping names a
    ``date_of_death`` column: each active child linked by a row with a date of death is
    recorded as deceased (source: a feed). Returns how many deaths were recorded."""
    feed = run.feed
    if not feed.may_create_children:
        return 0
    mapping = mapping_from_document(feed.mapping, source=feed.name)
    column = mapping.columns.get("date_of_death")
    if not column:
        return 0
    recorded = 0
    records = (
        SourceRecord.objects.filter(
            last_run=run, child__isnull=False, child__status=ChildStatus.ACTIVE
        )
        .select_related("child")
        .order_by("pk")
    )
    for record in records.iterator(chunk_size=2000):
        died = read_mapped_date(mapping, (record.values or {}).get(column, ""))
        child = record.child
        if child is None:  # never: the records are filtered on a child
            continue
        if died is None or died < child.date_of_birth or died > run.started_at.date():
            continue
        child_death_record(
            actor=None,
            child=child,
            date_of_death=died,
            source=DeathSource.FEED,
            actor_label=f"feed {feed.name} run {run.pk}",
            today=run.started_at.date(),
        )
        recorded += 1
    return recorded
