"""CPU per operation of the load test's people, measured in one process (issue 16).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/COPY CHILDINDEX_MODE=demo \\
      CHILDINDEX_VAR_DIR=DIR .venv/bin/python benchmarks/load/cpu_per_request.py \\
      --accounts var/load/accounts.csv --children var/load/children.csv [--rounds 40] [--profile OP]

The same operations as ``locustfile.py`` (sign-in with password and code; search; purpose and
record; review queue; review item; who accessed a child), through Django's test client, with
the same forms and tokens: the whole middleware stack, the views, the templates, the audit
appends and the database, without HTTP. For each operation: the application's CPU (this
process, ``time.process_time``) and PostgreSQL's (the CPU of this connection's backend,
``/proc``, so PostgreSQL must run on this machine), medians over ``--rounds``, after a warm-up.
CPU seconds, unlike a load test's p95, hardly move when the machine is shared, so old and new
code can be compared on a busy machine (run both with the same copy of the database).
Run it on a copy of a prepared load-test database: it writes audit events and review decisions
are not made (items are opened only).
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import json
import os
import pstats
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "childindex.config.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from locustfile_helpers import totp  # noqa: E402

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
RESULT = re.compile(r'href="/children/(\d+)/purpose/"')
REVIEW = re.compile(r'href="/index-team/review/(\d+)/"')
HZ = os.sysconf("SC_CLK_TCK")


def _token(response) -> str:
    match = CSRF.search(response.content.decode())
    assert match, f"no form token in the answer ({response.status_code})"
    return match.group(1)


def _backend_cpu() -> float:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / HZ


class _State:
    def __init__(self) -> None:
        self.n, self.searches = 0, 0
        self.found: list[str] = []


class Person:
    def __init__(self, account: dict[str, str]) -> None:
        self.account = account
        self.client = Client(enforce_csrf_checks=True)

    def sign_in(self) -> None:
        page = self.client.get("/sign-in/")
        response = self.client.post(
            "/sign-in/",
            {"username": self.account["username"], "password": self.account["password"],
             "csrfmiddlewaretoken": _token(page)},
            follow=True,
        )  # fmt: skip
        response = self.client.post(
            "/sign-in/two-factor/",
            {"code": totp(self.account["secret"]), "csrfmiddlewaretoken": _token(response)},
            follow=True,
        )
        assert response.status_code == 200 and "/sign-in/" not in response.request["PATH_INFO"]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=Path, required=True)
    parser.add_argument("--children", type=Path, required=True)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--warm-up", type=int, default=5)
    parser.add_argument("--profile", default="", help="an operation to run under cProfile")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--queries", action="store_true", help="print each operation's SQL once")
    args = parser.parse_args()
    accounts: dict[str, list[dict[str, str]]] = {}
    with args.accounts.open() as handle:
        for row in csv.DictReader(handle):
            accounts.setdefault(row["role"], []).append(row)
    with args.children.open() as handle:
        children = list(csv.DictReader(handle))

    # Each practitioner searches 20 times, then the next one signs in (outside the measured
    # time): the per-user search limit (30 a minute) would refuse the 31st.
    practitioners = iter(accounts["practitioner"][: len(accounts["practitioner"]) // 2])
    spare = iter(accounts["practitioner"][len(accounts["practitioner"]) // 2 :])
    index_team = Person(accounts["index_team"][0])
    auditor = Person(accounts["auditor"][0])
    for person in (index_team, auditor):
        person.sign_in()
    state = _State()
    signed_in: list[Person] = []

    def rotate() -> None:
        if not signed_in or state.searches >= 20:
            signed_in[:] = [Person(next(practitioners))]
            signed_in[0].sign_in()
            state.searches = 0

    class _Practitioner:
        @property
        def client(self) -> Client:
            return signed_in[0].client

    practitioner = _Practitioner()

    def child() -> dict[str, str]:
        state.n += 1
        return children[state.n % len(children)]

    def search() -> None:
        state.searches += 1
        c = child()
        page = practitioner.client.get("/search/")
        response = practitioner.client.post(
            "/search/",
            {"name": f"{c['given']} {c['family']}", "dob_day": c["day"],
             "dob_month": c["month"], "dob_year": c["year"],
             "csrfmiddlewaretoken": _token(page)},
            follow=True,
        )  # fmt: skip
        assert response.request["PATH_INFO"] == "/search/results/", response.status_code
        state.found = RESULT.findall(response.content.decode())

    def record() -> None:
        number = (state.found or [child()["index_number"]])[0]
        page = practitioner.client.get(f"/children/{number}/purpose/")
        response = practitioner.client.post(
            f"/children/{number}/purpose/",
            {"purpose": "referral", "csrfmiddlewaretoken": _token(page)},
            follow=True,
        )
        assert response.status_code == 200 and "/children/" in response.request["PATH_INFO"]

    items: list[str] = []

    def review_queue() -> None:
        response = index_team.client.get("/index-team/review/")
        assert response.status_code == 200
        items[:] = REVIEW.findall(response.content.decode())

    def review_item() -> None:
        if not items:
            review_queue()
        state.n += 1
        response = index_team.client.get(f"/index-team/review/{items[state.n % len(items)]}/")
        assert response.status_code == 200

    def audit_child() -> None:
        response = auditor.client.get("/audit/child/", {"index_number": child()["index_number"]})
        assert response.status_code == 200

    def sign_in() -> None:
        Person(next(spare)).sign_in()

    operations = {
        "search": search,
        "record": record,
        "review queue": review_queue,
        "review item": review_item,
        "audit child": audit_child,
        "sign-in": sign_in,
    }
    results = {}
    for name, operation in operations.items():
        rounds = min(args.rounds, 10) if name == "sign-in" else args.rounds
        for _ in range(args.warm_up if name != "sign-in" else 1):
            rotate()
            operation()
        app: list[float] = []
        db: list[float] = []
        wall: list[float] = []
        profile = cProfile.Profile(time.process_time) if name == args.profile else None
        for _ in range(rounds):
            rotate()
            if name == "record":
                search()  # a record is opened from a search's results
            if args.queries and not app:
                from django.test.utils import CaptureQueriesContext

                with CaptureQueriesContext(connection) as queries:
                    operation()
                print(f"--- {name}: {len(queries)} queries")
                for q in queries:
                    print(f"  {q['time']}  {q['sql'][: int(os.environ.get('SQL_CHARS', '300'))]}")
            pg0, t0, w0 = _backend_cpu(), time.process_time(), time.perf_counter()
            if profile:
                profile.enable()
            operation()
            if profile:
                profile.disable()
            w1, t1, pg1 = time.perf_counter(), time.process_time(), _backend_cpu()
            app.append(t1 - t0)
            db.append(pg1 - pg0)
            wall.append(w1 - w0)
        results[name] = {
            "app_ms": round(statistics.median(app) * 1000, 1),
            "app_mean_ms": round(statistics.mean(app) * 1000, 1),
            "db_mean_ms": round(statistics.mean(db) * 1000, 1),
            "wall_ms": round(statistics.median(wall) * 1000, 1),
            "rounds": rounds,
        }
        got = results[name]
        print(
            f"{name:14} app {got['app_ms']:7.1f} ms (mean {got['app_mean_ms']:.1f})"
            f"  db {got['db_mean_ms']:6.1f} ms  wall {got['wall_ms']:7.1f} ms",
            flush=True,
        )
        if profile:
            stats = pstats.Stats(profile).sort_stats("cumulative")
            stats.print_stats(60)
            pstats.Stats(profile).sort_stats("tottime").print_stats(40)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
