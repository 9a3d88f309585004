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
from childindex.alerts.models import NotificationKind
from childindex.alerts.services import notify_index_teams_of_transfer, notify_team_change
from childindex.audit.services import audit_record
from childindex.core.postcodes import postcode_district
from childindex.directory.models import LocalAuthority, PostcodeDistrict
from childindex.records.models import (
    AddressStatus,
    Child,
    ChildAddress,
    ResponsibilityTransfer,
    TransferVia,
)
from childindex.records.services import child_address_move


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
    from_la = child.responsible_la
    to_la = None
    if address.status in (AddressStatus.KNOWN, AddressStatus.LAST_KNOWN):
        to_la = responsible_la_for(address.postcode)
        if to_la is None:
            raise MoveError(
                f"postcode district {postcode_district(address.postcode)} is in no LA's "
                "districts: load it with `childindex directory import` first"
            )
        address.local_authority = to_la
    saved = child_address_move(actor=actor, child=child, address=address, moved_on=moved_on)
    if to_la is None or to_la.pk == from_la.pk:
        return MoveResult(address=saved, transfer=None)
    transfer = ResponsibilityTransfer.objects.create(
        child=child,
        from_la=from_la,
        to_la=to_la,
        transferred_on=moved_on,
        via=via,
        recorded_by=actor.username if actor is not None else (actor_label or via),
    )
    child.responsible_la = to_la
    child.save(update_fields=["responsible_la", "updated_at"])
    audit_record(
        actor=actor,
        actor_label=actor_label,
        action="child_responsibility_transfer",
        children=[child.index_number],
        detail={
            "from_la": from_la.code,
            "to_la": to_la.code,
            "via": via,
            "shielded": child.shielded,
        },
    )
    notify_index_teams_of_transfer(child=child, from_la=from_la, to_la=to_la, on=moved_on)
    notify_team_change(child=child, change=NotificationKind.MOVED_LA, actor=actor)
    return MoveResult(address=saved, transfer=transfer)
