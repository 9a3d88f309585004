"""Run by tests/test_replica_routing.py in its own process, against a primary and a real streaming
standby: DATABASE_URL (primary), DATABASE_REPLICA_URLS (standby), PROBE_STANDBY_ROOT/PORT.

Drives the web pages through Django's test client and records which database alias ran each
statement; prints one JSON object of findings for the test to judge."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import sys
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "childindex.config.settings")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import django  # noqa: E402

django.setup()

from django.test.utils import setup_test_environment  # noqa: E402

setup_test_environment()  # responses carry their template context

from django.conf import settings  # noqa: E402
from django.db import connections  # noqa: E402
from django.test import Client  # noqa: E402

from benchmarks.drills.pgcluster import Cluster  # noqa: E402
from childindex.access import agreement  # noqa: E402
from childindex.access.demo import create_demo_users  # noqa: E402
from childindex.access.models import User  # noqa: E402
from childindex.access.testing import sign_in_verified  # noqa: E402
from childindex.core import routers  # noqa: E402
from childindex.directory.models import LocalAuthority  # noqa: E402
from childindex.records.models import ChildName, Involvement  # noqa: E402
from childindex.records.services import practitioner_services  # noqa: E402
from childindex.reports.counts import counts_refresh  # noqa: E402

ALIASES = ["default", *settings.REPLICA_DATABASES]
findings: dict = {}


@contextmanager
def recording():
    """(alias, statement's first words) of every statement run inside."""
    seen: list[tuple[str, str]] = []

    def wrapper_for(alias):
        def wrapper(execute, sql, params, many, context):
            seen.append((alias, " ".join(sql.split())))
            return execute(sql, params, many, context)

        return wrapper

    with ExitStack() as stack:
        for alias in ALIASES:
            stack.enter_context(connections[alias].execute_wrapper(wrapper_for(alias)))
        yield seen


def where(seen, needle: str) -> set[str]:
    return {alias for alias, sql in seen if needle in sql}


def standby_caught_up() -> None:
    primary = Cluster(Path("/"), port=int(os.environ["PROBE_PRIMARY_PORT"]))
    standby().wait_caught_up(primary)


def standby() -> Cluster:
    root = Path(os.environ["PROBE_STANDBY_ROOT"])
    return Cluster(root, port=int(os.environ["PROBE_STANDBY_PORT"]), name="standby")


la = LocalAuthority.objects.order_by("pk").first()
create_demo_users(la)
pat = User.objects.get(username__startswith="demo-practitioner-")
other = User.objects.get(username__startswith="demo-child-protection-")
for account in (pat, other):  # the user agreement, as at their first sign-in
    agreement.accept(user=account)
own = {service.pk for service in practitioner_services(pat)}
name = next(  # a child this practitioner's services are not all involved with yet
    n
    for n in ChildName.objects.filter(kind="current").select_related("child").order_by("pk")
    if not own <= set(Involvement.objects.filter(child=n.child).values_list("service_id", flat=1))
)
child = name.child
team = User.objects.get(username__startswith="demo-index-team-")
operator = User.objects.get(username__startswith="demo-national-operator-")
for account in (team, operator):
    agreement.accept(user=account)
counts_refresh(la.pk)  # the clock's stored counts, so that a report view writes nothing else
standby_caught_up()
routers.health.forget()

search_url = "/search/"


def shown(response) -> str:
    """The page as text, identifiers ungrouped (index numbers are displayed 4-4-3)."""
    return re.sub(r"(?<=\d) (?=\d)", "", response.content.decode())


search_form = {
    "name": f"{name.given_names} {name.family_name}",
    "dob_day": child.date_of_birth.day,
    "dob_month": child.date_of_birth.month,
    "dob_year": child.date_of_birth.year,
}
client = Client(raise_request_exception=False)
sign_in_verified(client, pat)
# 1. A search: the candidates from the replica, the audit event on the primary.
with recording() as seen:
    response = client.post(search_url, search_form, follow=True)
findings["search"] = {
    "status": response.status_code,
    "found": child.index_number in shown(response),
    "candidates_on": sorted(where(seen, "records_childsearchkey") | where(seen, "records_child")),
    "audit_on": sorted(where(seen, "audit_append")),
}

# 2. The record page (after the purpose, a session-only write): from the replica.
client.post(f"/children/{child.index_number}/purpose/", {"purpose": "referral"})
with recording() as seen:
    response = client.get(f"/children/{child.index_number}/")
findings["record"] = {
    "status": response.status_code,
    "reads_on": sorted(where(seen, "records_involvement")),
    "audit_on": sorted(where(seen, "audit_append")),
}

# 2b. Every report page and download of the index team (and the national operator's estimates
#     page): its reads from the replica (children, stored counts, feeds, the access log), its
#     audit event on the primary.
REPORT_TABLES = ('"records_', '"reports_', '"sources_', '"directory_', '"audit_auditevent"')


def report_reads(seen) -> list[str]:
    return sorted(
        {
            alias
            for alias, sql in seen
            if sql.startswith("SELECT") and any(table in sql for table in REPORT_TABLES)
        }
    )


reports_client = Client(raise_request_exception=False)
sign_in_verified(reports_client, team)
operator_client = Client(raise_request_exception=False)
sign_in_verified(operator_client, operator)
base = "/index-team/reports/"
pages = {
    "data quality": (reports_client, "GET", f"{base}data-quality/", None),
    "data quality CSV": (reports_client, "GET", f"{base}data-quality/?format=csv", None),
    **{
        f"worklist {slug}": (reports_client, "GET", f"{base}data-quality/{slug}/", None)
        for slug in ("no-school", "no-gp", "no-nhs-number", "stale", "two-universal")
    },
    "worklist CSV": (reports_client, "GET", f"{base}data-quality/no-gp/?format=csv", None),
    "coverage": (reports_client, "GET", f"{base}coverage/", None),
    "coverage CSV": (reports_client, "GET", f"{base}coverage/?format=csv", None),
    "planning": (reports_client, "GET", f"{base}planning/", None),
    "planning CSV": (reports_client, "GET", f"{base}planning/?format=csv", None),
    "feed health": (reports_client, "GET", f"{base}feed-health/", None),
    "subject access": (
        reports_client,
        "POST",
        f"{base}subject-access/",
        {"index_number": child.index_number, "requester": "young_person", "output": "html"},
    ),
    "population estimates": (operator_client, "GET", "/national/population-estimates/", None),
}
findings["reports"] = {}
for label, (browser, method, url, data) in pages.items():
    with recording() as seen:
        response = browser.post(url, data) if method == "POST" else browser.get(url)
    findings["reports"][label] = {
        "status": response.status_code,
        "reads_on": report_reads(seen),
        "audit_on": sorted(where(seen, "audit_append")),
    }

# 3. Log an involvement while the standby's replay is paused (it cannot have the new row), then
#    the record page: read your own write, from the primary.
standby().sql("SELECT pg_wal_replay_pause()")
settings.REPLICA_MAX_LAG_SECONDS = 60  # the paused standby still counts as healthy here
routers.health.forget()
services_page = client.get(f"/children/{child.index_number}/involvements/new/")
involved = set(Involvement.objects.filter(child=child).values_list("service_id", flat=True))
service_pk = next(
    pk
    for pk, _ in services_page.context["form"].fields["service"].choices
    if pk and int(pk) not in involved
)
today = dt.date.today()
before = Involvement.objects.count()
with recording() as seen:
    response = client.post(
        f"/children/{child.index_number}/involvements/new/",
        {
            "service": service_pk,
            "consent_status": "given",
            "given_by": "young_person",
            "scope": "additional_services",
            "consent_day": today.day,
            "consent_month": today.month,
            "consent_year": today.year,
            "started_day": today.day,
            "started_month": today.month,
            "started_year": today.year,
        },
    )
logged = Involvement.objects.count() == before + 1
findings["log"] = {
    "status": response.status_code,
    "logged": logged,
    "errors": str(getattr(response, "context", {}) and response.context.get("form").errors)
    if response.status_code == 200
    else "",
    "writes_on": sorted(where(seen, 'INSERT INTO "records_involvement"')),
}
with recording() as seen:
    response = client.get(f"/children/{child.index_number}/")
findings["own_write"] = {
    "status": response.status_code,
    "reads_on": sorted(where(seen, "records_involvement")),
}
# Someone else, another session, right now: the replica (still paused: it lacks the new row).
client_other = Client(raise_request_exception=False)
sign_in_verified(client_other, other)
with recording() as seen:
    response = client_other.post(search_url, search_form, follow=True)
findings["other_session"] = {
    "candidates_on": sorted(where(seen, "records_childsearchkey")),
}
on_standby = standby().sql(
    "SELECT count(*) FROM records_involvement", database=settings.DATABASES["default"]["NAME"]
)[0][0]
findings["standby_lacks_the_write"] = on_standby == before

# 4. A replica that lags more than allowed: reads go to the primary.
settings.REPLICA_MAX_LAG_SECONDS = 1
time.sleep(2.5)
routers.health.forget()
with recording() as seen:
    response = client_other.post(search_url, search_form, follow=True)
findings["lagging"] = {
    "status": response.status_code,
    "candidates_on": sorted(where(seen, "records_childsearchkey")),
}
standby().sql("SELECT pg_wal_replay_resume()")
standby_caught_up()
settings.REPLICA_MAX_LAG_SECONDS = 5
routers.health.forget()
with recording() as seen:
    client_other.post(search_url, search_form, follow=True)
findings["caught_up"] = {"candidates_on": sorted(where(seen, "records_childsearchkey"))}

# 5. The standby goes away between the health check and the query: the selector runs again on
#    the primary; then, with the standby gone, reads go to the primary.
standby().stop("immediate")
with recording() as seen:
    response = client_other.post(search_url, search_form, follow=True)
findings["gone_mid_request"] = {
    "status": response.status_code,
    "found": child.index_number in shown(response),
    "candidates_on": sorted(where(seen, "records_childsearchkey")),
}
with recording() as seen:
    response = client_other.post(search_url, search_form, follow=True)
findings["gone"] = {
    "status": response.status_code,
    "candidates_on": sorted(where(seen, "records_childsearchkey")),
}
print(json.dumps(findings))
