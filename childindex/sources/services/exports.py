"""The index team's work lists as CSV files other tools read: every linked source record
(``links_export``) and every open review item's candidates (``review_export``).

Each export is an audit event, written before the file appears; a file is written whole or
not at all (``core.spreadsheets.write_csv_file``). Other tools rely on the columns: keep them
stable (append, never reorder).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from childindex.audit.models import Action
from childindex.audit.services import audit_record
from childindex.core.spreadsheets import write_csv_file
from childindex.directory.models import LocalAuthority
from childindex.records.models import Child
from childindex.sources.models import Feed, RecordStatus, ReviewItem, ReviewStatus, SourceRecord

LINKS_COLUMNS = ["source", "source_record_id", "child_id"]
REVIEW_COLUMNS = [
    "source",
    "source_record_id",
    "rank",
    "child_id",
    "match_weight",
    "reason",
    "candidate_source_record_id",  # added after the first six: append, never reorder
]
LINKS_LABEL = "childindex links export"
REVIEW_LABEL = "childindex review export"


class ExportRefused(ValueError):
    """The export cannot be made as asked; the message says why."""


def links_export(*, out: Path, actor_label: str = LINKS_LABEL) -> int:
    """Write ``source,source_record_id,child_id`` (the child's index number), one line per
    source record currently linked, in source and key order: the generator's ``truth.csv``
    columns, so an accuracy check is a join. Returns the lines written (OSError if the file
    cannot be written: then nothing is, and no event)."""
    rows = (
        SourceRecord.objects.filter(status=RecordStatus.LINKED)
        .order_by("feed__name", "key")
        .values_list("feed__name", "key", "child__index_number")
    )

    def audit(count: int) -> None:
        audit_record(
            actor=None,
            actor_label=actor_label,
            action=Action.LINKS_EXPORT,
            detail={"rows": count, "file": out.name},
        )

    return write_csv_file(out, LINKS_COLUMNS, rows.iterator(chunk_size=5000), before_publish=audit)


def review_export(
    *,
    out: Path,
    local_authority: str | None = None,
    source: str | None = None,
    actor_label: str = REVIEW_LABEL,
) -> int:
    """Write ``REVIEW_COLUMNS``: one line per candidate of every open review item (of one LA,
    of one source, when given), rank 1 the best by match weight, ``child_id`` the candidate's
    index number, in source and key order. An item with no candidate has one line with rank,
    child and weight empty; ``reason`` is why the item waits for a person (its cause).
    ``candidate_source_record_id`` names a candidate that is another waiting row of the same
    source (its key): two incomplete rows of one child, neither of which may make a child
    alone; ``child_id`` is then empty, or that row's child once it has one. Raises
    ExportRefused for an LA or a source the index does not hold."""
    items = ReviewItem.objects.filter(status=ReviewStatus.OPEN)
    if local_authority:
        la = LocalAuthority.objects.filter(code=local_authority).first()
        if la is None:
            raise ExportRefused(f"no local authority {local_authority[:20]} in the index")
        items = items.filter(local_authority=la)
    if source:
        if not Feed.objects.filter(name=source).exists():
            raise ExportRefused(f"no source named {source[:60]}")
        items = items.filter(source_record__feed__name=source)

    def audit(count: int) -> None:
        audit_record(
            actor=None,
            actor_label=actor_label,
            action=Action.REVIEW_EXPORT,
            detail={
                "rows": count,
                "file": out.name,
                "local_authority": local_authority or None,
                "source": source or None,
            },
        )

    return write_csv_file(out, REVIEW_COLUMNS, _review_lines(items), before_publish=audit)


def _review_lines(items, batch: int = 2000) -> Iterator[tuple[Any, ...]]:
    """The export's lines, a batch of items at a time (index numbers read per batch)."""
    ordered = items.order_by("source_record__feed__name", "source_record__key", "pk").values_list(
        "source_record__feed__name", "source_record__key", "cause", "candidates"
    )
    page: list[tuple] = []
    for row in ordered.iterator(chunk_size=batch):
        page.append(row)
        if len(page) == batch:
            yield from _review_page(page)
            page = []
    yield from _review_page(page)


def _review_page(page: list[tuple]) -> Iterator[tuple[Any, ...]]:
    records = {
        pk: (key, child)
        for pk, key, child in SourceRecord.objects.filter(
            pk__in={c.get("source_record_id") for *_, cs in page for c in cs or []} - {None}
        ).values_list("pk", "key", "child_id")
    }
    ids = {c.get("child_id") for *_, candidates in page for c in candidates or []}
    ids |= {child for _key, child in records.values()}
    numbers = dict(Child.objects.filter(pk__in=ids - {None}).values_list("pk", "index_number"))
    for source, key, cause, candidates in page:
        ranked = []
        for c in candidates or []:
            row_key, child = records.get(c.get("source_record_id"), ("", c.get("child_id")))
            if child in numbers or row_key:
                ranked.append((-(c.get("weight") or 0.0), child or 0, row_key, child))
        ranked.sort()
        seen: set[tuple[int | None, str]] = set()
        rank = 0
        for weight, _order, row_key, child in ranked:
            if (child, row_key) in seen:  # offered twice (a twin and a candidate)
                continue
            seen.add((child, row_key))
            rank += 1
            number = numbers.get(child, "") if child else ""
            yield (source, key, rank, number, f"{-weight:.2f}", cause, row_key)
        if not rank:
            yield (source, key, "", "", "", cause, "")
