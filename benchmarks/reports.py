"""Reports benchmark: how long each report page (and its CSV) takes over HTTP on a loaded index.

    DATABASE_URL=sqlite:////abs/path/bench250k.sqlite3 PYTHONPATH=. CHILDINDEX_MODE=test \
        nice -n 10 .venv/bin/python benchmarks/reports.py --runs 15

    # old code against new, side by side in one run: OLD is a copy of the old code's tree
    # (git archive), both run on the same database, in alternating rounds
    ... benchmarks/reports.py --compare /tmp/reports_old --rounds 5 --runs 3
    # or the old code on its own copy of the database (migrated back to the old code's tables)
    ... benchmarks/reports.py --compare /tmp/reports_old --compare-database postgres://.../old

The database must already hold a population (``childindex generate --children N --load``) and,
for the coverage report, estimates (``childindex population load population_estimates.csv``).
It signs in as the first LA's index team (an authenticator device is added if it has none), asks
each report through Django's test client (the whole stack: middleware, access policy, selectors,
audit event, template, chart), and prints the median and 95th percentile per report as Markdown
for docs/performance.md. The subject access export is asked for a child with involvements.
Not a test: it measures. Every request writes its audit event, as in production.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("CHILDINDEX_MODE", "test")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "childindex.config.settings")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--only", default="", help="comma-separated report names")
    parser.add_argument("--code-root", default=str(ROOT), help="the tree whose code is timed")
    parser.add_argument("--json", action="store_true", help="print the times as JSON")
    parser.add_argument("--compare", metavar="OLD_ROOT", help="time OLD_ROOT's code and this")
    parser.add_argument("--rounds", type=int, default=5, help="with --compare")
    parser.add_argument(
        "--compare-database",
        metavar="URL",
        help="with --compare: the old code's own copy of the database (when the new code's "
        "migrations changed tables the old code writes)",
    )
    args = parser.parse_args()
    if args.compare:
        return compare(args)
    sys.path.insert(0, args.code_root)

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from childindex.access.models import Role, User
    from childindex.access.testing import authenticator, sign_in_verified
    from childindex.records.models import Child, Involvement

    settings.ALLOWED_HOSTS = ["*"]
    team = User.objects.filter(role=Role.INDEX_TEAM).order_by("pk").first()
    if team is None:
        sys.exit("no index team in this database: load a population first")
    authenticator(team)
    client = Client()
    sign_in_verified(client, team)
    la = team.local_authority_id
    children = Child.objects.filter(responsible_la_id=la).count()
    child_id = (
        Involvement.objects.filter(child__responsible_la_id=la, child__shielded=False)
        .order_by("pk")
        .values_list("child_id", flat=True)
        .first()
    )
    child = Child.objects.get(pk=child_id)
    reports = {
        "data quality summary": ("GET", reverse("web:reports-data-quality"), None),
        "worklist: no school": ("GET", reverse("web:reports-worklist", args=["no-school"]), None),
        "worklist: no GP": ("GET", reverse("web:reports-worklist", args=["no-gp"]), None),
        "worklist: no NHS number": (
            "GET",
            reverse("web:reports-worklist", args=["no-nhs-number"]),
            None,
        ),
        "worklist: stale": ("GET", reverse("web:reports-worklist", args=["stale"]), None),
        "worklist: two schools or GPs": (
            "GET",
            reverse("web:reports-worklist", args=["two-universal"]),
            None,
        ),
        "coverage": ("GET", reverse("web:reports-coverage"), None),
        "planning": ("GET", reverse("web:reports-planning"), None),
        "feed health over time": ("GET", reverse("web:reports-feed-health"), None),
        "coverage CSV": ("GET", reverse("web:reports-coverage") + "?format=csv", None),
        "planning CSV": ("GET", reverse("web:reports-planning") + "?format=csv", None),
        "subject access (HTML)": (
            "POST",
            reverse("web:reports-subject-access"),
            {"index_number": child.index_number, "requester": "young_person", "output": "html"},
        ),
        "subject access (PDF)": (
            "POST",
            reverse("web:reports-subject-access"),
            {"index_number": child.index_number, "requester": "young_person", "output": "pdf"},
        ),
    }
    only = {o.strip() for o in args.only.split(",") if o.strip()}
    import childindex

    if not args.json:
        print(
            f"{connection.vendor}, {children:,} children in the LA, {args.runs} runs each "
            f"(after one warm-up), code from {Path(childindex.__file__).parent.parent}\n"
        )
        print("| report | median (ms) | p95 (ms) | max (ms) |")
        print("| --- | ---: | ---: | ---: |")
    timings: dict[str, list[float]] = {}
    try:
        from childindex.reports import counts
    except ImportError:  # the old code: every report counted on each request
        counts = None
    if counts is not None and (not only or "counting one LA (background)" in only):
        times = []
        for _ in range(max(1, args.runs // 3)):
            started = time.perf_counter()
            counts.counts_refresh(la)
            times.append((time.perf_counter() - started) * 1000)
        timings["counting one LA (background)"] = times
    for name, (method, url, data) in reports.items():
        if only and name not in only:
            continue
        times = []
        for i in range(args.runs + 1):
            started = time.perf_counter()
            response = client.post(url, data) if method == "POST" else client.get(url)
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != 200:
                sys.exit(f"{name}: HTTP {response.status_code}")
            if i:
                times.append(elapsed)
        timings[name] = times
        if not args.json:
            print(
                f"| {name} | {statistics.median(times):,.0f} | {percentile(times, 95):,.0f} "
                f"| {max(times):,.0f} |",
                flush=True,
            )
    if args.json:
        print(json.dumps({"code": str(Path(childindex.__file__).parent.parent), "t": timings}))


def compare(args) -> None:
    """Old and new code in alternating rounds on the same database (each round a fresh process
    of each, after its own warm-up), then the medians and p95 of each side by side."""
    sides = {"old": args.compare, "new": str(ROOT)}
    times: dict[str, dict[str, list[float]]] = {"old": {}, "new": {}}
    loads = [os.getloadavg()]
    for _ in range(args.rounds):
        for side, root in sides.items():
            command = [sys.executable, __file__, "--code-root", root, "--runs", str(args.runs)]
            command += ["--json"] + (["--only", args.only] if args.only else [])
            env = dict(os.environ)
            if side == "old" and args.compare_database:
                env["DATABASE_URL"] = args.compare_database
            out = subprocess.run(  # noqa: S603 (this script, with its own arguments)
                command, check=True, capture_output=True, text=True, env=env
            ).stdout
            result = json.loads(out.strip().splitlines()[-1])
            if Path(result["code"]).resolve() != Path(root).resolve():
                sys.exit(f"{side}: ran the code of {result['code']}, not {root}")
            for name, values in result["t"].items():
                times[side].setdefault(name, []).extend(values)
        loads.append(os.getloadavg())
    ones = [load[0] for load in loads]
    print(
        f"{args.rounds} rounds x {args.runs} runs per side; load average (1 min) "
        f"{min(ones):.1f} to {max(ones):.1f}\n"
    )
    print("| report | old median (ms) | old p95 (ms) | new median (ms) | new p95 (ms) |")
    print("| --- | ---: | ---: | ---: | ---: |")
    names = list(dict.fromkeys([*times["new"], *times["old"]]))
    for name in names:
        cells = []
        for side in ("old", "new"):
            values = times[side].get(name)
            cells += (
                [f"{statistics.median(values):,.0f}", f"{percentile(values, 95):,.0f}"]
                if values
                else ["–", "–"]
            )
        print(f"| {name} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
