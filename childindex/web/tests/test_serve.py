"""`childindex serve` for real: gunicorn in its own process on a database file of its own.

Liveness and readiness answer, every request is one JSON log line naming its route (never the
path or the query string), SIGTERM lets a request in flight finish before the server exits,
and a database that cannot be reached at start is one line and a non-zero exit.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[3]


def _env(var: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update(
        CHILDINDEX_MODE="test",
        PYTHONPATH=str(ROOT),
        CHILDINDEX_VAR_DIR=str(var),
        DATABASE_URL="",
        CHILDINDEX_AUDIT_CHECKPOINT_DIR=str(var / "checkpoints"),
        CHILDINDEX_AUDIT_SIGNING_KEY=str(var / "audit-signing-key.pem"),
    )
    env.update(extra)
    return env


def _childindex(env, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "childindex", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=300,
        check=False,
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def _get(url: str, timeout: float = 30) -> tuple[int, bytes]:
    try:
        with _opener.open(url, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


@pytest.fixture(scope="module")
def var(tmp_path_factory) -> Path:
    var = tmp_path_factory.mktemp("serve")
    env = _env(var)
    key = env["CHILDINDEX_AUDIT_SIGNING_KEY"]
    for args in (("migrate", "-v0"), ("audit", "keygen", "--out", key)):
        result = _childindex(env, *args)
        assert result.returncode == 0, result.stderr[-2000:]
    return var


@pytest.fixture
def server(var):
    port = _free_port()
    log = var / f"serve-{port}.log"
    with log.open("w") as out:
        process = subprocess.Popen(  # noqa: S603 - our own command
            [sys.executable, "-m", "childindex", "serve", "--port", str(port), "--workers", "1"],
            cwd=ROOT,
            env=_env(var),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if _get(base + "/healthz", timeout=2)[0] == 200:
                break
        except OSError:
            pass
        assert process.poll() is None, log.read_text()
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.2)
    yield process, base, log
    if process.poll() is None:
        process.kill()
        process.wait()


def _log_lines(log: Path) -> list[dict]:
    return [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]


def test_serve_answers_liveness_and_readiness_and_logs_json_without_paths(server):
    process, base, log = server
    assert _get(base + "/healthz") == (200, b'{"status": "alive"}')
    status, body = _get(base + "/readyz")
    assert status == 200, body
    assert json.loads(body)["status"] == "ready"
    # Not signed in: sent to the sign-in page, the search carried in ?next=...
    assert _get(base + "/search/?given_name=Zebedee&nhs_number=9434765919")[0] == 302
    assert _get(base + "/sign-in/?next=/search/%3Fgiven_name%3DZebedee")[0] == 200
    assert _get(base + "/children/94347659190/")[0] == 302  # no such URL: sign in first
    assert _get(base + "/assets/govuk/govuk-frontend.min.css")[0] == 200  # WhiteNoise
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=60) == 0
    text = log.read_text()
    assert "Zebedee" not in text and "9434765919" not in text
    requests = [line for line in _log_lines(log) if line.get("message") == "request"]
    assert [r["route"] for r in requests][-6:] == [  # after the start-up's /healthz polls
        "/healthz",
        "/readyz",
        "/search/",
        "/sign-in/",
        "/children/<str:index_number>/",
        "assets/",
    ]
    assert all(r["request_id"] != "-" and r["status"] for r in requests)
    assert all(line.startswith("{") for line in text.splitlines()), text


def test_sigterm_lets_the_request_in_flight_finish(server, var):
    process, base, log = server
    # Hold the database's write lock: the readiness probe's audit append waits behind it.
    holder = sqlite3.connect(var / "childindex.sqlite3", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    answer: dict = {}
    request = threading.Thread(target=lambda: answer.update(r=_get(base + "/readyz")))
    request.start()
    time.sleep(1.5)
    process.send_signal(signal.SIGTERM)
    time.sleep(1.5)
    assert process.poll() is None  # still finishing the request in flight
    holder.execute("ROLLBACK")
    holder.close()
    request.join(timeout=30)
    assert answer["r"][0] == 200, answer
    assert process.wait(timeout=60) == 0
    with pytest.raises(OSError):
        _get(base + "/healthz", timeout=2)  # stopped: no new requests


def test_a_database_that_cannot_be_reached_at_start_is_one_line_and_a_non_zero_exit(var):
    result = _childindex(
        _env(var, DATABASE_URL="postgres://postgres@127.0.0.1:9/nowhere"),
        "serve",
        "--port",
        str(_free_port()),
    )
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("CommandError: the database cannot be reached, not serving:")
