"""Summarise a load-test run: p95s, errors, audit events per operation, saturation point.

    python benchmarks/load/summary.py VAR_DIR AUDIT_ID_BEFORE   (DATABASE_URL: the load database)

Reads Locust's CSVs (``locust_stats.csv``, ``locust_stats_history.csv``) and ``operations.json``
from VAR_DIR, counts the audit events written after AUDIT_ID_BEFORE by action, and prints (and
writes ``summary.json``) the numbers for docs/performance.md.
"""

from __future__ import annotations

import csv
import json
import os
import sys
from pathlib import Path
from urllib.parse import urlsplit

import psycopg

# operation counted by the locustfile -> audit action it must have written exactly once
AUDITED = {
    "search": "child_search",
    "record_view": "record_view",
    "involvement_log": "involvement_log",
    "review_item": "review_item_view",
    "audit_child": "audit_read",
}


def _float(value: str) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


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
    events = dict(rows)
    audit = {
        op: {"operations": operations.get(op, 0), "events": events.get(action, 0)}
        for op, action in AUDITED.items()
    }
    loads = [
        float(line.split()[1])
        for line in (var / "loadavg.txt").read_text().splitlines()
        if line.strip()
    ]
    summary = {
        "requests": requests,
        "saturation_aggregated_p95_over_1s": saturation,
        "audit_events_per_operation": audit,
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
