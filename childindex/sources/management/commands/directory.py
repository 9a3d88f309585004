"""`childindex directory import --from DIR`: load the directory from files.

Reads the generator's layout (local_authorities.csv, organisations.csv, services.csv,
practitioners.csv) and the public registers (Get Information about Schools'
edubasealldata*.csv, the NHS ODS epraccur*.csv) found in DIR, in one transaction with one
audit event. Bad rows are left out and listed (file, row, column, problem) in the report;
running it again changes nothing. Other tools rely on this command line: keep it stable.

    childindex directory import --from DIR [--report FILE.csv]
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.db import DatabaseError

from childindex.core.spreadsheets import write_csv_file
from childindex.directory.registers import DirectoryFilesError
from childindex.sources.directory_import import directory_import
from childindex.sources.management.commands._base import OneLineCommand, subparsers

SHOWN_PROBLEMS = 10


class Command(OneLineCommand):
    help = "Import the directory (LAs, districts, organisations, services, practitioners)."

    def add_arguments(self, parser: CommandParser) -> None:
        subs = subparsers(parser)
        run = subs.add_parser("import", help="import the directory files in a folder")
        run.add_argument("--from", dest="folder", required=True, metavar="DIR")
        run.add_argument(
            "--report",
            metavar="FILE.csv",
            help="write every bad row (file,row,column,problem) to this CSV file",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = directory_import(folder=Path(options["folder"]))
        except DirectoryFilesError as exc:
            raise CommandError(str(exc)) from None
        except DatabaseError as exc:
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise CommandError(
                f"database error ({first}): nothing was imported; run `childindex migrate` "
                "if the database is new, then the same command again"
            ) from None
        counts = result.counts
        parts = []
        for what in (
            "local_authorities",
            "postcode_districts",
            "organisations",
            "services",
            "practitioners",
        ):
            created = counts.get(f"{what}_created", 0)
            updated = counts.get(f"{what}_updated", 0)
            same = counts.get(f"{what}_unchanged", 0)
            if created or updated or same:
                parts.append(
                    f"{what.replace('_', ' ')}: {created:,} new, {updated:,} updated, "
                    f"{same:,} unchanged"
                )
        self.stdout.write(
            f"Imported the directory from {len(result.files)} file(s): "
            + ("; ".join(parts) or "nothing to import")
            + "."
        )
        for name, n in sorted(result.skipped.items()):
            self.stdout.write(
                f"{name}: {n:,} row(s) left out (closed, or described by organisations.csv)."
            )
        if result.problems:
            self.stderr.write(f"{len(result.problems):,} bad row(s) left out:")
            for p in result.problems[:SHOWN_PROBLEMS]:
                self.stderr.write(f"  {p.file} row {p.row}, {p.column or 'row'}: {p.problem}")
            if len(result.problems) > SHOWN_PROBLEMS and not options["report"]:
                self.stderr.write("  ... and more: --report FILE.csv lists every one")
        if options["report"]:
            try:
                write_csv_file(
                    Path(options["report"]),
                    ["file", "row", "column", "problem"],
                    ((p.file, p.row, p.column, p.problem) for p in result.problems),
                )
            except OSError as exc:
                raise CommandError(
                    f"the directory was imported, but the report {options['report']} could "
                    f"not be written: {exc.strerror or exc}"
                ) from None
