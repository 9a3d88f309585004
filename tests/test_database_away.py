"""The database goes away under a running `childindex serve`, and comes back (a real cluster).

A throw-away PostgreSQL cluster on a loopback port (``benchmarks/drills/pgcluster.py``), a small
county, ``childindex serve`` and a signed-in practitioner. The cluster is stopped at once (every
connection drops): pages are 503 "Sorry, the service is unavailable" with ``Retry-After``,
``/healthz`` stays 200, ``/readyz`` is 503, and the server logs one JSON line a request with no
traceback. The cluster is started again: the same server process and the same session are
served again, without a restart. The long version, under load and with numbers, is
``benchmarks/drills/dbaway.py``.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from benchmarks.drills import pgcluster
from benchmarks.drills.kill import Client

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not pgcluster.available(), reason="PostgreSQL server binaries needed"),
]

ROOT = Path(__file__).resolve().parents[1]
UNAVAILABLE = "Sorry, the service is unavailable"


def _run(env, *args):
    result = subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, cwd=ROOT, env=env,
        timeout=600, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def _answer(call):
    try:
        status, _, body = call()
        return status, body
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors="replace")


def _probe(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - loopback
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    root = pgcluster.scratch("childindex-away-")
    cluster = pgcluster.Cluster(root, name="primary").initdb()
    cluster.start()
    var = tmp_path_factory.mktemp("away-var")
    process = None
    try:
        cluster.sql("CREATE DATABASE childindex")
        env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
        env.update(
            CHILDINDEX_MODE="test",
            PYTHONPATH=str(ROOT),
            CHILDINDEX_VAR_DIR=str(var),
            DATABASE_URL=cluster.url("childindex"),
            CHILDINDEX_AUDIT_CHECKPOINT_DIR=str(var / "checkpoints"),
            CHILDINDEX_AUDIT_SIGNING_KEY=str(var / "audit-signing-key.pem"),
        )
        _run(env, "-m", "childindex", "migrate", "-v0")
        _run(
            env, "-m", "childindex", "audit", "keygen", "--out", str(var / "audit-signing-key.pem")
        )
        _run(env, "-m", "childindex", "generate", "--children", "40", "--seed", "3",
             "--out", str(var / "county"), "--load")  # fmt: skip
        _run(env, "-m", "childindex", "audit", "checkpoint")
        _run(env, str(ROOT / "benchmarks" / "load" / "accounts.py"), "--practitioners", "1",
             "--index-team", "0", "--auditors", "0", "--out", str(var / "accounts.csv"),
             "--children", str(var / "children.csv"))  # fmt: skip
        port = pgcluster.free_port()
        log = var / "serve.log"
        process = subprocess.Popen(  # noqa: S603 - our own command
            [sys.executable, "-m", "childindex", "serve", "--port", str(port), "--workers", "1",
             "--threads", "2"],
            cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if _probe(base + "/healthz") == 200:
                    break
            except OSError:
                pass
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        [account] = csv.DictReader((var / "accounts.csv").open())
        child = next(csv.DictReader((var / "children.csv").open()))
        client = Client(base, account)
        client.sign_in()
        yield cluster, process, base, log, client, f"/children/{child['index_number']}/purpose/"
    finally:
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=60)
        cluster.stop("immediate")
        pgcluster.remove(root)


def test_the_database_going_away_is_503_pages_without_tracebacks_and_recovers_without_restart(
    served,
):
    cluster, process, base, log, client, page = served
    assert _answer(lambda: client.get(page))[0] == 200
    assert _probe(base + "/readyz") == 200

    cluster.stop("immediate")
    status, body = _answer(lambda: client.get(page))
    assert status == 503
    assert UNAVAILABLE in body
    assert "Traceback" not in body
    assert _probe(base + "/healthz") == 200  # liveness: no restart asked for
    assert _probe(base + "/readyz") == 503  # readiness: no traffic sent

    cluster.start()
    deadline = time.monotonic() + 20
    while _answer(lambda: client.get(page))[0] != 200:
        assert time.monotonic() < deadline, "not served again after the database came back"
        time.sleep(0.2)
    assert _probe(base + "/readyz") == 200
    assert process.poll() is None  # the same server, never restarted
    lines = log.read_text().splitlines()
    assert all(line.startswith("{") for line in lines), [ln for ln in lines if ln[:1] != "{"][:3]
    assert not [line for line in lines if "Traceback" in line or 'File "' in line]
    messages = [json.loads(line).get("message", "") for line in lines]
    assert any(m.startswith("database unavailable:") for m in messages)
