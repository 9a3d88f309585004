"""`kill -TERM` on a running demo stops its web server, background worker and clock, and the
demo exits (issue 17: the worker and the clock used to keep running)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from childindex.web.tests.test_serve import ROOT, _free_port, _get

pytestmark = pytest.mark.slow


def _children_of(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == pid:
            found.add(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads the process table from /proc")
def test_sigterm_on_the_demo_stops_its_worker_and_clock_too(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update(
        CHILDINDEX_MODE="demo",
        CHILDINDEX_VAR_DIR=str(tmp_path),
        DATABASE_URL="",
        PYTHONPATH=str(ROOT),
    )
    port = _free_port()
    demo = subprocess.Popen(
        [sys.executable, "-m", "childindex", "demo", "--port", str(port), "--children", "30"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            try:
                if _get(f"http://127.0.0.1:{port}/healthz", timeout=2)[0] == 200:
                    break
            except OSError:
                pass
            assert demo.poll() is None, "the demo stopped before serving"
            time.sleep(0.5)
        else:
            pytest.fail("the demo did not start serving")
        time.sleep(2)  # the worker and the clock are started before the server
        children = _children_of(demo.pid)
        commands = [Path(f"/proc/{pid}/cmdline").read_bytes() for pid in children]
        assert any(b"db_worker" in c for c in commands), commands
        assert any(b"monitor" in c for c in commands), commands
        demo.send_signal(signal.SIGTERM)
        assert demo.wait(timeout=60) == 0
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and any(_alive(pid) for pid in children):
            time.sleep(0.2)
        assert [pid for pid in children if _alive(pid)] == []
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait()
