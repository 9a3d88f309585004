"""Review decisions: the index team links a waiting record to a candidate (a child, or another
waiting row of the same child), makes a new child of it, or leaves it unlinked; the import's
own writers apply the decision."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from childindex.access import policy
from childindex.audit.models import Action
from childindex.audit.services import audit_record
from childindex.records.models import (
    Child,
    ChildStatus,
)
from childindex.sources.importing.parse import WorkRow
from childindex.sources.importing.write import Writer
from childindex.sources.linkage_config import SYSTEM_LABEL, linkage_model_active
from childindex.sources.mapping import ParsedRow, RowError, mapping_from_document, parse_row
from childindex.sources.models import (
    REASONS_FOR,
    LinkMethod,
    NotSameChild,
    RecordStatus,
    ReviewDecision,
    ReviewItem,
    ReviewStatus,
    SourceLink,
    SourceRecord,
)

# --- review decisions --------------------------------------------------------------------------


def _can_decide(actor, item: ReviewItem) -> None:
    decision = policy.can_maintain_la(actor, item.local_authority_id)
    if not decision:
        raise PermissionDenied(decision.message)


def _applier(item: ReviewItem) -> tuple[Writer, WorkRow]:
    """The import's writer for the item's feed and run, and the item's row parsed again."""
    record = item.source_record
    feed = record.feed
    mapping = mapping_from_document(feed.mapping, source=feed.name)
    writer = Writer(
        feed=feed,
        run=item.run,
        model=item.model or linkage_model_active(),
        actor_label=SYSTEM_LABEL,
    )
    try:
        parsed = parse_row(
            mapping,
            record.values,
            row_number=record.row_number,
            line_number=0,
            today=timezone.localdate(),
        )
        service_id, basis = writer.catalogue.service(parsed)
    except RowError as exc:
        raise ValidationError(
            f"this record can no longer be read with its feed's mapping: {exc}"
        ) from exc
    return writer, WorkRow(parsed, service_id, basis, record=record)


def review_decide(
    *,
    actor,
    item: ReviewItem,
    decision: str,
    reason: str,
    child: Child | None = None,
    record: SourceRecord | None = None,
) -> ReviewItem:
    """A person's decision on a review item: link it to one of its candidates, create a new
    child from it, or mark it as none of them (never offered those children again).

    A candidate may be another waiting row of the file (``record``): linked to it, the item
    goes to that row's child, or, when that row waits too, one child is made from the two
    rows and both are linked to it (the other row's item is decided with this one). An
    incomplete row (no given name, family name or date of birth) never makes a child on its
    own: creating from it is refused. Recorded with who and why (a closed list of reasons)
    and audited, one event for each item decided."""
    _can_decide(actor, item)
    if decision not in ReviewDecision.values:
        raise ValidationError("Choose link, create or not the same.")
    if reason not in [r.value for r in REASONS_FOR[ReviewDecision(decision)]]:
        raise ValidationError("Choose a reason from the list for this decision.")
    candidate_records = [
        c["source_record_id"] for c in item.candidates if c.get("source_record_id")
    ]
    candidate_ids = [c["child_id"] for c in item.candidates if c.get("child_id")] + list(
        SourceRecord.objects.filter(pk__in=candidate_records, child__isnull=False).values_list(
            "child_id", flat=True
        )
    )
    now = timezone.now()
    with transaction.atomic():
        item = (
            ReviewItem.objects.select_for_update()
            .select_related("source_record__feed", "run")
            .get(pk=item.pk)
        )
        if item.status != ReviewStatus.OPEN:
            raise ValidationError("This record has already been decided.")
        source_record = item.source_record
        decided = [item]
        if decision == ReviewDecision.LINK and record is not None:
            if record.pk not in candidate_records:
                raise ValidationError("Choose one of the candidates to link to.")
            decided += _link_to_record(item, record, actor, now)
        elif decision == ReviewDecision.LINK:
            if child is None or child.pk not in candidate_ids:
                raise ValidationError("Choose one of the candidates to link to.")
            if child.status == ChildStatus.MERGED:
                raise ValidationError("That record was merged into another: link to that one.")
            writer, row = _applier(item)
            row.child_id = child.pk
            _link(writer, row, source_record, child.pk, actor, now)
            item.child = child
        elif decision == ReviewDecision.CREATE:
            writer, row = _applier(item)
            if not row.parsed.complete:
                raise ValidationError(
                    "This record lacks a given name, family name or date of birth: it cannot "
                    "add a child on its own. Link it to a candidate or to another waiting row."
                )
            created = writer.create_children([row])
            _link(writer, row, source_record, created[0], actor, now, method=LinkMethod.PERSON)
            item.child = Child.objects.get(pk=created[0])
        else:
            source_record.status = RecordStatus.NOT_LINKED
            source_record.shielded = False
            source_record.save(update_fields=["status", "shielded", "updated_at"])
            NotSameChild.objects.bulk_create(
                [
                    NotSameChild(source_record=source_record, child_id=pk, review_item=item)
                    for pk in candidate_ids
                ],
                ignore_conflicts=True,
            )
        for each in decided:
            each.child = item.child
            each.status, each.decision, each.reason = ReviewStatus.DECIDED, decision, reason
            each.decided_by, each.decided_at = actor, now
            each.save()
            audit_record(
                actor=actor,
                action=Action.REVIEW_DECIDE,
                children=[item.child.index_number] if item.child else [],
                detail={
                    "review_item": each.pk,
                    "feed": each.source_record.feed.name,
                    "key": each.source_record.key,
                    "decision": decision,
                    "reason": reason,
                    "shielded": each.shielded,
                    **({"with_review_item": item.pk} if each is not item else {}),
                },
            )
    return item


