"""`childindex search-index rebuild`: rebuild every child's search keys (after a bulk load)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from childindex.records.search_index import search_index_rebuild


class Command(BaseCommand):
    help = "Maintain the search-key table: `rebuild` re-derives every child's keys."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["rebuild"])
        parser.add_argument("--batch", type=int, default=5000)

    def handle(self, *args, **options):
        started = time.perf_counter()

        def progress(done: int, total: int) -> None:
            if options["verbosity"] > 1 or done == total:
                self.stdout.write(f"{done}/{total} children")

        keys = search_index_rebuild(batch=max(100, options["batch"]), progress=progress)
        self.stdout.write(f"{keys} search keys written in {time.perf_counter() - started:.1f} s")
