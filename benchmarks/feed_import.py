"""Measure `childindex feed import` end to end: elapsed and CPU time, rows/s, peak memory.

    PYTHONPATH=. python benchmarks/feed_import.py --database LOADED.sqlite3 \
        --feed DIR/feeds/gp_registrations.csv [--mapping DIR/feeds/gp_registrations.toml] \
        [--runs 5] [--keep DIR] [--old-tree DIR --old-database OLD.sqlite3]

With ``--old-tree`` (another checkout, e.g. ``main``, run with this interpreter) each run
imports with the old code and then the new, one after the other, so both meet the same load;
``--old-database`` is the same data migrated by the old code.

LOADED.sqlite3 is a database the generator loaded (`childindex generate ... --load`, migrated
by this branch). Each run copies it to a fresh CHILDINDEX_VAR_DIR, so every run starts from
the same state, and imports the feed in a fresh process (the demo's settings: WAL,
`synchronous=NORMAL`) timed by GNU time (``/usr/bin/time``; Debian package ``time``). The
load average is read before and after each run: on a shared machine elapsed time follows it,
CPU time much less. Prints a Markdown table for docs/performance.md with the median (with a
handful of runs the slowest stands in for a p95) and each run's `-v 2` phases.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

GNU_TIME = "/usr/bin/time"
ROOT = Path(__file__).resolve().parents[1]


def load_average() -> str:
    return Path("/proc/loadavg").read_text().split()[0]


def one_run(database: Path, feed: Path, mapping: Path, scratch: Path, root: Path = ROOT) -> dict:
    var = scratch / "var"
    shutil.rmtree(var, ignore_errors=True)
    var.mkdir(parents=True)
    shutil.copy(database, var / "childindex.sqlite3")
    env = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(CHILDINDEX_MODE="demo", CHILDINDEX_VAR_DIR=str(var), PYTHONPATH=str(root))
    report = scratch / "time.txt"
    before = load_average()
    result = subprocess.run(  # noqa: S603 - our own command line
        [
            GNU_TIME,
            "-f",
            "%e %U %S %M",
            "-o",
            str(report),
            sys.executable,
            "-m",
            "childindex",
            "feed",
            "-v",
            "2",
            "import",
            "--no-progress",
            "--mapping",
            str(mapping),
            str(feed),
        ],
        env=env,
        cwd=root,
        check=True,
        capture_output=True,
        text=True,
    )
    elapsed, user, system, rss_kb = report.read_text().split()[-4:]
    summary, *phases = [line for line in result.stdout.splitlines() if line.strip()]
    rows = int(summary.split(" rows read")[0].split()[-1].replace(",", ""))
    return {
        "elapsed": float(elapsed),
        "cpu": float(user) + float(system),
        "rss": int(rss_kb) / 1024,
        "rows": rows,
        "load": f"{before} → {load_average()}",
        "phases": [p.strip() for p in phases if ": " in p and " s" in p],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True, type=Path)
    parser.add_argument("--feed", required=True, type=Path)
    parser.add_argument("--mapping", type=Path)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="a folder for the runs (default: temporary)")
    parser.add_argument("--old-tree", type=Path, help="another checkout to compare with")
    parser.add_argument("--old-database", type=Path, help="the data, migrated by the old tree")
    args = parser.parse_args(argv)
    if args.old_tree is not None:
        return compare(args)
    mapping = args.mapping or args.feed.with_suffix(".toml")
    scratch = args.keep or Path(tempfile.mkdtemp(prefix="feed-import-"))
    runs = []
    try:
        for number in range(1, args.runs + 1):
            runs.append(one_run(args.database, args.feed, mapping, scratch))
            print(f"run {number}: {runs[-1]['elapsed']:.1f} s", file=sys.stderr)
    finally:
        if args.keep is None:
            shutil.rmtree(scratch, ignore_errors=True)
    rows = runs[0]["rows"]
    print(f"{args.feed.name}, {rows:,} rows\n")
    print(
        "| run | elapsed s | rows/s (elapsed) | CPU s | rows/s (CPU) | peak RSS MiB | "
        "load average (1 min) |"
    )
    print("|---|---:|---:|---:|---:|---:|---|")
    for number, run in enumerate(runs, 1):
        print(
            f"| {number} | {run['elapsed']:.1f} | {rows / run['elapsed']:,.0f} | "
            f"{run['cpu']:.1f} | {rows / run['cpu']:,.0f} | {run['rss']:.0f} | {run['load']} |"
        )
    elapsed = statistics.median(r["elapsed"] for r in runs)
    cpu = statistics.median(r["cpu"] for r in runs)
    print(
        f"| **median** | **{elapsed:.1f}** | **{rows / elapsed:,.0f}** | **{cpu:.1f}** | "
        f"**{rows / cpu:,.0f}** | {statistics.median(r['rss'] for r in runs):.0f} | |"
    )
    print(f"\nslowest: {max(r['elapsed'] for r in runs):.1f} s")
    for number, run in enumerate(runs, 1):
        print(f"\nrun {number} phases: " + "; ".join(run["phases"]))
    return 0


def compare(args: argparse.Namespace) -> int:
    """Old and new code on the same data, alternating, each run from a fresh copy."""
    mapping = args.mapping or args.feed.with_suffix(".toml")
    scratch = args.keep or Path(tempfile.mkdtemp(prefix="feed-import-"))
    runs: dict[str, list[dict]] = {"old": [], "new": []}
    try:
        for number in range(1, args.runs + 1):
            for code, root, database in (
                ("old", args.old_tree.resolve(), args.old_database or args.database),
                ("new", ROOT, args.database),
            ):
                runs[code].append(one_run(database, args.feed, mapping, scratch, root))
                print(f"run {number} {code}: {runs[code][-1]['elapsed']:.1f} s", file=sys.stderr)
    finally:
        if args.keep is None:
            shutil.rmtree(scratch, ignore_errors=True)
    rows = runs["new"][0]["rows"]
    print(f"{args.feed.name}, {rows:,} rows, {args.runs} runs each, old and new alternating\n")
    print(
        "| code | median elapsed s | rows/s (elapsed) | slowest s | median CPU s | "
        "rows/s (CPU) | slowest CPU s | peak RSS MiB | load average (1 min, each run) |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---|")
    for code in ("old", "new"):
        done = runs[code]
        elapsed = statistics.median(r["elapsed"] for r in done)
        cpu = statistics.median(r["cpu"] for r in done)
        print(
            f"| {code} | {elapsed:.1f} | {rows / elapsed:,.0f} | "
            f"{max(r['elapsed'] for r in done):.1f} | {cpu:.1f} | {rows / cpu:,.0f} | "
            f"{max(r['cpu'] for r in done):.1f} | "
            f"{statistics.median(r['rss'] for r in done):.0f} | "
            + ", ".join(r["load"] for r in done)
            + " |"
        )
    for code in ("old", "new"):
        each = ", ".join(f"{r['elapsed']:.1f} s / {r['cpu']:.1f} CPU s" for r in runs[code])
        print(f"\n{code}, each run (elapsed / CPU): {each}")
    for code in ("old", "new"):
        print(f"\n{code}, run 1 phases: " + "; ".join(runs[code][0]["phases"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
