"""Failover with no acknowledged write lost, as a drill (docs/operations.md "Failover").

    .venv/bin/python benchmarks/drills/failover.py [--children 1000] [--before 15] [--after 15]

1. A primary and a synchronous streaming standby (``synchronous_standby_names``), throw-away
   clusters on loopback ports; migrate and load a county first.
2. The application points at both with libpq's several hosts and
   ``target_session_attrs=read-write``: ``childindex serve`` (2 workers), and writers
   (``writer.py``: involvements and audit events, each acknowledged only once committed and
   flushed), while a prober asks ``/readyz`` every 50 ms.
3. Under that load the primary's postmaster and every backend are killed with SIGKILL (a
   crash), and the standby is promoted (``pg_ctl promote``), as the failover manager would.
4. Counted afterwards on the new primary: every acknowledged involvement and audit event must
   be there (lost must be 0), the audit chain verified (``audit verify --no-checkpoints``);
   measured: the time from the kill until ``/readyz`` answers 200 again, and until the
   writers' next acknowledged write.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from benchmarks.drills import pgcluster  # noqa: E402
from benchmarks.drills.pgcluster import Cluster  # noqa: E402
from benchmarks.drills.pitr import (  # noqa: E402
    DB,
    PYTHON,
    ROOT,
    app_env,
    child_pids,
    childindex,
    start_writers,
)


def kill_cluster(cluster: Cluster) -> None:
    """SIGKILL the postmaster and all its children at once (as a host crash would)."""
    pid = int((cluster.data / "postmaster.pid").read_text().splitlines()[0])
    for target in [pid, *child_pids(pid)]:
        with contextlib.suppress(ProcessLookupError):
            os.kill(target, signal.SIGKILL)


class Prober(threading.Thread):
    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.samples: list[tuple[float, int]] = []
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                with urllib.request.urlopen(self.url, timeout=5) as response:  # noqa: S310
                    status = response.status
            except urllib.error.HTTPError as exc:
                status = exc.code
            except OSError:
                status = 0
            self.samples.append((time.time(), status))
            time.sleep(0.05)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=1000)
    parser.add_argument("--writers", type=int, default=2)
    parser.add_argument("--before", type=float, default=15, help="seconds of load before the kill")
    parser.add_argument("--after", type=float, default=15, help="seconds of load after it")
    parser.add_argument("--json", type=Path, default=ROOT / "var" / "drill-failover.json")
    args = parser.parse_args()
    root = pgcluster.scratch("childindex-failover-")
    var = root / "var"
    var.mkdir()
    clusters: list[Cluster] = []
    processes: list[subprocess.Popen] = []
    report: dict = {"children": args.children, "writers": args.writers}
    try:
        primary = Cluster(root, name="primary").initdb(synchronous_commit="on")
        clusters.append(primary)
        primary.start()
        primary.sql(f"CREATE DATABASE {DB}")
        env = app_env(primary.url(DB), var)
        childindex(env, "migrate", "-v0")
        childindex(env, "audit", "keygen", "--out", env["CHILDINDEX_AUDIT_SIGNING_KEY"])
        childindex(env, "generate", "--children", str(args.children), "--seed", "12",
                   "--out", str(var / "county"), "--load")  # fmt: skip
        standby = Cluster.standby_of(primary, root)
        standby.configure(cluster_name="'standby'")
        clusters.append(standby)
        standby.start()
        standby.wait_streaming(primary)
        # Synchronous from now on: a commit returns once the standby has flushed it.
        primary.sql("ALTER SYSTEM SET synchronous_standby_names = 'standby'")
        primary.sql("SELECT pg_reload_conf()")
        deadline = time.monotonic() + 30
        while primary.sql("SELECT sync_state FROM pg_stat_replication") != [("sync",)]:
            assert time.monotonic() < deadline, "the standby is not synchronous"
            time.sleep(0.2)
        both = (
            f"postgres://postgres@127.0.0.1:{primary.port},127.0.0.1:{standby.port}/{DB}"
            "?target_session_attrs=read-write"
        )
        env = app_env(both, var)
        childindex(env, "audit", "checkpoint")
        port = pgcluster.free_port()
        serve = subprocess.Popen(  # noqa: S603
            [PYTHON, "-m", "childindex", "serve", "--port", str(port), "--workers", "2"],
            cwd=ROOT, env=env, stdout=(var / "serve.log").open("w"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        processes.append(serve)
        prober = Prober(f"http://127.0.0.1:{port}/readyz")
        while True:
            try:
                with urllib.request.urlopen(prober.url, timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.3)
        prober.start()
        stop, acks, writers = start_writers(root, args.writers, env)
        processes.extend(writers)
        while not all(p.exists() and p.stat().st_size for p in acks):
            time.sleep(0.2)
        time.sleep(args.before)

        killed_at = time.time()
        kill_cluster(primary)
        standby.promote()
        promoted_at = time.time()
        time.sleep(args.after)
        stop.touch()
        for writer in writers:
            out, err = writer.communicate(timeout=300)
            report.setdefault("writer_results", []).append(
                json.loads(out.strip().splitlines()[-1]) if out.strip() else err[-500:]
            )
        prober.stop.set()
        prober.join()

        acked = [json.loads(line) for path in acks for line in path.read_text().splitlines()]
        involvements = {r[0] for r in standby.sql("SELECT id FROM records_involvement", DB)}
        events = {r[0] for r in standby.sql("SELECT id FROM audit_auditevent", DB)}
        before_kill = [a for a in acked if a["t"] < killed_at]
        after_kill = [a for a in acked if a["t"] > killed_at]
        back = next((t for t, s in prober.samples if t > killed_at and s == 200), None)
        failed = [t for t, s in prober.samples if t > killed_at and s != 200]
        verify = childindex(env, "audit", "verify", "--no-checkpoints", check=False)
        report.update(
            acknowledged_before_kill=len(before_kill),
            acknowledged_after_kill=len(after_kill),
            lost_involvements=sum(1 for a in acked if a["involvement"] not in involvements),
            lost_audit_events=sum(1 for a in acked if a["audit"] not in events),
            promote_seconds=round(promoted_at - killed_at, 2),
            readyz_200_again_after_seconds=round(back - killed_at, 2) if back else None,
            readyz_non_200_samples=len(failed),
            first_acknowledged_write_after_kill_seconds=(
                round(min(a["t"] for a in after_kill) - killed_at, 2) if after_kill else None
            ),
            audit_verify_exit=verify.returncode,
            audit_verify_output=(verify.stdout + verify.stderr).strip()[-300:],
            serve_still_running=serve.poll() is None,
        )
        report["passed"] = (
            report["lost_involvements"] == 0
            and report["lost_audit_events"] == 0
            and bool(after_kill)
            and back is not None
            and verify.returncode == 0
        )
    finally:
        for process in processes:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=40)
                except subprocess.TimeoutExpired:
                    process.kill()
        for cluster in clusters:
            cluster.stop("immediate")
        pgcluster.remove(root)
    report["at"] = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=1))
    print(json.dumps(report, indent=1))
    return 0 if report.get("passed") else 1


if __name__ == "__main__":
    sys.exit(main())
