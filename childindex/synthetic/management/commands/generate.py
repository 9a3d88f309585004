"""`childindex generate`: a deterministic synthetic population, its feeds and their truth.

    childindex generate --children N --seed S --out DIR [--load]
        [--la CODE ... | --las N] [--as-of YYYY-MM-DD] [--error-rate R] [--error KIND=RATE ...]
        [--error-profile default|hard]

Writes DIR/children.csv, DIR/feeds/<source>.csv (DIR/feeds/<LA code>/<source>.csv, one set per
LA, when there are several), DIR/truth.csv and the rest (see
``childindex.synthetic.feeds``); ``--load`` also loads the population into the configured
database. The same options give byte-identical files. ``--as-of`` (the day ages are counted
to) defaults to today, and is written to DIR/manifest.json so any run can be repeated.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
import sys
import tempfile
import time
from argparse import ArgumentParser
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError

from childindex.core.progress import Progress
from childindex.synthetic.feeds import (
    DEFAULT_ERROR_RATE,
    ERROR_KINDS,
    ERROR_PROFILES,
    HARD_ERROR_KINDS,
    HARD_ERROR_RATE,
    PopulationWriter,
    profile_error_rates,
)
from childindex.synthetic.load import PopulationLoadError, check_can_load, population_load
from childindex.synthetic.people import FEEDS
from childindex.synthetic.places import DEFAULT_LA_CODE, MAX_LAS, national_la_codes
from childindex.synthetic.population import MAX_CHILDREN, Population, PopulationOptions

_WHOLE_NUMBER = re.compile(r"^[+-]?[0-9][0-9_,]*$")


def _whole_number(text: str, option: str, low: int, high: int) -> int:
    text = (text or "").strip()
    if not _WHOLE_NUMBER.match(text):
        raise CommandError(
            f"{option} must be a whole number from {low:,} to {high:,}, not {text[:20]!r}"
        )
    value = int(text.replace("_", "").replace(",", ""))
    if not low <= value <= high:
        raise CommandError(f"{option} must be from {low:,} to {high:,} (got {value:,})")
    return value


def _rate(text: str, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise CommandError(f"{what} must be a number from 0 to 1, not {text[:20]!r}") from None
    if math.isnan(value) or not 0 <= value <= 1:
        raise CommandError(f"{what} must be a number from 0 to 1, not {text[:20]!r}")
    return value


def _out_dir(text: str) -> Path:
    out = Path(text).expanduser()
    if out.exists() and not out.is_dir():
        raise CommandError(f"--out {text} is a file, not a directory")
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as exc:
        raise CommandError(f"cannot write to --out {text}: {exc.strerror or exc}") from None
    return out


def _counted(families: Iterator[Any], bar: Progress) -> Iterator[Any]:
    """The families, counting their children into ``bar``: a plain line at most every few
    seconds (a new count each time), the bar redrawn as it goes."""
    done, shown = 0, time.monotonic()
    for family in families:
        done += len(family.children)
        now = time.monotonic()
        if bar.tty and now - shown >= 0.2 or not bar.tty and now - shown >= bar.plain_every:
            bar.update(done)
            shown = now
        yield family
    bar.update(done)


class Command(BaseCommand):
    help = (
        "Generate a deterministic synthetic population of children with its source feeds "
        "(with realistic errors) and their ground truth; --load also loads it into the database."
    )

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)

        def one_line_error(message: str) -> NoReturn:
            if parser.called_from_command_line:
                parser.exit(2, f"{parser.prog}: error: {message}\n")
            raise CommandError(f"Error: {message}")

        parser.error = one_line_error  # type: ignore[method-assign]
        return parser

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--children",
            required=True,
            metavar="N",
            help=f"how many children (1 to {MAX_CHILDREN:,})",
        )
        parser.add_argument(
            "--seed",
            default="1",
            metavar="S",
            help="a whole number; the same seed gives the same files (default 1)",
        )
        parser.add_argument(
            "--out",
            required=True,
            metavar="DIR",
            help="the directory to write to (made if missing; files replaced)",
        )
        parser.add_argument(
            "--la",
            action="append",
            dest="la_codes",
            metavar="CODE",
            help=f"an ONS-style LA code; repeat for several (default "
            f"{DEFAULT_LA_CODE}, the invented county of Wealdshire)",
        )
        parser.add_argument(
            "--las",
            metavar="N",
            help=f"N invented LAs across England, Wales, Scotland and Northern Ireland "
            f"(1 to {MAX_LAS}; instead of --la)",
        )
        parser.add_argument(
            "--as-of",
            metavar="YYYY-MM-DD",
            help="the day ages and dates are counted to (default today)",
        )
        parser.add_argument(
            "--error-rate",
            default=None,
            metavar="R",
            help="about the share of feed rows with an error, 0 to 1 "
            f"(default {DEFAULT_ERROR_RATE}; {HARD_ERROR_RATE} with --error-profile hard)",
        )
        parser.add_argument(
            "--error-profile",
            default="default",
            choices=ERROR_PROFILES,
            help="hard adds the public benchmarks' errors: another given name, two slips in "
            "a name, a missing name or date of birth, names swapped, an impossible date, a "
            "house number slip, an identifier one digit out that passes its check",
        )
        parser.add_argument(
            "--error",
            action="append",
            default=[],
            metavar="KIND=RATE",
            help="one kind's rate among the rows it can apply to, 0 to 1 "
            f"(kinds: {', '.join(ERROR_KINDS)})",
        )
        parser.add_argument(
            "--load",
            action="store_true",
            help="also load the population into the configured database",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        population_options, rates, out = self._parse(options)
        started = time.monotonic()
        population = Population(population_options)
        if options["load"]:
            self._check_database(population)
        with PopulationWriter(
            out, key=population_options.key, as_of=population_options.as_of, rates=rates
        ) as writer:
            writer.write_directory(population.directory)
            with self._progress(
                options, population_options.children, loading=options["load"]
            ) as bar:
                families = _counted(writer.passthrough(population.families()), bar)
                if options["load"]:
                    counts = self._load(population, families, population_options)
                else:
                    for _family in families:
                        pass
            writer.write_population_estimates()
            manifest = writer.write_manifest(
                generator="childindex generate",
                format=1,
                seed=population_options.seed,
                children=population_options.children,
                la_codes=list(population_options.la_codes),
                as_of=population_options.as_of.isoformat(),
            )
        files = manifest["files"]
        per_feed = {
            feed: sum(n for name, n in files.items() if name.endswith(f"/{feed}.csv"))
            for feed in FEEDS
        }
        self.stdout.write(
            f"Wrote {files['children.csv']:,} children and {sum(per_feed.values()):,} feed rows "
            f"({', '.join(f'{feed} {rows:,}' for feed, rows in per_feed.items())}) "
            f"with their truth to {out} in {time.monotonic() - started:.1f} s."
        )
        if options["load"]:
            self.stdout.write(
                f"Loaded {counts['children']:,} children, {counts['involvements']:,} "
                f"involvements and {counts['practitioners']:,} practitioners into the database."
            )

    def _progress(self, options: dict[str, Any], children: int, *, loading: bool) -> Progress:
        """Children generated (and loaded) so far, on stderr: a bar on a terminal, otherwise a
        line every few seconds (``core.progress``); nothing with ``--verbosity 0``."""
        label = "Generating and loading" if loading else "Generating"
        stream = getattr(self.stderr, "_out", sys.stderr)
        if options["verbosity"] < 1:
            stream = io.StringIO()
        return Progress(
            label,
            children,
            unit="children",
            stream=stream,
            plain_every=5.0,
            line=lambda done, total: f"{label}: {done:,} of {total:,} children",
        )

    def _parse(self, options: dict[str, Any]) -> tuple[PopulationOptions, dict[str, float], Path]:
        children = _whole_number(options["children"], "--children", 1, MAX_CHILDREN)
        seed = _whole_number(options["seed"], "--seed", 0, 2**63 - 1)
        as_of = dt.date.today()
        if options["as_of"]:
            try:
                as_of = dt.date.fromisoformat(options["as_of"])
            except ValueError:
                raise CommandError(
                    f"--as-of must be a date like 2026-09-01, not {options['as_of'][:20]!r}"
                ) from None
            if not 1950 <= as_of.year <= 2200:
                raise CommandError("--as-of must be a year from 1950 to 2200")
        overrides = {}
        for item in options["error"]:
            kind, sep, value = item.partition("=")
            kinds = ERROR_KINDS + (HARD_ERROR_KINDS if options["error_profile"] == "hard" else ())
            if not sep or kind.strip() not in kinds:
                raise CommandError(
                    f"--error takes KIND=RATE with KIND one of {', '.join(kinds)}, "
                    f"not {item[:40]!r}"
                )
            overrides[kind.strip()] = _rate(value, f"--error {kind.strip()}")
        if options.get("las") is not None and options["la_codes"]:
            raise CommandError("give --la CODE or --las N, not both")
        la_codes = tuple(c.strip().upper() for c in options["la_codes"] or [DEFAULT_LA_CODE])
        if options.get("las") is not None:
            la_codes = national_la_codes(_whole_number(options["las"], "--las", 1, MAX_LAS))
        overall = options["error_rate"]
        rates = profile_error_rates(
            options["error_profile"],
            None if overall is None else _rate(overall, "--error-rate"),
            overrides,
        )
        try:
            population_options = PopulationOptions(
                children=children,
                seed=seed,
                as_of=as_of,
                la_codes=la_codes,
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        return population_options, rates, _out_dir(options["out"])

    def _check_database(self, population: Population) -> None:
        try:
            check_can_load(population.directory)
        except PopulationLoadError as exc:
            raise CommandError(str(exc)) from None
        except DatabaseError as exc:
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise CommandError(
                f"the database is not ready ({first}): run `childindex migrate` first"
            ) from None

    def _load(self, population: Population, families: Any, options: PopulationOptions) -> Any:
        try:
            return population_load(
                directory=population.directory,
                families=families,
                as_of=options.as_of,
                detail={
                    "seed": options.seed,
                    "la_codes": list(options.la_codes),
                    "as_of": options.as_of.isoformat(),
                },
            )
        except PopulationLoadError as exc:
            raise CommandError(str(exc)) from None
