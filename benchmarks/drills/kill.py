"""Kill drills under load (docs/operations.md "Kill drills").

    .venv/bin/python benchmarks/drills/kill.py [--clients 6] [--seconds 20]

1. **A web worker**: ``childindex serve`` (2 workers) on a throw-away cluster, signed-in clients
   logging involvements and searching as fast as they can; one worker is killed with SIGKILL.
   Its requests in flight fail (the connection drops; the master starts a new worker).
   Afterwards: every involvement has its one ``involvement_log`` audit event and no event its
   involvement is missing (both are written in one transaction), and ``audit verify`` passes
   (no half-written event).
2. **db_worker mid-job**: a job that takes a few seconds is queued; the worker is killed with
   SIGKILL half way; a new worker starts; the clock (``childindex monitor``) finds the job
   RUNNING with no worker's lock and queues it again; it runs again, once: two starts, one end,
   status SUCCESSFUL, and another clock run changes nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.cookiejar
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from benchmarks.drills import pgcluster  # noqa: E402
from benchmarks.drills.pgcluster import Cluster  # noqa: E402
from benchmarks.drills.pitr import DB, PYTHON, ROOT, app_env, child_pids, childindex  # noqa: E402
from benchmarks.load.locustfile_helpers import totp  # noqa: E402

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
OPTION = re.compile(r'<option value="(\d+)"')


class Client:
    def __init__(self, base: str, account: dict) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        self.account = account

    def get(self, path: str):
        with self.opener.open(self.base + path, timeout=30) as r:  # noqa: S310
            return r.status, r.geturl(), r.read().decode()

    def post(self, path: str, data: dict, page: str):
        token = CSRF.search(page)
        data = {**data, "csrfmiddlewaretoken": token.group(1) if token else ""}
        body = urllib.parse.urlencode(data).encode()
        with self.opener.open(self.base + path, body, timeout=30) as r:  # noqa: S310
            return r.status, r.geturl(), r.read().decode()

    def sign_in(self) -> None:
        _, _, page = self.get("/sign-in/")
        _, _, page = self.post(
            "/sign-in/",
            {"username": self.account["username"], "password": self.account["password"]},
            page,
        )
        self.post("/sign-in/two-factor/", {"code": totp(self.account["secret"])}, page)


def web_worker_drill(args, root: Path, var: Path, primary: Cluster, env: dict) -> dict:
    subprocess.run(  # noqa: S603
        [PYTHON, str(ROOT / "benchmarks" / "load" / "accounts.py"), "--practitioners",
         str(args.clients), "--index-team", "0", "--auditors", "0",
         "--out", str(var / "accounts.csv"), "--children", str(var / "children.csv")],
        cwd=ROOT, env=env, check=True, capture_output=True,
    )  # fmt: skip
    import csv

    accounts = list(csv.DictReader((var / "accounts.csv").open()))
    children = list(csv.DictReader((var / "children.csv").open()))
    port = pgcluster.free_port()
    serve = subprocess.Popen(  # noqa: S603
        [PYTHON, "-m", "childindex", "serve", "--port", str(port), "--workers", "2",
         "--threads", "2"],
        cwd=ROOT, env=env, stdout=(var / "serve.log").open("w"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    for _ in range(240):
        try:
            if urllib.request.urlopen(base + "/healthz", timeout=2).status == 200:  # noqa: S310
                break
        except OSError:
            time.sleep(0.5)
    [[events_before]] = primary.sql("SELECT coalesce(max(id), 0) FROM audit_auditevent", DB)
    [[involvements_before]] = primary.sql(
        "SELECT coalesce(max(id), 0) FROM records_involvement", DB
    )
    stop = threading.Event()
    outcomes: dict[str, int] = {}
    lock = threading.Lock()

    def note(kind: str) -> None:
        with lock:
            outcomes[kind] = outcomes.get(kind, 0) + 1

    def work(account: dict, seed: int) -> None:
        client = Client(base, account)
        client.sign_in()
        today = dt.date.today()
        n = seed
        while not stop.is_set():
            child = children[n % len(children)]
            n += len(accounts)
            path = f"/children/{child['index_number']}"
            try:
                _, _, page = client.get(f"{path}/purpose/")
                client.post(f"{path}/purpose/", {"purpose": "providing_service"}, page)
                status, _, page = client.get(f"{path}/involvements/new/")
                services = OPTION.findall(page.split('name="service"', 1)[-1].split("</select>")[0])
                if not services:
                    continue
                status, url, _ = client.post(
                    f"{path}/involvements/new/",
                    {"service": services[0], "consent_status": "given",
                     "given_by": "young_person", "scope": "additional_services",
                     "consent_day": today.day, "consent_month": today.month,
                     "consent_year": today.year, "started_day": today.day,
                     "started_month": today.month, "started_year": today.year},
                    page,
                )  # fmt: skip
                note("logged" if "/involvements/new/" not in url else "refused")
            except (urllib.error.URLError, ConnectionError, OSError) as exc:
                note(f"failed: {type(exc).__name__}")

    threads = [
        threading.Thread(target=work, args=(a, i), daemon=True) for i, a in enumerate(accounts)
    ]
    for thread in threads:
        thread.start()
    time.sleep(args.seconds / 2)
    workers = child_pids(serve.pid)
    killed = workers[0]
    os.kill(killed, signal.SIGKILL)
    killed_at = time.time()
    time.sleep(args.seconds / 2)
    stop.set()
    for thread in threads:
        thread.join(timeout=60)
    serving_after = urllib.request.urlopen(base + "/healthz", timeout=10).status  # noqa: S310
    serve.send_signal(signal.SIGTERM)
    serve.wait(timeout=60)
    [[involvements, events]] = primary.sql(
        "SELECT (SELECT count(*) FROM records_involvement WHERE id > %s),"
        " (SELECT count(*) FROM audit_auditevent WHERE id > %s AND action = 'involvement_log')",
        DB,
        (involvements_before, events_before),
    )
    [[unaudited]] = primary.sql(
        "SELECT count(*) FROM records_involvement i WHERE i.id > %s AND NOT EXISTS ("
        " SELECT 1 FROM audit_auditeventchild c JOIN audit_auditevent e ON e.id = c.event_id"
        " JOIN records_child ch ON ch.index_number = c.index_number"
        " WHERE e.id > %s AND e.action = 'involvement_log' AND ch.id = i.child_id)",
        DB,
        (involvements_before, events_before),
    )
    verify = childindex(env, "audit", "verify", "--no-checkpoints", check=False)
    return {
        "clients": len(accounts),
        "killed_worker_pid": killed,
        "outcomes": outcomes,
        "involvements_written": involvements,
        "involvement_log_events": events,
        "involvements_without_their_event": unaudited,
        "served_after_kill": serving_after == 200,
        "audit_verify_exit": verify.returncode,
        "audit_verify_output": (verify.stdout + verify.stderr).strip()[-200:],
        "passed": involvements == events
        and unaudited == 0
        and verify.returncode == 0
        and serving_after == 200
        and killed_at > 0,
    }


def db_worker_drill(root: Path, var: Path, env: dict) -> dict:
    env = {**env, "CHILDINDEX_MODE": "demo", "CHILDINDEX_JOB_CLAIM_GRACE_SECONDS": "3"}
    marker = var / "drill-job.log"
    worker_log = (var / "db_worker.log").open("a")

    def worker() -> subprocess.Popen:
        return subprocess.Popen(  # noqa: S603
            [PYTHON, "-m", "childindex", "db_worker", "--no-reload", "--interval", "0.5"],
            cwd=ROOT, env=env, stdout=worker_log, stderr=subprocess.STDOUT,
        )  # fmt: skip

    first = worker()
    enqueue = (
        "import django; django.setup();"
        "from benchmarks.drills.drill_tasks import drill_job;"
        f"print(drill_job.enqueue({str(marker)!r}, 8).id)"
    )
    job_id = subprocess.run(  # noqa: S603
        [PYTHON, "-c", enqueue], cwd=ROOT, capture_output=True, text=True, check=True,
        env={**env, "DJANGO_SETTINGS_MODULE": "childindex.config.settings"},
    ).stdout.strip().splitlines()[-1]  # fmt: skip
    deadline = time.monotonic() + 120
    while not (marker.exists() and "start" in marker.read_text()):
        assert time.monotonic() < deadline, "the job never started"
        time.sleep(0.2)
    time.sleep(2)
    first.send_signal(signal.SIGKILL)
    first.wait()
    second = worker()
    time.sleep(4)  # past the claim grace
    clock = childindex(env, "monitor", check=False)
    deadline = time.monotonic() + 120
    while "end" not in marker.read_text():
        assert time.monotonic() < deadline, "the job was not run again"
        time.sleep(0.3)
    time.sleep(1)
    again = childindex(env, "monitor", check=False)
    time.sleep(3)
    second.send_signal(signal.SIGTERM)
    second.wait(timeout=60)
    lines = marker.read_text().split()
    starts, ends = lines[0::2].count("start"), lines[0::2].count("end")
    status = subprocess.run(  # noqa: S603
        [PYTHON, "-c", "import django; django.setup();"
         "from django_tasks_db.models import DBTaskResult as R;"
         f"r = R.objects.get(id={job_id!r}); print(r.status, len(r.worker_ids))"],
        cwd=ROOT, capture_output=True, text=True, check=True,
        env={**env, "DJANGO_SETTINGS_MODULE": "childindex.config.settings"},
    ).stdout.split()  # fmt: skip
    return {
        "job": job_id,
        "starts": starts,
        "ends": ends,
        "final_status": status[0],
        "workers_that_claimed_it": int(status[1]),
        "clock_said": clock.stdout.strip().splitlines()[:1],
        "second_clock_requeued": "queued again" in again.stdout,
        "passed": starts == 2
        and ends == 1
        and status[0] == "SUCCESSFUL"
        and "queued again" not in again.stdout,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=6)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--children", type=int, default=1000)
    parser.add_argument("--json", type=Path, default=ROOT / "var" / "drill-kill.json")
    args = parser.parse_args()
    root = pgcluster.scratch("childindex-kill-")
    var = root / "var"
    var.mkdir()
    primary = Cluster(root, name="primary").initdb()
    report: dict = {}
    try:
        primary.start()
        primary.sql(f"CREATE DATABASE {DB}")
        env = app_env(primary.url(DB), var)
        childindex(env, "migrate", "-v0")
        childindex(env, "audit", "keygen", "--out", env["CHILDINDEX_AUDIT_SIGNING_KEY"])
        childindex(env, "generate", "--children", str(args.children), "--seed", "13",
                   "--out", str(var / "county"), "--load")  # fmt: skip
        childindex(env, "audit", "checkpoint")
        report["web_worker"] = web_worker_drill(args, root, var, primary, env)
        report["db_worker"] = db_worker_drill(root, var, env)
    finally:
        primary.stop("immediate")
        pgcluster.remove(root)
    report["passed"] = all(part.get("passed") for part in report.values())
    report["at"] = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=1))
    print(json.dumps(report, indent=1))
    return 0 if report["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
