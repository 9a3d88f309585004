"""Merging two records of one child, and undoing a merge: the index team's corrections."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from childindex.access import policy
from childindex.audit.models import Action
from childindex.audit.services import audit_record
from childindex.consent.models import Consent
from childindex.records.models import (
    Child,
    ChildCarer,
    ChildIdentifier,
    ChildName,
    ChildStatus,
    Involvement,
    NameKind,
)
from childindex.records.search_index import search_keys_refresh
from childindex.sources.models import (
    LinkMethod,
    Merge,
    ReviewReason,
    SourceLink,
    SourceRecord,
)

# --- merge and unmerge -------------------------------------------------------------------------


def _can_maintain(actor, *children: Child) -> None:
    for child in children:
        decision = policy.can_maintain_la(actor, child.responsible_la_id)
        if not decision:
            raise PermissionDenied(decision.message)


def child_merge(*, actor, kept: Child, merged: Child, reason: str) -> Merge:
    """Two records found to be one child: ``merged`` points at ``kept``, and its
    involvements, identifiers, consents, carers and source records move to ``kept`` (its names
    become ``kept``'s aliases). Everything moved is listed, so ``child_unmerge`` can put it
    back. A merge with a shielded record shields the record kept."""
    _can_maintain(actor, kept, merged)
    if reason not in ReviewReason.values:
        raise ValidationError("Choose a reason from the list.")
    now = timezone.now()
    with transaction.atomic():
        kept = Child.objects.select_for_update().get(pk=kept.pk)
        merged = Child.objects.select_for_update().get(pk=merged.pk)
        if kept.pk == merged.pk:
            raise ValidationError("A record cannot be merged with itself.")
        if ChildStatus.MERGED in (kept.status, merged.status):
            raise ValidationError("One of these records is already merged into another.")
        leads = (
            Involvement.objects.filter(
                child__in=[kept, merged], is_lead_professional=True, ended_on__isnull=True
            )
            .values("child")
            .distinct()
        )
        if leads.count() > 1:
            raise ValidationError(
                "Both records have a current lead professional: the team "
                "agrees one before the records are merged."
            )
        held = set(Involvement.objects.filter(child=kept).values_list("service_id", "started_on"))
        involvements = [
            pk
            for pk, service, started in Involvement.objects.filter(child=merged).values_list(
                "pk", "service_id", "started_on"
            )
            if (service, started) not in held
        ]
        carers_held = set(ChildCarer.objects.filter(child=kept).values_list("carer_id", flat=True))
        carer_links = list(
            ChildCarer.objects.filter(child=merged)
            .exclude(carer_id__in=carers_held)
            .values_list("pk", flat=True)
        )
        names = list(ChildName.objects.filter(child=merged).values_list("pk", "kind"))
        moved: dict[str, Any] = {
            "involvements": involvements,
            "identifiers": list(
                ChildIdentifier.objects.filter(child=merged).values_list("pk", flat=True)
            ),
            "consents": list(Consent.objects.filter(child=merged).values_list("pk", flat=True)),
            "carer_links": carer_links,
            "source_records": list(
                SourceRecord.objects.filter(child=merged).values_list("pk", flat=True)
            ),
            "names": [[pk, kind] for pk, kind in names],
            "kept_shield": [
                kept.shielded,
                kept.shield_review_on.isoformat() if kept.shield_review_on else None,
            ],
        }
        Involvement.objects.filter(pk__in=involvements).update(child=kept, updated_at=now)
        ChildIdentifier.objects.filter(pk__in=moved["identifiers"]).update(child=kept)
        Consent.objects.filter(pk__in=moved["consents"]).update(child=kept, updated_at=now)
        ChildCarer.objects.filter(pk__in=carer_links).update(child=kept)
        ChildName.objects.filter(pk__in=[pk for pk, _ in names]).update(
            child=kept, kind=NameKind.ALIAS
        )
        _move_records(moved["source_records"], kept.pk, LinkMethod.MERGE, actor, now)
        merged_status = merged.status
        merged.status, merged.merged_into = ChildStatus.MERGED, kept
        merged.save(update_fields=["status", "merged_into", "updated_at"])
        if merged.shielded and not kept.shielded:
            kept.shielded, kept.shield_review_on = True, merged.shield_review_on
            kept.save(update_fields=["shielded", "shield_review_on", "updated_at"])
        search_keys_refresh(child_ids=[kept.pk, merged.pk])  # the names moved
        merge = Merge.objects.create(
            kept=kept,
            merged=merged,
            merged_status=merged_status,
            reason=reason,
            moved=moved,
            merged_by=actor,
            merged_at=now,
        )
        audit_record(
            actor=actor,
            action=Action.CHILD_MERGE,
            children=[kept.index_number, merged.index_number],
            detail={
                "merge": merge.pk,
                "reason": reason,
                "moved": {k: len(v) for k, v in moved.items() if k != "kept_shield"},
            },
        )
    return merge


def child_unmerge(*, actor, merge: Merge) -> Merge:
    """Undo a merge: every involvement, identifier, consent, carer, name and source record
    that moved goes back, and the merged record is live again."""
    now = timezone.now()
    with transaction.atomic():
        merge = Merge.objects.select_for_update().select_related("kept", "merged").get(pk=merge.pk)
        kept, merged = merge.kept, merge.merged
        _can_maintain(actor, kept, merged)
        if merge.unmerged_at is not None:
            raise ValidationError("This merge has already been undone.")
        moved = merge.moved
        Involvement.objects.filter(pk__in=moved["involvements"]).update(
            child=merged, updated_at=now
        )
        ChildIdentifier.objects.filter(pk__in=moved["identifiers"]).update(child=merged)
        Consent.objects.filter(pk__in=moved["consents"]).update(child=merged, updated_at=now)
        ChildCarer.objects.filter(pk__in=moved["carer_links"]).update(child=merged)
        for pk, kind in moved["names"]:
            ChildName.objects.filter(pk=pk).update(child=merged, kind=kind)
        _move_records(moved["source_records"], merged.pk, LinkMethod.UNMERGE, actor, now)
        merged.status, merged.merged_into = merge.merged_status, None
        merged.save(update_fields=["status", "merged_into", "updated_at"])
        search_keys_refresh(child_ids=[kept.pk, merged.pk])
        shielded, review_on = moved["kept_shield"]
        if kept.shielded != shielded:
            kept.shielded = shielded
            kept.shield_review_on = dt.date.fromisoformat(review_on) if review_on else None
            kept.save(update_fields=["shielded", "shield_review_on", "updated_at"])
        merge.unmerged_by, merge.unmerged_at = actor, now
        merge.save(update_fields=["unmerged_by", "unmerged_at"])
        audit_record(
            actor=actor,
            action=Action.CHILD_UNMERGE,
            children=[kept.index_number, merged.index_number],
            detail={"merge": merge.pk},
        )
    return merge


def _move_records(ids: list[int], child_id: int, method: str, actor, now: dt.datetime) -> None:
    if not ids:
        return
    SourceLink.objects.filter(source_record_id__in=ids, unlinked_at__isnull=True).update(
        unlinked_at=now
    )
    SourceRecord.objects.filter(pk__in=ids).update(child_id=child_id, updated_at=now)
    SourceLink.objects.bulk_create(
        [
            SourceLink(
                source_record_id=pk,
                child_id=child_id,
                method=method,
                decided_by=actor,
                linked_at=now,
            )
            for pk in ids
        ]
    )
