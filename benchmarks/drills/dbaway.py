"""The database goes away under load, as a drill (docs/operations.md "The database goes away").

    .venv/bin/python benchmarks/drills/dbaway.py [--clients 6] [--before 10] [--down 15] \
        [--after 15]

1. A throw-away cluster on a loopback port (``pgcluster``: ``initdb`` in a temporary folder,
   never the machine's server), migrated, with a small synthetic county and one account per
   client (``benchmarks/load/accounts.py``).
2. ``childindex serve`` (2 workers x 2 threads) and signed-in clients working as fast as they
   can: search, open a record with a purpose; a probe asks ``/healthz`` and ``/readyz`` twice a
   second.
3. After ``--before`` seconds the server is stopped at once (``pg_ctl stop -m immediate``: every
   connection drops, as in a crash or a network cut), kept away ``--down`` seconds and started
   again. The web server is not touched.
4. It checks: while the database is away every page is a 503 "Sorry, the service is
   unavailable" (never a 500, never a traceback in the server's log, every log line JSON),
   ``/healthz`` stays 200 and ``/readyz`` is 503; afterwards the same signed-in sessions are
   served again without a restart (the same gunicorn master and workers), and the time from
   the database's return to the first record page and to ``/readyz`` 200 is measured; every
   record page served (200) has its one ``record_view`` audit event and no more.

Prints a JSON summary (and writes it to ``--json``); exit 0 when every check passed.
Ports come from ``CHILDINDEX_DRILL_PORTS`` (pgcluster).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from benchmarks.drills import pgcluster  # noqa: E402
from benchmarks.drills.kill import Client  # noqa: E402
from benchmarks.drills.pgcluster import Cluster  # noqa: E402
from benchmarks.drills.pitr import DB, PYTHON, ROOT, app_env, child_pids, childindex  # noqa: E402

UNAVAILABLE = "Sorry, the service is unavailable"
RESULT = "/children/"


def _status(client: Client, method: str, path: str, data=None, page: str = ""):
    """(status, url, body) of one request; an HTTP error status is an answer too."""
    try:
        if method == "GET":
            return client.get(path)
        return client.post(path, data, page)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.geturl(), exc.read().decode(errors="replace")


class Log:
    def __init__(self) -> None:
        self.rows: list[tuple[float, str, int | str, bool]] = []
        self.lock = threading.Lock()

    def add(self, kind: str, status: int | str, unavailable_page: bool = False) -> None:
        with self.lock:
            self.rows.append((time.time(), kind, status, unavailable_page))


def _probe(base: str, log: Log, stop: threading.Event) -> None:
    while not stop.is_set():
        for path in ("/healthz", "/readyz"):
            try:
                with urllib.request.urlopen(base + path, timeout=10) as r:  # noqa: S310
                    log.add(path, r.status)
            except urllib.error.HTTPError as exc:
                log.add(path, exc.code)
            except OSError as exc:
                log.add(path, type(exc).__name__)
        time.sleep(0.5)


def _work(base: str, account: dict, children: list[dict], seed: int, log: Log, stop) -> None:
    client = Client(base, account)
    client.sign_in()
    n = seed
    while not stop.is_set():
        child = children[n % len(children)]
        n += 7
        path = f"/children/{child['index_number']}/purpose/"
        try:
            status, _, page = _status(client, "GET", path)
            log.add("purpose", status, UNAVAILABLE in page)
            if status != 200:
                time.sleep(0.2)
                continue
            form = {"purpose": "providing_service"}
            status, url, page = _status(client, "POST", path, form, page)
            if status == 200 and "/purpose/" not in url and "/sign-in/" not in url:
                log.add("record", 200)
            else:
                log.add("record", status if status != 200 else f"200 at {url[len(base) :]}",
                        UNAVAILABLE in page)  # fmt: skip
        except OSError as exc:  # the connection itself failed (not an answer)
            log.add("purpose", type(exc).__name__)
            time.sleep(0.2)


def _first(log: Log, kind: str, status, after: float) -> float | None:
    times = [t for t, k, s, _ in log.rows if k == kind and s == status and t >= after]
    return min(times) if times else None


def drill(args, root: Path, var: Path, cluster: Cluster, env: dict) -> dict:
    subprocess.run(  # noqa: S603
        [PYTHON, str(ROOT / "benchmarks" / "load" / "accounts.py"), "--practitioners",
         str(args.clients), "--index-team", "0", "--auditors", "0",
         "--out", str(var / "accounts.csv"), "--children", str(var / "children.csv")],
        cwd=ROOT, env=env, check=True, capture_output=True,
    )  # fmt: skip
    accounts = list(csv.DictReader((var / "accounts.csv").open()))
    children = list(csv.DictReader((var / "children.csv").open()))
    port = pgcluster.free_port()
    serve_log = var / "serve.log"
    serve = subprocess.Popen(  # noqa: S603
        [PYTHON, "-m", "childindex", "serve", "--port", str(port), "--workers", "2",
         "--threads", "2"],
        cwd=ROOT, env=env, stdout=serve_log.open("w"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    for _ in range(240):
        try:
            if urllib.request.urlopen(base + "/healthz", timeout=2).status == 200:  # noqa: S310
                break
        except OSError:
            time.sleep(0.5)
    [[events_before]] = cluster.sql("SELECT coalesce(max(id), 0) FROM audit_auditevent", DB)
    workers_before = sorted(child_pids(serve.pid))
    log, stop = Log(), threading.Event()
    threads = [threading.Thread(target=_probe, args=(base, log, stop), daemon=True)] + [
        threading.Thread(target=_work, args=(base, a, children, i, log, stop), daemon=True)
        for i, a in enumerate(accounts)
    ]
    for thread in threads:
        thread.start()
    time.sleep(args.before)
    away = time.time()  # from the moment the stop is asked for
    cluster.stop("immediate")
    time.sleep(args.down)
    cluster.start()
    back = time.time()
    time.sleep(args.after)
    stop.set()
    for thread in threads:
        thread.join(timeout=60)
    workers_after = sorted(child_pids(serve.pid))
    served_by_same_master = serve.poll() is None
    serve.send_signal(signal.SIGTERM)
    serve.wait(timeout=60)
    [[events]] = cluster.sql(
        "SELECT count(*) FROM audit_auditevent WHERE id > %s AND action = 'record_view'",
        DB,
        (events_before,),
    )
    lines = serve_log.read_text().splitlines()
    not_json = []
    for line in lines:
        try:
            json.loads(line)
        except ValueError:
            not_json.append(line[:200])
    tracebacks = [line[:200] for line in lines if "Traceback" in line or 'File "' in line]
    during = [r for r in log.rows if away + 0.5 <= r[0] <= back]  # after the drop had landed
    page_kinds = ("purpose", "record")
    during_pages = Counter(str(s) for _, k, s, _ in during if k in page_kinds)
    during_503_pages = sum(1 for _, k, s, u in during if k in page_kinds and s == 503 and u)
    during_500 = sum(1 for _, k, s, _ in log.rows if s == 500)
    healthz_during = Counter(str(s) for _, k, s, _ in during if k == "/healthz")
    readyz_during = Counter(str(s) for _, k, s, _ in during if k == "/readyz")
    first_record = _first(log, "record", 200, back)
    first_ready = _first(log, "/readyz", 200, back)
    records_served = sum(1 for _, k, s, _ in log.rows if k == "record" and s == 200)
    before_pages = Counter(str(s) for t, k, s, _ in log.rows if k in page_kinds and t < away)
    after_pages = Counter(
        str(s) for t, k, s, _ in log.rows if k in page_kinds and t > (first_record or back)
    )
    report = {
        "clients": len(accounts),
        "seconds": {"before": args.before, "down": args.down, "after": args.after},
        "pages_before": dict(before_pages),
        "pages_while_away": dict(during_pages),
        "unavailable_pages_503_while_away": during_503_pages,
        "healthz_while_away": dict(healthz_during),
        "readyz_while_away": dict(readyz_during),
        "pages_after_recovery": dict(after_pages),
        "answers_500": during_500,
        "seconds_to_first_record_page_after_database_back": (
            round(first_record - back, 2) if first_record else None
        ),
        "seconds_to_readyz_200_after_database_back": (
            round(first_ready - back, 2) if first_ready else None
        ),
        "web_server_restarted": not served_by_same_master,
        "workers_before_after": [workers_before, workers_after],
        "server_log_lines": len(lines),
        "server_log_lines_not_json": not_json[:5],
        "server_log_tracebacks": tracebacks[:5],
        "database_unavailable_log_lines": sum("database unavailable" in ln for ln in lines),
        "record_pages_served": records_served,
        "record_view_events": events,
    }
    report["passed"] = bool(
        during_pages
        and during_503_pages == sum(during_pages.values())
        and set(healthz_during) == {"200"}
        and set(readyz_during) == {"503"}
        and during_500 == 0
        and not tracebacks
        and not not_json
        and first_record is not None
        and first_ready is not None
        and served_by_same_master
        and workers_before == workers_after
        and records_served == events
        and after_pages.get("200", 0) > 0
        and set(after_pages) == {"200"}
    )
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=6)
    parser.add_argument("--before", type=float, default=10)
    parser.add_argument("--down", type=float, default=15)
    parser.add_argument("--after", type=float, default=15)
    parser.add_argument("--children", type=int, default=1000)
    parser.add_argument("--json", type=Path, default=ROOT / "var" / "drill-dbaway.json")
    args = parser.parse_args()
    root = pgcluster.scratch("childindex-dbaway-")
    var = root / "var"
    var.mkdir()
    cluster = Cluster(root, name="primary").initdb()
    try:
        cluster.start()
        cluster.sql(f"CREATE DATABASE {DB}")
        env = app_env(cluster.url(DB), var)
        childindex(env, "migrate", "-v0")
        childindex(env, "audit", "keygen", "--out", env["CHILDINDEX_AUDIT_SIGNING_KEY"])
        childindex(env, "generate", "--children", str(args.children), "--seed", "17",
                   "--out", str(var / "county"), "--load")  # fmt: skip
        childindex(env, "audit", "checkpoint")
        report = drill(args, root, var, cluster, env)
    finally:
        cluster.stop("immediate")
        pgcluster.remove(root)
    report["at"] = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=1))
    print(json.dumps(report, indent=1))
    return 0 if report["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
