"""`childindex feed import --source NAME --mapping FILE.toml FILE.csv`: import a source feed.

Every row is kept as a source record and linked to one child (or sent to the review queue, or
rejected with its row number and a reason). A mapping may declare its source, so a new source
needs no other step. Killed part way, the same command resumes where it stopped. Other tools
rely on this command line: keep it stable.

    childindex feed import --source NAME --mapping FILE.toml FILE.csv [--no-progress] [--nice N]
    childindex feed problems --source NAME [--run ID]      # the row-problems report (CSV)
    childindex feed rejected --source NAME [--run ID]      # rejected rows only, as before
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import time
import tomllib
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.db import DatabaseError

from childindex.core.progress import Progress
from childindex.core.spreadsheets import csv_safe
from childindex.sources.importing import FeedImportError, feed_import, run_counts
from childindex.sources.management.commands._base import OneLineCommand, subparsers
from childindex.sources.mapping import MappingError
from childindex.sources.moves import feed_deaths_apply, feed_moves_apply
from childindex.sources.reading import FileRefused
from childindex.sources.selectors import NoSuchRun, row_problems_export

# A batch import is work nobody is waiting for at that moment; people searching and opening
# records are. On a machine the import shares with the web server (the load test: 2 cores,
# 500 people and the county's school census), an import at the same priority takes a core that
# the web server's requests then queue for. So the import lowers its own CPU priority (the
# operating system's niceness; its database work follows, as the import waits on its answers)
# and still gets every cycle nobody else wants. docs/performance.md has the measurements.
IMPORT_NICENESS = 10


class Command(OneLineCommand):
    help = "Import a source feed (CSV with a TOML mapping), or report its row problems."

    def add_arguments(self, parser: CommandParser) -> None:
        subs = subparsers(parser)
        run = subs.add_parser("import", help="import one CSV file with its mapping")
        run.add_argument("file", metavar="FILE.csv")
        run.add_argument("--mapping", required=True, metavar="FILE.toml")
        run.add_argument(
            "--source", metavar="NAME", help="the source (optional when the mapping names it)"
        )
        run.add_argument(
            "--no-progress",
            action="store_true",
            help="no progress bar (a line per committed chunk of rows, and a line every few "
            "seconds while a chunk is being imported)",
        )
        run.add_argument(
            "--nice",
            type=int,
            default=IMPORT_NICENESS,
            choices=range(20),
            metavar="N",
            help=f"lower this import's CPU priority by N (0 to 19; default {IMPORT_NICENESS}), "
            "so that people using the service at the same time come first",
        )
        run.add_argument("--chunk-rows", type=int, default=None, help=argparse.SUPPRESS)
        for name, help_text in (
            ("problems", "the row problems (rejected rows, warnings) of a source's last run"),
            ("rejected", "the rejected rows only, in the old four columns (tools use it)"),
        ):
            report = subs.add_parser(name, help=help_text)
            report.add_argument("--source", required=True, metavar="NAME")
            report.add_argument("--run", type=int, metavar="ID")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "import":
                self._import(options)
            else:
                self._problems(options)
        except (MappingError, FileRefused, FeedImportError) as exc:
            raise CommandError(str(exc)) from None
        except DatabaseError as exc:
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise CommandError(
                f"database error ({first}): run the same command again to resume the import"
            ) from None

    def _import(self, options: dict[str, Any]) -> None:
        mapping_path = Path(options["mapping"])
        try:
            mapping_text = mapping_path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(
                f"cannot read the mapping {mapping_path}: {getattr(exc, 'strerror', None) or exc}"
            ) from None
        path = Path(options["file"])
        if options["nice"]:
            os.nice(options["nice"])  # this process only; never raised again (needs privilege)
        started = time.monotonic()
        kwargs: dict[str, Any] = {}
        if options.get("chunk_rows"):
            kwargs["chunk_rows"] = max(1, options["chunk_rows"])
        stream = getattr(self.stderr, "_out", sys.stderr)  # the bar redraws in place
        label = _feed_label(mapping_text, options, path)
        with _progress(stream, label=label, plain=options["no_progress"]) as bar:
            run = feed_import(
                path=path,
                mapping_text=mapping_text,
                source=options["source"],
                progress=lambda run: bar.update(run.rows_done, run.rows_total),
                **kwargs,
            )
        moved = feed_moves_apply(run=run) if run.finished_at else 0
        deaths = feed_deaths_apply(run=run) if run.finished_at else 0
        counts = run_counts(run)
        elapsed = time.monotonic() - started
        self.stdout.write(
            f"{run.feed.name}: {counts['read']:,} rows read, {counts['linked']:,} linked, "
            f"{counts['created']:,} new children, {counts['sent_to_review']:,} to review, "
            f"{counts['rejected']:,} rejected, {counts['warned']:,} with warnings, "
            f"{counts['unchanged']:,} unchanged, "
            f"{counts['ended']:,} involvements ended (run {run.pk}, {elapsed:.1f} s)."
        )
        if moved:
            self.stdout.write(f"{moved:,} children moved to another LA by their address.")
        if deaths:
            self.stdout.write(f"{deaths:,} deaths recorded from the feed's date of death.")
        if options["verbosity"] >= 2:
            cpu = getattr(run, "cpu_timings", {})
            for phase, seconds in sorted(
                getattr(run, "timings", {}).items(), key=lambda item: -item[1]
            ):
                self.stdout.write(f"  {phase}: {seconds:.2f} s (CPU {cpu.get(phase, 0):.2f} s)")
        if counts["rejected"] or counts["warned"]:
            self.stdout.write(
                f"Row problems: childindex feed problems --source {run.feed.name} --run {run.pk}"
            )

    def _problems(self, options: dict[str, Any]) -> None:
        rejected_only = options["action"] == "rejected"
        try:
            report = row_problems_export(
                actor_label=f"childindex feed {options['action']}",
                source=options["source"],
                run_id=options["run"],
                rejected_only=rejected_only,
            )
        except NoSuchRun as exc:
            raise CommandError(str(exc)) from None
        writer = csv.writer(self.stdout, lineterminator="\n")
        # Keys and reasons quote the feed: neutralised before a spreadsheet can run them.
        if rejected_only:  # the old report, unchanged: tools read it
            writer.writerow(["row", "line", "key", "reason"])
            for row in report.problems:
                writer.writerow(
                    [csv_safe(v) for v in (row.row_number, row.line_number, row.key, row.reason)]
                )
            return
        writer.writerow(["row", "line", "key", "severity", "column", "reason"])
        for problem in report.problems:
            writer.writerow(
                [
                    csv_safe(v)
                    for v in (
                        problem.row_number,
                        problem.line_number,
                        problem.key,
                        problem.severity,
                        problem.column,
                        problem.reason,
                    )
                ]
            )


def _progress(stream: Any, *, label: str, plain: bool) -> Progress:
    """The import's progress (``core.progress``): a bar on a terminal, redrawn every second;
    otherwise a line per committed chunk, in the format other tools read ("N of M rows
    committed (P%)"), and a "still importing" line when a chunk takes a while."""

    def committed(done: int, total: int) -> str:
        percent = 100 if not total else int(100 * done / total)
        return f"{label}: {done} of {total} rows committed ({percent}%)"

    def working(done: int, total: int, elapsed: float) -> str:
        return f"{label}: still importing ({done:,} of {total:,} rows done, {elapsed:.0f} s)"

    return Progress(
        label,
        0,
        stream=stream,
        tty=False if plain else None,
        line=committed,
        working=working,
    )


def _feed_label(mapping_text: str, options: dict[str, Any], path: Path) -> str:
    try:
        name = tomllib.loads(mapping_text).get("feed", {}).get("name")
    except tomllib.TOMLDecodeError:
        name = None
    return str(options.get("source") or name or path.stem)
