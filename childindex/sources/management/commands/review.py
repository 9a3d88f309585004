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

from childindex.sources.management.commands._base import OneLineCommand, subparsers
from childindex.sources.services import ExportRefused, review_export


class Command(OneLineCommand):
    help = "Export every open review item's candidates as CSV (the index team's work list)."

    def add_arguments(self, parser: CommandParser) -> None:
        subs = subparsers(parser)
        export = subs.add_parser("export", help="write the open review items' candidates")
        export.add_argument("--out", required=True, metavar="FILE.csv")
        export.add_argument("--la", metavar="CODE", help="only this local authority's items")
        export.add_argument("--source", metavar="NAME", help="only this source's items")

    def handle(self, *args: Any, **options: Any) -> None:
        out = Path(options["out"])
        try:
            count = review_export(out=out, local_authority=options["la"], source=options["source"])
        except ExportRefused as exc:
            raise CommandError(str(exc)) from None
        except OSError as exc:
            raise CommandError(f"cannot write {out}: {exc.strerror or exc}") from None
        self.stdout.write(f"Wrote {count:,} candidates of open review items to {out}.")