def _link_to_record(
    item: ReviewItem, other: SourceRecord, actor, now: dt.datetime
) -> list[ReviewItem]:
    """The item's record linked with another row, its candidate: to that row's child, or,
    when that row waits too, to one child made from the two rows. Returns the other row's
    review item when it is decided with this one."""
    other = SourceRecord.objects.select_for_update().get(pk=other.pk)
    writer, row = _applier(item)
    if other.status == RecordStatus.LINKED and other.child_id is not None:
        if Child.objects.filter(pk=other.child_id, status=ChildStatus.MERGED).exists():
            raise ValidationError("That row's child was merged into another: link to that one.")
        _link(writer, row, item.source_record, other.child_id, actor, now)
        item.child = Child.objects.get(pk=other.child_id)
        return []
    other_item = (
        ReviewItem.objects.select_for_update()
        .select_related("source_record__feed", "run")
        .filter(source_record=other, status=ReviewStatus.OPEN)
        .first()
    )
    if other_item is None:
        raise ValidationError("That row was decided as none of the index's children.")
    other_writer, other_row = _applier(other_item)
    both = _together(row.parsed, other_row.parsed)
    if not both.complete:
        raise ValidationError(
            "Neither row has a given name, a family name and a date of birth between them: "
            "a child cannot be made from them. Wait for a fuller record, or link to a child."
        )
    made = WorkRow(both, row.service_id, row.basis)
    (child_id,) = writer.create_children([made])
    _link(writer, row, item.source_record, child_id, actor, now)
    _link(other_writer, other_row, other, child_id, actor, now)
    item.child = Child.objects.get(pk=child_id)
    return [other_item]


def _together(first: ParsedRow, second: ParsedRow) -> ParsedRow:
    """One row from two rows of one child: each value the first row lacks from the second
    (the address as one: a line of one row never goes with the other's postcode)."""
    home = first if first.postcode else second
    given = first.given_names or second.given_names
    family = first.family_name or second.family_name
    born = first.date_of_birth or second.date_of_birth
    return replace(
        first,
        given_names=given,
        family_name=family,
        date_of_birth=born,
        gender=first.gender or second.gender,
        address_line_1=home.address_line_1,
        address_line_2=home.address_line_2,
        town=home.town,
        postcode=home.postcode,
        complete=bool(given and family and born),
    )


def _link(
    writer: Writer,
    row: WorkRow,
    record: SourceRecord,
    child_id: int,
    actor,
    now: dt.datetime,
    method: str = LinkMethod.PERSON,
) -> None:
    record.status, record.child_id, record.shielded = RecordStatus.LINKED, child_id, False
    record.save(update_fields=["status", "child", "shielded", "updated_at"])
    row.child_id = child_id
    writer.apply_involvements([row])
    writer.add_identifiers([row])
    SourceLink.objects.create(
        source_record=record,
        child_id=child_id,
        method=method,
        run=record.last_run,
        decided_by=actor,
        linked_at=now,
    )
