"""The load test's simulated people (Locust), against `childindex serve`.

    benchmarks/load/run            (one command: see its header; results in docs/performance.md)

Every simulated user signs in as a person does (password, then a fresh two-factor code from
their own authenticator secret, RFC 6238) with an account of their own
(``benchmarks/load/accounts.py``), then works with a think time between actions:

- practitioners (weight 4): search for a child by name and date of birth (``search``), open
  the record with a purpose (``record``), now and then log their involvement (``involvement``)
  when the record offers it, as a person does: a shielded record's page has no "Log your
  involvement" button (the form would refuse, 403: "This record is shielded");
- index teams (1): open the review queue (``review queue``) and an item in it (``review item``),
  and decide some of them (``review decision``, ``LOAD_REVIEW_DECIDE``, 0.6 of the items opened):
  link the item to its first candidate, or leave it unlinked (not the same child); an item with
  no candidate becomes a new child, or is left. An item a colleague decided meanwhile is
  answered "already decided" (counted apart: the right answer, no change);
- auditors (1): who accessed a child (``audit child``).

Each operation that the index audits is counted by kind (``operations.json`` at the end), so
the run's audit events can be counted against it afterwards. Every request is written to
``requests.csv`` (time, name, milliseconds, failed, users then) so that the summary can give the
p95 of each step of users. With ``LOAD_STEPS`` (``50,100,200``) the users are held at each step
for ``LOAD_STEP_SECONDS`` once reached, then at ``LOAD_USERS`` for ``LOAD_SECONDS`` (the target
phase), spawned at ``LOAD_SPAWN_RATE`` a second.
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import json
import os
import random
import re
import threading
import time
from collections import Counter
from pathlib import Path

from locust import HttpUser, LoadTestShape, between, events, task
from locustfile_helpers import totp  # the same directory

HERE = Path(__file__).resolve().parent
VAR = Path(os.environ.get("LOAD_VAR", HERE.parents[1] / "var" / "load"))
THINK = between(
    float(os.environ.get("LOAD_THINK_MIN", "5")), float(os.environ.get("LOAD_THINK_MAX", "20"))
)

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
RESULT = re.compile(r'href="/children/(\d+)/purpose/"')
SERVICE = re.compile(r'<select[^>]*name="service".*?</select>', re.S)
OPTION = re.compile(r'<option value="(\d+)"')
NOT_IN_LA = "There is no child with that index number in your LA"
REVIEW = re.compile(r'href="/index-team/review/(\d+)/"')
LOG_BUTTON = re.compile(r'href="/children/\d+/involvements/new/"')
CANDIDATE = re.compile(r'name="child" type="radio" value="(\d+)"')
# a colleague's decision came first: the item page says who decided (or the form's error)
ALREADY_DECIDED = re.compile(r"already been decided|>Decided: ")
DECIDE = float(os.environ.get("LOAD_REVIEW_DECIDE", "0.6"))

_accounts = {role: [] for role in ("practitioner", "index_team", "auditor")}
with (VAR / "accounts.csv").open() as handle:
    for row in csv.DictReader(handle):
        _accounts[row["role"]].append(row)
_iterators = {role: itertools.cycle(rows) for role, rows in _accounts.items()}
_lock = threading.Lock()
with (VAR / "children.csv").open() as handle:
    CHILDREN = list(csv.DictReader(handle))
OPERATIONS: Counter = Counter()
REQUESTS: list[tuple[float, str, float, int, int]] = []
_runner = None


@events.init.add_listener
def _keep_runner(environment, **kwargs) -> None:
    global _runner
    _runner = environment.runner


@events.request.add_listener
def _record(request_type, name, response_time, response_length, exception=None, **kwargs) -> None:
    users = _runner.user_count if _runner is not None else 0
    REQUESTS.append((time.time(), name, response_time, int(exception is not None), users))


def _token(response) -> str:
    match = CSRF.search(response.text)
    return match.group(1) if match else ""


class Person(HttpUser):
    abstract = True
    role = ""
    wait_time = THINK

    def on_start(self) -> None:
        with _lock:
            self.account = next(_iterators[self.role])
        self.signed_in = False
        self.sign_in()

    def sign_in(self) -> bool:
        """Password, then a fresh code, as a person does. A step that got no answer (a dropped
        connection, a timeout: Locust records that failure) ends the attempt, and the next
        task signs in again, as a person would: no form is ever posted without its token."""
        page = self.client.get("/sign-in/", name="sign-in")
        if not _token(page):
            return False
        response = self.client.post(
            "/sign-in/",
            {"username": self.account["username"], "password": self.account["password"],
             "csrfmiddlewaretoken": _token(page)},
            name="sign-in",
        )  # fmt: skip
        if not _token(response):
            return False
        response = self.client.post(
            "/sign-in/two-factor/",
            {"code": totp(self.account["secret"]), "csrfmiddlewaretoken": _token(response)},
            name="two-factor",
        )
        if response.status_code == 200 and "/sign-in/" in (response.url or ""):
            # The code of this 30 s step was used already (by this account): the next one.
            time.sleep(31 - time.time() % 30)
            page = self.client.get("/sign-in/two-factor/", name="two-factor")
            if not _token(page):
                return False
            response = self.client.post(
                "/sign-in/two-factor/",
                {"code": totp(self.account["secret"]), "csrfmiddlewaretoken": _token(page)},
                name="two-factor",
            )
        self.signed_in = response.status_code == 200 and "/sign-in/" not in (response.url or "")
        return self.signed_in

    def ready(self) -> bool:
        return self.signed_in or self.sign_in()

    def form(self, path: str, name: str):
        """A form page and its token, or None: no answer (a failure Locust recorded) or an
        answer that is not the form (signed out: a failure, and the next task signs in)."""
        with self.client.get(path, name=name, catch_response=True) as page:
            if page.status_code != 200:
                page.failure(f"{name} answered {page.status_code}")
                return None
            if "/sign-in/" in (page.url or "") or not _token(page):
                page.failure(f"{name} answered at {page.url}")
                self.signed_in = False
                return None
            return page

    def count(self, kind: str) -> None:
        OPERATIONS[kind] += 1


class Practitioner(Person):
    role = "practitioner"
    weight = 4

    @task(6)
    def search_and_open(self) -> None:
        if not self.ready():
            return
        child = random.choice(CHILDREN)
        page = self.form("/search/", "search form")
        if page is None:
            return
        with self.client.post(
            "/search/",
            {"name": f"{child['given']} {child['family']}", "dob_day": child["day"],
             "dob_month": child["month"], "dob_year": child["year"],
             "csrfmiddlewaretoken": _token(page)},
            name="search", catch_response=True,
        ) as response:  # fmt: skip
            # post/redirect/get: the answer is the results page
            if response.status_code != 200 or not (response.url or "").endswith("/search/results/"):
                response.failure(f"search answered {response.status_code} at {response.url}")
                return
            self.count("search")
            found = RESULT.findall(response.text)
        if not found:
            return
        self.wait()  # reading the list
        index_number = found[0]
        page = self.form(f"/children/{index_number}/purpose/", "purpose")
        if page is None:
            return
        with self.client.post(
            f"/children/{index_number}/purpose/",
            {"purpose": random.choice(["referral", "welfare_concern", "providing_service"]),
             "csrfmiddlewaretoken": _token(page)},
            name="record", catch_response=True,
        ) as response:  # fmt: skip
            if response.status_code != 200 or "/children/" not in (response.url or ""):
                response.failure(f"record answered {response.status_code}")
                return
            self.count("record_view")
            # a shielded record's page offers no "Log your involvement": a person cannot log
            offered = bool(LOG_BUTTON.search(response.text))
            if not offered:
                self.count("record_without_log_button")
        self.index_number = index_number if offered else None

    @task(1)
    def log_involvement(self) -> None:
        index_number = getattr(self, "index_number", None)
        if not index_number or not self.ready():
            return
        page = self.form(f"/children/{index_number}/involvements/new/", "involvement form")
        if page is None:
            return
        select = SERVICE.search(page.text)
        services = OPTION.findall(select.group(0)) if select else []
        if page.status_code != 200 or not services:
            return
        today = dt.date.today()
        with self.client.post(
            f"/children/{index_number}/involvements/new/",
            {"service": random.choice(services), "consent_status": "given",
             "given_by": "young_person", "scope": "additional_services",
             "consent_day": today.day, "consent_month": today.month, "consent_year": today.year,
             "started_day": today.day, "started_month": today.month, "started_year": today.year,
             "csrfmiddlewaretoken": _token(page)},
            name="involvement", catch_response=True,
        ) as response:  # fmt: skip
            if response.status_code != 200:
                response.failure(f"involvement answered {response.status_code}")
            elif "/involvements/new/" in (response.url or ""):
                response.success()  # refused with a reason (already involved): no change
                self.count("involvement_refused")
            else:
                self.count("involvement_log")
                # ... and the record page it redirects to, read again (its own record view)
                if "/children/" in (response.url or ""):
                    self.count("record_view")


class IndexTeam(Person):
    role = "index_team"
    weight = 1

    @task
    def review(self) -> None:
        if not self.ready():
            return
        with self.client.get("/index-team/review/", name="review queue", catch_response=True) as r:
            if r.status_code != 200 or not (r.url or "").endswith("/index-team/review/"):
                r.failure(f"review queue answered {r.status_code} at {r.url}")
                return
            self.count("review_queue")
            items = REVIEW.findall(r.text)
        if not items:
            self.count("review_queue_empty")
            return
        self.wait()  # reading the queue
        pk = random.choice(items)
        with self.client.get(
            f"/index-team/review/{pk}/", name="review item", catch_response=True
        ) as r:
            if r.status_code != 200 or "/index-team/review/" not in (r.url or ""):
                r.failure(f"review item answered {r.status_code} at {r.url}")
                return
            self.count("review_item")
            token, candidates = _token(r), CANDIDATE.findall(r.text)
            still_open = 'name="decision"' in r.text  # the decision form
        if not still_open:  # decided by a colleague since the queue was read: nothing to do
            self.count("review_already_decided")
            return
        if random.random() >= DECIDE:
            return  # left for later (or for a colleague)
        self.wait()  # comparing the record with its candidates
        if candidates and random.random() < 0.8:
            reason = random.choice(["keying_error", "known_change", "confirmed_with_source"])
            data = {"decision": "link", "child": candidates[0], "reason": reason}
        elif candidates:
            data = {"decision": "not_same", "reason": "different_child"}
        elif random.random() < 0.7:
            data = {"decision": "create", "reason": "new_to_index"}
        else:
            data = {"decision": "not_same", "reason": "not_this_la"}
        with self.client.post(
            f"/index-team/review/{pk}/", {**data, "csrfmiddlewaretoken": token},
            name="review decision", catch_response=True,
        ) as r:  # fmt: skip
            # decided: redirected to the queue; a colleague's decision first: the item again
            if r.status_code == 200 and (r.url or "").endswith("/index-team/review/"):
                self.count("review_decide")
                self.count(f"review_decide_{data['decision']}")
            elif r.status_code == 200 and ALREADY_DECIDED.search(r.text):
                r.success()
                self.count("review_decide_already_decided")
            else:
                r.failure(f"review decision answered {r.status_code} at {r.url}")


class Auditor(Person):
    role = "auditor"
    weight = 1

    @task
    def child_history(self) -> None:
        if not self.ready():
            return
        child = random.choice(CHILDREN)
        with self.client.get(
            "/audit/child/", params={"index_number": child["index_number"]},
            name="audit child", catch_response=True,
        ) as r:  # fmt: skip
            if r.status_code != 200 or "/audit/child/" not in (r.url or ""):
                r.failure(f"audit child answered {r.status_code} at {r.url}")
            elif NOT_IN_LA in r.text:
                # the child left the LA's part of the index since the list was drawn (the
                # clock's lifecycle run purges): answered, and not an audit read
                self.count("audit_child_not_in_la")
            else:
                self.count("audit_child")


if os.environ.get("LOAD_STEPS"):
    _HOLD = float(os.environ.get("LOAD_STEP_SECONDS", "60"))
    _PLAN = [(int(n), _HOLD) for n in os.environ["LOAD_STEPS"].split(",")] + [
        (int(os.environ.get("LOAD_USERS", "500")), float(os.environ.get("LOAD_SECONDS", "300")))
    ]

    class Steps(LoadTestShape):
        """Each step's users held for LOAD_STEP_SECONDS once spawned, then the target phase."""

        rate = float(os.environ.get("LOAD_SPAWN_RATE", "2"))
        plan = _PLAN

        def __init__(self) -> None:
            super().__init__()
            self.ends = []
            end, users = 0.0, 0
            for n, hold in self.plan:
                end += abs(n - users) / self.rate + hold
                self.ends.append(end)
                users = n

        def tick(self):
            elapsed = self.get_run_time()
            for (n, _), end in zip(self.plan, self.ends, strict=True):
                if elapsed < end:
                    return n, self.rate
            return None


@events.quitting.add_listener
def _write_operations(environment, **kwargs) -> None:
    (VAR / "operations.json").write_text(json.dumps(dict(OPERATIONS), indent=1))
    with (VAR / "requests.csv").open("w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(("at", "name", "ms", "failed", "users"))
        out.writerows(REQUESTS)
