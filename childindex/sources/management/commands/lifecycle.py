"""`childindex lifecycle run [--as-of YYYY-MM-DD]`: archive and purge what falls due.

Archives at 18 (at 25 where the young person consented to keeping it), a year after a
recorded death; purges the personal data of records archived longer than their LA keeps
them (six years by default), never one shielded or named by an unreviewed child-protection
enquiry alert. Idempotent: a second run the same day changes nothing. The monitor clock
queues it daily; this command runs it here and now.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils import timezone

from childindex.sources.lifecycle import lifecycle_run
from childindex.sources.management.commands._base import OneLineCommand, subparsers


class Command(OneLineCommand):
    help = "Archive and purge the records that fall due (the life of a record)."

    def add_arguments(self, parser: CommandParser) -> None:
        subs = subparsers(parser)
        run = subs.add_parser("run", help="archive and purge what falls due on a day")
        run.add_argument("--as-of", metavar="YYYY-MM-DD", help="the day to run for (default today)")

    def handle(self, *args: Any, **options: Any) -> None:
        as_of = timezone.localdate()
        if options.get("as_of"):
            try:
                as_of = dt.date.fromisoformat(options["as_of"])
            except ValueError:
                raise CommandError(
                    f"--as-of must be a date like 2026-09-01, not {options['as_of'][:20]!r}"
                ) from None
        result = lifecycle_run(as_of=as_of)
        counts = result.counts
        self.stdout.write(
            f"Lifecycle run for {as_of.isoformat()}: "
            + (
                ", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in counts.items())
                or "nothing due"
            )
            + "."
        )
