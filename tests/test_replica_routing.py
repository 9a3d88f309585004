"""Read replicas against a real streaming standby (throw-away clusters on loopback ports).

A primary and a standby made with ``pg_basebackup -R``; the application is migrated and a small
county loaded on the primary; ``tests/replica_probe.py`` then drives the pages in its own
process with ``DATABASE_REPLICA_URLS`` naming the standby, recording which database ran each
statement. The rules: search candidates and record pages from the replica; audit appends and
writes on the primary; after a write, the same session reads the primary (the standby, paused,
lacks the row); a lagging or vanished standby sends reads to the primary, even mid-request.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.drills import pgcluster

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not pgcluster.available(), reason="PostgreSQL server binaries needed"),
]

ROOT = Path(__file__).resolve().parents[1]


def _childindex(env, *args):
    result = subprocess.run(
        [sys.executable, "-m", "childindex", *args],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=600, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    return result


@pytest.fixture(scope="module")
def findings(tmp_path_factory):
    root = pgcluster.scratch("childindex-replica-")
    primary = pgcluster.Cluster(root, name="primary").initdb()
    primary.start()
    standby = None
    try:
        primary.sql("CREATE DATABASE childindex")
        env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
        env.update(
            CHILDINDEX_MODE="test",
            PYTHONPATH=str(ROOT),
            CHILDINDEX_VAR_DIR=str(tmp_path_factory.mktemp("replica-var")),
            DATABASE_URL=primary.url("childindex"),
        )
        _childindex(env, "migrate", "-v0")
        out = tmp_path_factory.mktemp("county")
        _childindex(env, "generate", "--children", "60", "--seed", "5", "--out", str(out), "--load")
        standby = pgcluster.Cluster.standby_of(primary, root)
        standby.start()
        standby.wait_streaming(primary)
        env.update(
            DATABASE_REPLICA_URLS=standby.url("childindex"),
            PROBE_PRIMARY_PORT=str(primary.port),
            PROBE_STANDBY_ROOT=str(root),
            PROBE_STANDBY_PORT=str(standby.port),
        )
        result = subprocess.run(
            [sys.executable, str(ROOT / "tests" / "replica_probe.py")],
            capture_output=True, text=True, cwd=ROOT, env=env, timeout=600, check=False,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr[-4000:]
        yield json.loads(result.stdout.strip().splitlines()[-1])
    finally:
        if standby is not None:
            standby.stop("immediate")
        primary.stop("immediate")
        pgcluster.remove(root)


def test_search_candidates_come_from_the_replica_and_the_audit_append_goes_to_the_primary(
    findings,
):
    search = findings["search"]
    assert (search["status"], search["found"]) == (200, True)
    assert search["candidates_on"] == ["replica1"]
    assert search["audit_on"] == ["default"]


def test_the_record_page_reads_the_replica_and_audits_on_the_primary(findings):
    record = findings["record"]
    assert record["status"] == 200
    assert record["reads_on"] == ["replica1"]
    assert record["audit_on"] == ["default"]


def test_after_logging_an_involvement_the_same_session_reads_its_own_write_on_the_primary(
    findings,
):
    assert findings["log"]["logged"], findings["log"]
    assert findings["log"]["writes_on"] == ["default"]
    assert findings["own_write"] == {"status": 200, "reads_on": ["default"]}
    # ... while the standby (replay paused) does not have it, and another session still reads it.
    assert findings["standby_lacks_the_write"]
    assert findings["other_session"]["candidates_on"] == ["replica1"]


def test_a_replica_lagging_more_than_allowed_is_not_used(findings):
    assert findings["lagging"] == {"status": 200, "candidates_on": ["default"]}
    assert findings["caught_up"]["candidates_on"] == ["replica1"]


def test_a_replica_gone_mid_request_or_before_sends_reads_to_the_primary(findings):
    gone = findings["gone_mid_request"]
    assert (gone["status"], gone["found"]) == (200, True)
    assert "default" in gone["candidates_on"]
    assert findings["gone"] == {"status": 200, "candidates_on": ["default"]}


def test_every_report_page_reads_the_replica_and_audits_on_the_primary(findings):
    reports = findings["reports"]
    assert len(reports) == 15
    for label, seen in reports.items():
        assert seen["status"] == 200, label
        assert seen["reads_on"] == ["replica1"], label
        assert seen["audit_on"] == ["default"], label
