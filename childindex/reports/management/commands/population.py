"""`childindex population load FILE.csv`: load the LA child population estimates (the ONS
mid-year estimates layout) that the coverage report compares the index with."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError, CommandParser

from childindex.reports.services import population_estimates_load
from childindex.sources.management.commands._base import OneLineCommand, subparsers


class Command(OneLineCommand):
    help = "Load child population estimates in the ONS mid-year estimates (MYEB1) layout."

    def add_arguments(self, parser: CommandParser) -> None:
        subs = subparsers(parser)
        load = subs.add_parser("load", help="load (replace) the estimates in FILE.csv")
        load.add_argument("file", metavar="FILE.csv")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            with path.open(encoding="utf-8-sig", newline="") as handle:
                loaded = population_estimates_load(actor=None, handle=handle, file_name=path.name)
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror or exc}") from None
        except ValidationError as exc:
            raise CommandError(exc.messages[0]) from None
        if not loaded.local_authorities:
            raise CommandError(
                f"{path.name} holds no LA of the index (it has {len(loaded.skipped_unknown_las)} "
                "others): nothing was loaded"
            )
        self.stdout.write(
            f"Loaded {loaded.rows:,} estimates (ages 0 to 17) for "
            f"{', '.join(loaded.local_authorities)}, mid-{', mid-'.join(map(str, loaded.years))}"
            + (
                f"; skipped {len(loaded.skipped_unknown_las):,} LAs the index does not hold."
                if loaded.skipped_unknown_las
                else "."
            )
        )
