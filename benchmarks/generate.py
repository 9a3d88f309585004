"""Measure `childindex generate`: wall time and peak memory, writing files and loading SQLite.

    PYTHONPATH=. CHILDINDEX_MODE=test python benchmarks/generate.py \
        [--runs 3] [--sizes 250000,1000000] [--load-sizes 5000,50000]

Each run is a fresh process timed by GNU time (``/usr/bin/time``; Debian package ``time``).
Loads go into a fresh SQLite database (the demo's settings, in a temporary CHILDINDEX_VAR_DIR),
migrated before the clock starts. Prints a Markdown table for docs/performance.md: median and
the slowest of the runs (with a handful of runs the slowest stands in for a p95).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

GNU_TIME = "/usr/bin/time"
AS_OF = "2026-11-21"


def timed(args: list[str], env: dict[str, str], scratch: Path) -> tuple[float, float, float]:
    """(elapsed seconds, CPU seconds, peak resident MB) of one run."""
    report = scratch / "time.txt"
    subprocess.run(  # noqa: S603 - the benchmark's own commands
        [GNU_TIME, "-f", "%e %U %S %M", "-o", str(report), *args],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    elapsed, user, system, rss_kb = report.read_text().split()[-4:]
    return float(elapsed), float(user) + float(system), int(rss_kb) / 1024


def generate_args(children: int, out: Path, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "childindex",
        "generate",
        "--children",
        str(children),
        "--seed",
        "1",
        "--out",
        str(out),
        "--as-of",
        AS_OF,
        *extra,
    ]


def measure(children: int, runs: int, load: bool) -> list[tuple[float, float, float]]:
    results = []
    for _ in range(runs):
        scratch = Path(tempfile.mkdtemp(prefix="ci-bench-"))
        env = {**os.environ, "CHILDINDEX_VAR_DIR": str(scratch / "var")}
        env.pop("DATABASE_URL", None)
        try:
            if load:
                subprocess.run(
                    [sys.executable, "-m", "childindex", "migrate", "-v", "0"], env=env, check=True
                )
            args = generate_args(children, scratch / "out", *(["--load"] if load else []))
            results.append(timed(args, env, scratch))
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    return results


def row(label: str, children: int, results: list[tuple[float, float, float]]) -> str:
    elapsed = sorted(r[0] for r in results)
    cpu = statistics.median(r[1] for r in results)
    rss = max(r[2] for r in results)
    median = statistics.median(elapsed)
    rate = children / median * 60
    return (
        f"| {label} | {children:,} | {len(results)} | {median:.1f} | {elapsed[-1]:.1f} | "
        f"{cpu:.1f} | {rss:.0f} | {rate:,.0f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sizes", default="250000,1000000")
    parser.add_argument("--load-sizes", default="5000,50000")
    options = parser.parse_args()
    if not Path(GNU_TIME).exists():
        sys.exit("needs GNU time: apt-get install time")
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    print(
        f"Machine: {os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}, load average at start {os.getloadavg()[0]:.1f}\n"
    )
    print(
        "| command | children | runs | median s | slowest s | CPU s | peak RSS MB | children/min |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for size in filter(None, options.sizes.split(",")):
        runs = options.runs if int(size) <= 250_000 else 1
        print(row("generate (files)", int(size), measure(int(size), runs, load=False)), flush=True)
    for size in filter(None, options.load_sizes.split(",")):
        print(
            row("generate --load (SQLite)", int(size), measure(int(size), options.runs, True)),
            flush=True,
        )


if __name__ == "__main__":
    main()
