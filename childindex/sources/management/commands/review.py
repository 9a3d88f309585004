"""`childindex review export --out FILE.csv [--la CODE] [--source NAME]`: the review queue's
work list outside the web pages.

Writes ``source,source_record_id,rank,child_id,match_weight,reason``: one line per candidate
of every open review item (rank 1 the best, by match weight; ``child_id`` the candidate's
index number), in source and key order. An item with no candidate has one line with rank,
child and weight empty. ``reason`` is why the item waits for a person (its cause). Other
tools rely on this command: keep it stable, like ``links export``. The export is an audit
event, written before the file appears; a file is written whole or not at all.

A trailing column, ``candidate_source_record_id``, names a candidate that is another waiting
row of the same source (its key): two incomplete rows of one child, neither of which may
make a child alone. ``child_id`` is then empty, or that row's child once it has one. For a
candidate that is a child the column is empty. Readers of the first six columns are
unaffected.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from childindex.audit.models import Action
from childindex.audit.services import audit_record
from childindex.core.spreadsheets import write_csv_file
from childindex.directory.models import LocalAuthority
from childindex.records.models import Child
from childindex.sources.management.commands._base import OneLineCommand, subparsers
from childindex.sources.models import Feed, ReviewItem, ReviewStatus, SourceRecord

COLUMNS = [
    "source",
    "source_record_id",
    "rank",
    "child_id",
    "match_weight",
    "reason",
    "candidate_source_record_id",  # added after the first six: append, never reorder
]
LABEL = "childindex review export"


class Command(OneLineCommand):
    help = "Export every open review item's candidates as CSV (the index team's work list)."

    def add_arguments(self, parser: CommandParser) -> None:
        subs = subparsers(parser)
        export = subs.add_parser("export", help="write the open review items' candidates")
        export.add_argument("--out", required=True, metavar="FILE.csv")
        export.add_argument("--la", metavar="CODE", help="only this local authority's items")
        export.add_argument("--source", metavar="NAME", help="only this source's items")

    def handle(self, *args: Any, **options: Any) -> None:
        items = ReviewItem.objects.filter(status=ReviewStatus.OPEN)
        if options["la"]:
            la = LocalAuthority.objects.filter(code=options["la"]).first()
            if la is None:
                raise CommandError(f"no local authority {options['la'][:20]} in the index")
            items = items.filter(local_authority=la)
        if options["source"]:
            if not Feed.objects.filter(name=options["source"]).exists():
                raise CommandError(f"no source named {options['source'][:60]}")
            items = items.filter(source_record__feed__name=options["source"])
        out = Path(options["out"])

        def audit(count: int) -> None:
            audit_record(
                actor=None,
                actor_label=LABEL,
                action=Action.REVIEW_EXPORT,
                detail={
                    "rows": count,
                    "file": out.name,
                    "local_authority": options["la"] or None,
                    "source": options["source"] or None,
                },
            )

        try:
            count = write_csv_file(out, COLUMNS, _lines(items), before_publish=audit)
        except OSError as exc:
            raise CommandError(f"cannot write {out}: {exc.strerror or exc}") from None
        self.stdout.write(f"Wrote {count:,} candidates of open review items to {out}.")


def _lines(items, batch: int = 2000):
    """The export's lines, a batch of items at a time (index numbers read per batch)."""
    ordered = items.order_by("source_record__feed__name", "source_record__key", "pk").values_list(
        "source_record__feed__name", "source_record__key", "cause", "candidates"
    )
    page: list[tuple] = []
    for row in ordered.iterator(chunk_size=batch):
        page.append(row)
        if len(page) == batch:
            yield from _page(page)
            page = []
    yield from _page(page)


def _page(page: list[tuple]):
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
