"""Measure `childindex lifecycle run` (archive and purge) over a loaded population.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_NAME PYTHONPATH=. CHILDINDEX_MODE=test \
        .venv/bin/python benchmarks/lifecycle.py --as-of 2027-11-21 --runs 5

Runs ``lifecycle_run`` ``--runs`` times in one process on the same day: the first run does the
work that falls due (archiving children who turned 18 and records a year past a death; the
generator makes no archived records, so nothing is purged), the later ones find nothing to do
(the daily run on a quiet day, and the proof of idempotence). Use a copy of a database: the
first run changes it. Prints a Markdown table for docs/performance.md. Not a test: it measures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("CHILDINDEX_MODE", "test")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "childindex.config.settings")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--as-of", required=True)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    import django

    django.setup()
    from childindex.records.models import Child
    from childindex.sources.lifecycle import lifecycle_run

    as_of = dt.date.fromisoformat(args.as_of)
    children = Child.objects.count()
    rows = []
    for i in range(args.runs):
        load = os.getloadavg()[0]
        started = time.perf_counter()
        result = lifecycle_run(as_of=as_of)
        elapsed = time.perf_counter() - started
        rows.append((i + 1, elapsed, load, result.counts))
        print(f"run {i + 1}: {elapsed:.2f} s {result.counts}", file=sys.stderr)
    print(f"{children:,} children, as of {as_of.isoformat()}\n")
    print("| run | seconds | load average before | what it did |")
    print("|---|---|---|---|")
    for number, elapsed, load, counts in rows:
        did = ", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in counts.items()) or "nothing"
        print(f"| {number} | {elapsed:.2f} | {load:.1f} | {did} |")
    later = [r[1] for r in rows[1:]]
    if later:
        print(
            f"\nLater runs (nothing due): median {statistics.median(later):.2f} s, "
            f"slowest {max(later):.2f} s"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
