"""The linkage model and the LA's thresholds: training, activating, setting them, and the
re-link dry run that shows what a change would do before it is made."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

import pyarrow as pa
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from childindex.access import policy
from childindex.audit.models import Action
from childindex.audit.services import audit_record
from childindex.directory.models import LocalAuthority
from childindex.linkage.decide import Outcome, Thresholds
from childindex.linkage.model import link_table, train
from childindex.sources.importing.linkage import Linkage, index_tables
from childindex.sources.index_data import row_record
from childindex.sources.linkage_config import SYSTEM_LABEL, linkage_model_active, thresholds_for
from childindex.sources.mapping import RowError, mapping_from_document, parse_row
from childindex.sources.models import (
    Feed,
    LinkageModel,
    LinkageThreshold,
    LinkMethod,
    RecordStatus,
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
