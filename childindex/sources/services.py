"""Writes for feeds and linkage: the linkage model and thresholds, review decisions, merges.

Each service is keyword-only, runs in one transaction and writes its audit event. Imports
themselves are in the ``importing`` package (a long-running service in chunks, each its own
transaction).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any, cast

import pyarrow as pa
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from childindex.access import policy
from childindex.audit.models import Action
from childindex.audit.services import audit_record
from childindex.consent.models import Consent
from childindex.directory.models import LocalAuthority
from childindex.linkage.decide import Outcome, Thresholds
from childindex.linkage.model import link_table, train
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
from childindex.sources.importing.linkage import Linkage, index_tables
from childindex.sources.importing.parse import WorkRow
from childindex.sources.importing.write import Writer
from childindex.sources.index_data import row_record
from childindex.sources.linkage_config import SYSTEM_LABEL, linkage_model_active, thresholds_for
from childindex.sources.mapping import ParsedRow, RowError, mapping_from_document, parse_row
from childindex.sources.models import (
    REASONS_FOR,
    Feed,
    LinkageModel,
    LinkageThreshold,
    LinkMethod,
    Merge,
    NotSameChild,
    RecordStatus,
    ReviewDecision,
    ReviewItem,
    ReviewReason,
    ReviewStatus,
    SourceLink,
    SourceRecord,
)

# --- the model and the thresholds -------------------------------------------------------------


def linkage_thresholds_set(
    *, actor_label: str, local_authority: LocalAuthority, upper: float, lower: float
) -> LinkageThreshold:
    """Set an LA's thresholds (after its dry run has been seen: see ``relink_dry_run``)."""
    try:
        wanted = Thresholds(upper=upper, lower=lower)
    except ValueError as exc:
        raise ValidationError(str(exc)) from exc
    with transaction.atomic():
        before = thresholds_for(local_authority.pk)
        row, _ = LinkageThreshold.objects.update_or_create(
            local_authority=local_authority,
            defaults={
                "upper": wanted.upper,
                "lower": wanted.lower,
                "set_at": timezone.now(),
                "set_by": actor_label,
            },
        )
        audit_record(
            actor=None,
            actor_label=actor_label,
            action=Action.LINKAGE_THRESHOLDS_SET,
            detail={
                "local_authority": local_authority.code,
                "before": [before.upper, before.lower],
                "after": [wanted.upper, wanted.lower],
            },
        )
    return row


def linkage_model_train(*, actor_label: str, max_pairs: float = 2e6) -> LinkageModel:
    """A new model version trained by EM on the index (its children and the feed rows linked
    to them); stored inactive: activate it after its dry run."""
    current = linkage_model_active()
    index = pa.concat_tables(list(index_tables()))
    records = []
    mappings: dict[int, Any] = {}
    for feed_id, key, values in SourceRecord.objects.filter(status=RecordStatus.LINKED).values_list(
        "feed_id", "key", "values"
    ):
        parsed = _reparse(feed_id, values, mappings)
        if parsed is not None:
            records.append(row_record(f"{feed_id}:{key}", parsed))
    if not records:
        raise ValidationError(
            "the index holds no linked feed rows to train on yet: import a feed first"
        )
    try:
        settings = train(current.settings, index, link_table(records), max_pairs=max_pairs)
    except ValueError as exc:
        raise ValidationError(str(exc)) from exc
    with transaction.atomic():
        version = (
            # The active model exists (``linkage_model_active`` above), so there is a version.
            cast(
                int,
                LinkageModel.objects.order_by("-version").values_list("version", flat=True).first(),
            )
            + 1
        )
        model = LinkageModel.objects.create(
            version=version,
            settings=settings,
            created_at=timezone.now(),
            description=f"EM on {index.num_rows:,} children and {len(records):,} linked rows",
            trained_on={
                "children": index.num_rows,
                "records": len(records),
                "from_version": current.version,
            },
        )
        audit_record(
            actor=None,
            actor_label=actor_label,
            action=Action.LINKAGE_MODEL_TRAIN,
            detail={"version": version, "children": index.num_rows, "records": len(records)},
        )
    return model


def linkage_model_activate(*, actor_label: str, model: LinkageModel) -> LinkageModel:
    with transaction.atomic():
        previous = LinkageModel.objects.filter(active=True).exclude(pk=model.pk).first()
        LinkageModel.objects.filter(active=True).exclude(pk=model.pk).update(active=False)
        model.active = True
        model.save(update_fields=["active"])
        audit_record(
            actor=None,
            actor_label=actor_label,
            action=Action.LINKAGE_MODEL_ACTIVATE,
            detail={"version": model.version, "previous": previous.version if previous else None},
        )
    return model


