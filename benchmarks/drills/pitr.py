"""Backups and point-in-time restore, as a drill (docs/operations.md "Backups and restore").

    .venv/bin/python benchmarks/drills/pitr.py [--children 2000] [--seconds 30] [--writers 2]

1. A throw-away cluster on a loopback port (``pgcluster``) with WAL archiving
   (``archive_command`` copying each finished segment into an archive folder,
   ``archive_timeout`` 10 s) and ``track_commit_timestamp`` on (to know afterwards exactly which
   transactions had committed by any moment).
2. Migrate, load a synthetic county, take a base backup (``pg_basebackup``).
3. Write for a while (``writer.py``: involvements and audit events, acknowledged), and pick a
   moment in the middle of it.
4. Restore the base backup into a new cluster with ``restore_command`` and
   ``recovery_target_time`` = that moment; time it from the copy to the promoted server.
5. Prove it: the restored audit trail and involvements are exactly the rows the original had
   committed by that moment (ids and hashes compared), and ``childindex audit verify`` passes
   on the restored database (with the checkpoints up to the moment).
6. RPO: restore again to the end of the archive only (as if the primary and its disk were lost
   when writing stopped) and count the acknowledged operations missing; the RPO is the time
   between the last write and the last one the archive holds.

Prints a JSON summary (and writes it to ``--json``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from benchmarks.drills import pgcluster  # noqa: E402
from benchmarks.drills.pgcluster import Cluster  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
PYTHON = str(ROOT / ".venv" / "bin" / "python")
DB = "childindex"


def childindex(env, *args, check=True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(  # noqa: S603
        [PYTHON, "-m", "childindex", *args],
        capture_output=True, text=True, cwd=ROOT, env=env, check=False,
    )  # fmt: skip
    if check and result.returncode != 0:
        raise RuntimeError(f"childindex {' '.join(args)}: {result.stderr.strip()[-1500:]}")
    return result


def app_env(url: str, var: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update(
        CHILDINDEX_MODE="test",
        PYTHONPATH=str(ROOT),
        DATABASE_URL=url,
        CHILDINDEX_VAR_DIR=str(var),
        CHILDINDEX_AUDIT_CHECKPOINT_DIR=str(var / "checkpoints"),
        CHILDINDEX_AUDIT_SIGNING_KEY=str(var / "audit-signing-key.pem"),
    )
    env.update(extra)
    return env


def start_writers(root: Path, count: int, env: dict[str, str]):
    """``count`` writer processes (benchmarks/drills/writer.py), each logging its acknowledged
    writes to its own file until the stop file appears: (stop file, ack files, processes)."""
    stop = root / "stop-writing"
    acks = [root / f"acks-{n}.jsonl" for n in range(count)]
    writers = [
        subprocess.Popen(  # noqa: S603
            [
                PYTHON,
                str(ROOT / "benchmarks" / "drills" / "writer.py"),
                "--seconds",
                "3600",
                "--stop-file",
                str(stop),
                "--out",
                str(path),
                "--seed",
                str(n),
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        for n, path in enumerate(acks)
    ]
    return stop, acks, writers


def child_pids(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (read from /proc)."""
    children = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            parent = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if parent == pid:
            children.append(int(proc.name))
    return children


def state(cluster: Cluster, *, until: str | None = None) -> dict:
    """The audit trail and the involvements (all, or those committed by ``until``)."""
    # The statements are built from constants here; the moment is a parameter.
    where = "WHERE pg_xact_commit_timestamp(xmin) <= %s::timestamptz" if until else ""
    params = (until,) if until else None
    [[events, last, digest]] = cluster.sql(
        "SELECT count(*), coalesce(max(id), 0), md5(coalesce(string_agg(id || ':' || hash, ','"
        f" ORDER BY id), '')) FROM audit_auditevent {where}",
        DB,
        params,
    )
    [[involvements, inv_digest]] = cluster.sql(
        "SELECT count(*), md5(coalesce(string_agg(id || ':' || child_id || ':' || service_id"
        f" || ':' || started_on, ',' ORDER BY id), '')) FROM records_involvement {where}",
        DB,
        params,
    )
    return {
        "audit_events": events,
        "last_event": last,
        "audit_digest": digest,
        "involvements": involvements,
        "involvement_digest": inv_digest,
    }


