"""Shared set-up for the audit benchmarks (not a test: they measure and print Markdown).

They run against the database in DATABASE_URL, which must be a PostgreSQL database of its own
whose name contains "bench" (they empty its audit tables), already migrated:

    createdb -h 127.0.0.1 -U postgres ci_audit_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ci_audit_bench CHILDINDEX_MODE=test \\
        .venv/bin/childindex migrate
"""

from __future__ import annotations

import os
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("CHILDINDEX_MODE", "test")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "childindex.config.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402


def require_bench_postgres() -> None:
    if connection.vendor != "postgresql" or "bench" not in connection.settings_dict["NAME"]:
        sys.exit(
            "benchmark: set DATABASE_URL to a PostgreSQL database whose name contains 'bench' "
            "(its audit tables are emptied)"
        )


def empty_audit_tables() -> None:
    """Empty the bench database's audit tables (triggers suspended: bench databases only)."""
    from childindex.audit.testing import append_only_suspended

    require_bench_postgres()
    with append_only_suspended(connection), connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE audit_alertreview, audit_alert, audit_auditeventchild, audit_auditevent"
        )


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def summary_ms(values: list[float]) -> str:
    """median / p95 / max in milliseconds from seconds."""
    return (
        f"{statistics.median(values) * 1000:.2f} | {percentile(values, 95) * 1000:.2f} | "
        f"{max(values) * 1000:.2f}"
    )


def machine() -> str:
    import platform

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    return (
        f"{os.cpu_count()} cores (shared), Python {platform.python_version()}, PostgreSQL {version}"
    )