def _reparse(feed_id: int, values: dict[str, str], mappings: dict[int, Any]):
    if feed_id not in mappings:
        feed = Feed.objects.get(pk=feed_id)
        mappings[feed_id] = mapping_from_document(feed.mapping, source=feed.name)
    try:
        return parse_row(
            mappings[feed_id], values, row_number=0, line_number=0, today=timezone.localdate()
        )
    except RowError:
        return None


# --- the dry run ---------------------------------------------------------------------------------


@dataclass
class DryRun:
    """What a model or threshold change would do to an LA's records linked by the model and
    its open review items. Nothing is written."""

    records: int = 0
    unchanged: int = 0
    changes: dict[str, int] = field(default_factory=dict)
    examples: list[dict[str, Any]] = field(default_factory=list)


def relink_dry_run(
    *,
    local_authority: LocalAuthority,
    model: LinkageModel | None = None,
    thresholds: Thresholds | None = None,
    examples: int = 20,
    actor_label: str = SYSTEM_LABEL,
) -> DryRun:
    """What the model or thresholds would re-link. It reads every linked or waiting source row
    of the LA and hands back keys and children, so it is audited (a report, with the operator's
    command as actor) though it changes nothing."""
    model = model or linkage_model_active()
    thresholds = thresholds or thresholds_for(local_authority.pk)
    person_decided = SourceLink.objects.filter(
        unlinked_at__isnull=True, method=LinkMethod.PERSON
    ).values("source_record_id")
    records = list(
        SourceRecord.objects.filter(
            feed__local_authority=local_authority,
            status__in=[RecordStatus.LINKED, RecordStatus.REVIEW],
        )
        .exclude(pk__in=person_decided)
        .select_related("feed")
        .values_list(
            "pk",
            "feed_id",
            "feed__name",
            "feed__may_create_children",
            "key",
            "values",
            "status",
            "child_id",
        )
    )
    result = DryRun()
    linkage = Linkage(model.settings, thresholds)
    try:
        mappings: dict[int, Any] = {}
        for start in range(0, len(records), 20_000):
            batch = records[start : start + 20_000]
            rows, meta = [], {}
            for pk, feed_id, feed_name, may_create, key, values, status, child_id in batch:
                parsed = _reparse(feed_id, values, mappings)
                if parsed is None:
                    continue
                uid = f"s{pk}"
                rows.append(row_record(uid, parsed))
                meta[uid] = (feed_name, key, may_create, status, child_id)
            if not rows:
                continue

            def row_may_create(uid: str, meta: dict[str, Any] = meta) -> bool:
                return meta[uid][2]

            _, decisions = linkage.score_and_decide(rows, may_create=row_may_create)
            for uid, (feed_name, key, _may_create, status, child_id) in meta.items():
                decision = decisions[uid]
                result.records += 1
                before = f"linked to {child_id}" if status == RecordStatus.LINKED else "review"
                if decision.outcome == Outcome.LINK:
                    after = f"linked to {decision.other_id}"
                elif decision.outcome == Outcome.REVIEW:
                    after = "review"
                else:
                    after = "new child"
                if before == after:
                    result.unchanged += 1
                    continue
                kind = (
                    ("linked" if status == RecordStatus.LINKED else "review")
                    + " -> "
                    + (
                        "another child"
                        if decision.outcome == Outcome.LINK and status == RecordStatus.LINKED
                        else str(decision.outcome)
                    )
                )
                result.changes[kind] = result.changes.get(kind, 0) + 1
                if len(result.examples) < examples:
                    result.examples.append(
                        {
                            "feed": feed_name,
                            "key": key,
                            "before": before,
                            "after": after,
                            "weight": decision.weight,
                        }
                    )
    finally:
        linkage.close()
    audit_record(
        actor=None,
        actor_label=actor_label,
        action=Action.REPORT_VIEW,
        purpose=policy.Purpose.DATA_QUALITY,
        detail={
            "report": "re-link dry run",
            "local_authority": local_authority.code,
            "model": model.version,
            "thresholds": [thresholds.upper, thresholds.lower],
            "records": result.records,
            "changes": result.changes,
            "examples": len(result.examples),
        },
    )
    return result


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


__all__ = [
    "DryRun",
    "child_merge",
    "child_unmerge",
    "linkage_model_activate",
    "linkage_model_active",
    "linkage_model_train",
    "linkage_thresholds_set",
    "relink_dry_run",
    "review_decide",
    "thresholds_for",
]