def restore(base: Path, archive: Path, root: Path, name: str, target: str | None) -> tuple:
    """A new cluster from the base backup, recovered to ``target`` (or the end of the archive);
    returns it and the seconds from the copy to the promoted server."""
    cluster = Cluster(root, name=name)
    started = time.monotonic()
    pgcluster.run(["cp", "-a", str(base), str(cluster.data)])
    (cluster.data / "recovery.signal").touch()
    settings = {
        "port": str(cluster.port),
        "archive_mode": "off",
        "restore_command": f"'cp {archive}/%f %p'",
        "recovery_target_action": "'promote'",
    }
    if target:
        settings["recovery_target_time"] = f"'{target}'"
    cluster.configure(**settings)
    if os.geteuid() == 0:
        pgcluster.run(["chmod", "700", str(cluster.data)])
    cluster.start(timeout=600)
    while cluster.sql("SELECT pg_is_in_recovery()")[0][0]:
        time.sleep(0.05)
    return cluster, time.monotonic() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--writers", type=int, default=2)
    parser.add_argument("--json", type=Path, default=ROOT / "var" / "drill-pitr.json")
    args = parser.parse_args()
    root = pgcluster.scratch("childindex-pitr-")
    archive = root / "archive"
    archive.mkdir()
    if os.geteuid() == 0:
        shutil.chown(archive, "postgres", "postgres")
    var = root / "var"
    var.mkdir()
    clusters: list[Cluster] = []
    report: dict = {"children": args.children, "write_seconds": args.seconds}
    try:
        primary = Cluster(root, name="primary").initdb(
            archive_mode="on",
            archive_command=f"'test ! -f {archive}/%f && cp %p {archive}/%f'",
            archive_timeout="10",
            track_commit_timestamp="on",
        )
        clusters.append(primary)
        primary.start()
        primary.sql(f"CREATE DATABASE {DB}")
        env = app_env(primary.url(DB), var)
        childindex(env, "migrate", "-v0")
        childindex(env, "audit", "keygen", "--out", env["CHILDINDEX_AUDIT_SIGNING_KEY"])
        started = time.monotonic()
        childindex(env, "generate", "--children", str(args.children), "--seed", "11",
                   "--out", str(var / "county"), "--load")  # fmt: skip
        report["load_seconds"] = round(time.monotonic() - started, 1)
        childindex(env, "audit", "checkpoint")

        base = root / "base"
        started = time.monotonic()
        pgcluster.run([str(pgcluster.BIN / "pg_basebackup"), "-h", "127.0.0.1",
                       "-p", str(primary.port), "-U", "postgres", "-D", str(base),
                       "-X", "stream", "-c", "fast"])  # fmt: skip
        report["base_backup_seconds"] = round(time.monotonic() - started, 1)

        stop, acks, writers = start_writers(root, args.writers, env)
        while not all(p.exists() and p.stat().st_size for p in acks):  # all are writing
            time.sleep(0.2)
        time.sleep(args.seconds / 2)
        [[moment]] = primary.sql("SELECT clock_timestamp()::text")
        childindex(env, "audit", "checkpoint")  # a checkpoint just after the moment too
        time.sleep(args.seconds / 2)
        stop.touch()
        lost_at = time.time()  # the primary and its disk are lost now: the archive as it is
        archive_at_loss = root / "archive-at-loss"
        pgcluster.run(["cp", "-a", str(archive), str(archive_at_loss)])
        for writer in writers:
            out, err = writer.communicate(timeout=args.seconds * 4 + 120)
            if writer.returncode != 0:
                raise RuntimeError(f"writer failed: {err[-1500:]}")
        acked = [json.loads(line) for path in acks for line in path.read_text().splitlines()]
        report["acknowledged_operations"] = len(acked)
        report["restore_target"] = moment
        expected = state(primary, until=moment)
        final = state(primary)

        restored, seconds = restore(base, archive, root, "restored", moment)
        clusters.append(restored)
        got = state(restored)
        report["restore_seconds"] = round(seconds, 2)
        report["expected_at_moment"] = expected
        report["restored"] = got
        report["restored_is_exactly_the_moment"] = got == expected
        report["original_at_end"] = final

        # audit verify on the restored copy, with the checkpoints up to the restored head.
        covered = var / "checkpoints-to-moment"
        covered.mkdir()
        later = 0
        for path in sorted((var / "checkpoints").glob("*.json")):
            if json.loads(path.read_text())["event_id"] <= got["last_event"]:
                shutil.copy(path, covered / path.name)
            else:
                later += 1
        verify_env = app_env(restored.url(DB), var, CHILDINDEX_AUDIT_CHECKPOINT_DIR=str(covered))
        verify = childindex(verify_env, "audit", "verify", check=False)
        report["audit_verify_exit"] = verify.returncode
        report["audit_verify_output"] = (verify.stdout + verify.stderr).strip()[-400:]
        report["later_checkpoints_set_aside"] = later

        # RPO: the archive alone, as it was when the writing stopped (primary and disk lost).
        latest, seconds_latest = restore(base, archive_at_loss, root, "from-archive", None)
        clusters.append(latest)
        have = {row[0] for row in latest.sql("SELECT id FROM records_involvement", DB)}
        missing = [a for a in acked if a["involvement"] not in have]
        last_kept = max((a["t"] for a in acked if a["involvement"] in have), default=None)
        last_write = max(a["t"] for a in acked)
        report["archive_only"] = {
            "restore_seconds": round(seconds_latest, 2),
            "acknowledged_missing": len(missing),
            "rpo_seconds": round(last_write - last_kept, 1) if last_kept else None,
            "lost_after_last_write_seconds": round(lost_at - last_write, 2),
            "archive_timeout_seconds": 10,
        }
        report["passed"] = bool(
            report["restored_is_exactly_the_moment"] and report["audit_verify_exit"] == 0
        )
    finally:
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
