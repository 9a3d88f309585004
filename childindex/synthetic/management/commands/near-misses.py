"""`childindex near-misses FEEDS_DIR`: write a small feed of near misses beside generated feeds.

    childindex near-misses out/county/feeds
    childindex near-misses out/county/feeds --rows 1500 --strangers 150 --seed 3 --batch L3

Writes ``health_visiting_transfer.csv`` and its mapping ``health_visiting_transfer.toml`` from
the generated ``health_visiting`` feed (``childindex.synthetic.near_misses``): records keyed by
hand without NHS numbers, from a source that may not add children, so that importing it
(``childindex feed import --mapping ...``) fills the review queue. The demo runs it (24 near
misses, 3 strangers); the load test (``benchmarks/load/run``) writes a batch of its own, with its
own ``--batch`` in the record keys, whenever its county's queue runs low.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from childindex.synthetic.near_misses import ROWS, STRANGERS, write_near_miss_feed


class Command(BaseCommand):
    help = "Write a feed of near misses (for the review queue) beside generated feeds."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("feeds", help="the generated feeds folder, e.g. out/county/feeds")
        parser.add_argument("--rows", type=int, default=ROWS, help=f"near misses (default {ROWS})")
        parser.add_argument(
            "--strangers",
            type=int,
            default=STRANGERS,
            help=f"children the index has never seen (default {STRANGERS})",
        )
        parser.add_argument("--seed", type=int, default=17, help="which rows (default 17)")
        parser.add_argument(
            "--batch", default="", help="letters and digits put in every record's key"
        )

    def handle(self, *args, **options) -> None:
        feeds = Path(options["feeds"])
        if not (feeds / "health_visiting.csv").is_file():
            raise CommandError(f"{feeds} has no health_visiting.csv: run childindex generate")
        try:
            mapping = write_near_miss_feed(
                feeds,
                seed=options["seed"],
                rows=options["rows"],
                strangers=options["strangers"],
                batch=options["batch"],
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(str(mapping))
