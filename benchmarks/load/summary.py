"""Summarise a load-test run: p95s, errors, audit events per operation, saturation point.

    python benchmarks/load/summary.py VAR_DIR AUDIT_ID_BEFORE   (DATABASE_URL: the load database)

Reads Locust's CSVs (``locust_stats.csv``, ``locust_stats_history.csv``), ``operations.json`` and
``requests.csv`` (every request) from VAR_DIR, counts the audit events written after
AUDIT_ID_BEFORE by action, and prints (and writes ``summary.json``) the numbers for
docs/performance.md. With ``LOAD_STEPS`` set (the run's ``--steps``), ``steps`` gives each held
step of users (and the target phase at ``LOAD_USERS``): requests, requests/s, p95 of search,
record, all requests but sign-ins, and sign-ins, failures; the saturation point is the first
step where the p95 of search, of record or of all requests but sign-ins passes 1 s.
"""

from __future__ import annotations

import csv
import json
import math
import os
import statistics
import sys
from pathlib import Path
from urllib.parse import urlsplit

import psycopg

# audit action -> the operations counted by the locustfile that each write it exactly once
AUDITED = {
    "child_search": ("search",),
    "record_view": ("record_view",),
    "involvement_log": ("involvement_log",),
    # a decision's POST shows the item again (its candidates are read to check the choice),
    # whether it decides or finds a colleague's decision
    "review_item_view": ("review_item", "review_decide", "review_decide_already_decided"),
    "review_decide": ("review_decide",),
    "audit_read": ("audit_child",),
}


def _float(value: str) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


SIGN_IN = {"sign-in", "two-factor"}


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def p95(values: list[float]) -> float | None:
    """Nearest-rank 95th percentile."""
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)], 1)


def plan_windows(
    counts: list[int], holds: list[float], rate: float
) -> list[tuple[int, float, float]]:
    """(users, start, end) of each held step, in seconds from the start of the run: the same
    arithmetic as the locustfile's ``Steps`` shape (spawning at ``rate`` a second, then held)."""
    windows, end, users = [], 0.0, 0
    for n, hold in zip(counts, holds, strict=True):
        end += abs(n - users) / rate + hold
        windows.append((n, end - hold, end))
        users = n
    return windows


def steps(var: Path, windows: list[tuple[int, float, float]]) -> list[dict]:
    """Requests made while each step's user count was held: inside its time window and with
    that many users running (not while spawning towards it, nor while stopping at the end)."""
    path = var / "requests.csv"
    if not path.exists():
        return []
    rows = [
        (float(r["at"]), r["name"], float(r["ms"]), int(r["failed"]), int(r["users"]))
        for r in csv.DictReader(path.open())
    ]
    if not rows:
        return []
    t0 = min(r[0] for r in rows)
    out = []
    for users, start, end in windows:
        held = [r for r in rows if t0 + start <= r[0] < t0 + end and r[4] == users]
        if len(held) < 2:
            continue
        seconds = end - start
        work = [r[2] for r in held if r[1] not in SIGN_IN]
        out.append(
            {
                "users": users,
                "seconds": round(seconds),
                "requests": len(held),
                "rps": round(len(held) / seconds, 1),
                "failures": sum(r[3] for r in held),
                "p95_ms_search": p95([r[2] for r in held if r[1] == "search"]),
                "p95_ms_record": p95([r[2] for r in held if r[1] == "record"]),
                # the work itself; a sign-in (an Argon2 hash) happens once a user, while spawning
                "p95_ms_all_but_sign_in": p95(work),
                "median_ms_all_but_sign_in": _median(work),
                "p95_ms_sign_in": p95([r[2] for r in held if r[1] in SIGN_IN]),
            }
        )
    return out


