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

from childindex.audit.models import Action
from childindex.audit.services import audit_record
from childindex.core.spreadsheets import write_csv_file
from childindex.sources.management.commands._base import OneLineCommand, subparsers
from childindex.sources.models import RecordStatus, SourceRecord


class Command(OneLineCommand):
    help = "Export source,source_record_id,child_id for every linked source record."

    def add_arguments(self, parser: CommandParser) -> None:
        subs = subparsers(parser)
        export = subs.add_parser("export", help="write the links as CSV")
        export.add_argument("--out", required=True, metavar="FILE.csv")

    def handle(self, *args: Any, **options: Any) -> None:
        out = Path(options["out"])
        rows = (
            SourceRecord.objects.filter(status=RecordStatus.LINKED)
            .order_by("feed__name", "key")
            .values_list("feed__name", "key", "child__index_number")
        )

        def audit(count: int) -> None:
            audit_record(
                actor=None,
                actor_label="childindex links export",
                action=Action.LINKS_EXPORT,
                detail={"rows": count, "file": out.name},
            )

        try:
            count = write_csv_file(
                out,
                ["source", "source_record_id", "child_id"],
                rows.iterator(chunk_size=5000),
                before_publish=audit,
            )
        except OSError as exc:
            raise CommandError(f"cannot write {out}: {exc.strerror or exc}") from None
        self.stdout.write(f"Wrote {count:,} links to {out}.")
