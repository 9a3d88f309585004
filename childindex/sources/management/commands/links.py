"""`childindex links export --out FILE.csv`: every linked source record and its child.

Writes ``source,source_record_id,child_id`` (the child's index number), one line per source
record currently linked, in source and key order; the same columns as the generator's
``truth.csv``, so an accuracy check is a join. Other tools rely on this command: keep it
stable. The export is an audit event, written before the file appears; a file is written
whole or not at all.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from childindex.sources.management.commands._base import OneLineCommand, subparsers
from childindex.sources.services import links_export


class Command(OneLineCommand):
    help = "Export source,source_record_id,child_id for every linked source record."

    def add_arguments(self, parser: CommandParser) -> None:
        subs = subparsers(parser)
        export = subs.add_parser("export", help="write the links as CSV")
        export.add_argument("--out", required=True, metavar="FILE.csv")

    def handle(self, *args: Any, **options: Any) -> None:
        out = Path(options["out"])
        try:
            count = links_export(out=out)
        except OSError as exc:
            raise CommandError(f"cannot write {out}: {exc.strerror or exc}") from None
        self.stdout.write(f"Wrote {count:,} links to {out}.")