def main() -> int:
    var, before = Path(sys.argv[1]), int(sys.argv[2])
    stats = {row["Name"]: row for row in csv.DictReader((var / "locust_stats.csv").open())}
    requests = {
        name: {
            "requests": int(row["Request Count"]),
            "failures": int(row["Failure Count"]),
            "median_ms": _float(row["50%"]),
            "p95_ms": _float(row["95%"]),
            "p99_ms": _float(row["99%"]),
            "rps": round(_float(row["Requests/s"]) or 0, 2),
        }
        for name, row in stats.items()
    }
    saturation = None
    for row in csv.DictReader((var / "locust_stats_history.csv").open()):
        if row["Name"] != "Aggregated" or row["95%"] in ("N/A", ""):
            continue
        if (_float(row["95%"]) or 0) > 1000:
            saturation = {
                "users": int(row["User Count"]),
                "rps": round(_float(row["Requests/s"]) or 0, 1),
                "p95_ms": _float(row["95%"]),
                "at": int(row["Timestamp"]),
            }
            break
    operations = json.loads((var / "operations.json").read_text())
    url = urlsplit(os.environ["DATABASE_URL"])
    with psycopg.connect(
        host=url.hostname, port=url.port or 5432, user=url.username, dbname=url.path[1:]
    ) as connection:
        rows = connection.execute(
            "SELECT action, count(*) FROM audit_auditevent WHERE id > %s GROUP BY action",
            (before,),
        ).fetchall()
        # refusals by page and status (the event names the view, never the path)
        refused = connection.execute(
            "SELECT detail->>'view', detail->>'status', count(*) FROM audit_auditevent"
            " WHERE id > %s AND action = 'request_refused' GROUP BY 1, 2 ORDER BY 3 DESC",
            (before,),
        ).fetchall()
    events = dict(rows)
    failures_csv = var / "locust_failures.csv"
    failures = (
        [
            {"name": r["Name"], "error": r["Error"], "occurrences": int(r["Occurrences"])}
            for r in csv.DictReader(failures_csv.open())
        ]
        if failures_csv.exists()
        else []
    )
    audit = {}
    for action, ops in AUDITED.items():
        counted = sum(operations.get(op, 0) for op in ops)
        audit[action] = {
            "operations": counted,
            "events": events.get(action, 0),
            "difference": events.get(action, 0) - counted,
            "from": list(ops),
        }
    loads = [
        float(line.split()[1])
        for line in (var / "loadavg.txt").read_text().splitlines()
        if line.strip()
    ]
    counts = [int(n) for n in os.environ.get("LOAD_STEPS", "").split(",") if n]
    holds = [float(os.environ.get("LOAD_STEP_SECONDS", "60"))] * len(counts)
    counts.append(int(os.environ.get("LOAD_USERS", "500")))
    holds.append(float(os.environ.get("LOAD_SECONDS", "300")))
    rate = float(os.environ.get("LOAD_SPAWN_RATE", "2"))
    held = steps(var, plan_windows(counts, holds, rate))
    saturated = next(
        (
            step
            for step in held
            if any(
                (step[k] or 0) > 1000
                for k in ("p95_ms_search", "p95_ms_record", "p95_ms_all_but_sign_in")
            )
        ),
        None,
    )
    cpu = (var / "locust-cpu.txt").read_text().split() if (var / "locust-cpu.txt").exists() else []
    locust_cpu = None
    if len(cpu) >= 3 and cpu[-1].replace(".", "").isdigit():
        user, system, wall = (float(x) for x in cpu[-3:])
        locust_cpu = {
            "cpu_seconds": round(user + system, 1),
            "wall_seconds": round(wall, 1),
            "share_of_one_core": round((user + system) / wall, 2) if wall else None,
        }
    summary = {
        "steps": held,
        "saturation_first_step_with_p95_over_1s": saturated,
        "locust_cpu": locust_cpu,
        "uptime_before_after": (var / "uptime.txt").read_text().splitlines()
        if (var / "uptime.txt").exists()
        else None,
        "requests": requests,
        "saturation_aggregated_p95_over_1s": saturation,
        "audit_events_per_operation": audit,
        "operations": operations,
        "failures": failures,
        "request_refused_by_view_and_status": [
            {"view": view, "status": status, "events": n} for view, status, n in refused
        ],
        "all_audit_events_by_action": events,
        "load_average_1min": {
            "min": min(loads, default=None),
            "median": sorted(loads)[len(loads) // 2] if loads else None,
            "max": max(loads, default=None),
        },
    }
    (var / "summary.json").write_text(json.dumps(summary, indent=1))
    print(json.dumps(summary, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
