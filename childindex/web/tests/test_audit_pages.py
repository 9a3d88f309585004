"""The auditor's pages: their LA only, read-only, every read audited, GOV.UK conventions."""

from __future__ import annotations

import csv
import datetime as dt
import io
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from childindex.access.policy import Prerequisite
from childindex.access.testing import sign_in_verified
from childindex.access.tests.factories import UserFactory
from childindex.audit.models import AuditEvent
from childindex.audit.services import audit_record
from childindex.audit.tests.factories import auditor_of
from childindex.core.identifiers import format_index_number
from childindex.directory.tests.factories import LocalAuthorityFactory
from childindex.monitoring.services import alert_raise
from childindex.records.tests.factories import ChildFactory

pytestmark = pytest.mark.django_db


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.h1: list[str] = []
        self.title = ""
        self.fields: list[dict[str, str]] = []
        self.labels: set[str] = set()
        self._in: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag in ("h1", "title"):
            self._in = tag
            if tag == "h1":
                self.h1.append("")
        elif tag == "label" and attributes.get("for"):
            self.labels.add(attributes["for"])
        elif tag in ("input", "select", "textarea") and attributes.get("type") not in (
            "hidden",
            "submit",
        ):
            self.fields.append(attributes)

    def handle_endtag(self, tag):
        if tag == self._in:
            self._in = None

    def handle_data(self, data):
        if self._in == "h1":
            self.h1[-1] += data
        elif self._in == "title":
            self.title += data


def assert_govuk_page(response) -> None:
    page = _Page()
    page.feed(response.content.decode())
    assert len(page.h1) == 1, f"expected one <h1>, found {page.h1}"
    heading = " ".join(page.h1[0].split())
    title = " ".join(page.title.split()).removeprefix("Error: ")
    assert title.startswith(heading), (title, heading)
    unlabelled = [f for f in page.fields if f.get("id") not in page.labels]
    assert unlabelled == [], unlabelled


@pytest.fixture
def la():
    return LocalAuthorityFactory()


@pytest.fixture
def auditor(la, client):
    user = auditor_of(la)
    sign_in_verified(client, user)
    return user


@pytest.fixture
def child(la):
    return ChildFactory(responsible_la=la)


def opened(child, by, purpose="referral"):
    return audit_record(
        actor=by, action="record_view", children=[child.index_number], purpose=purpose
    )


# --- Who may ------------------------------------------------------------------------------


AUDIT_PAGES = [
    "/audit/",
    "/audit/child/",
    "/audit/child/export.csv",
    "/audit/user/",
    "/audit/user/export.csv",
    "/audit/alerts/",
    "/audit/alerts/1/",
]


@pytest.mark.parametrize("url", AUDIT_PAGES)
@pytest.mark.parametrize("role", ["practitioner", "child_protection", "index_team"])
def test_only_auditors_may_open_the_audit_pages(client, la, url, role):
    sign_in_verified(client, UserFactory(local_authority=la, role=role))
    response = client.get(url)
    assert response.status_code == 403
    assert "Your role does not give access to this page." in response.content.decode()


@pytest.mark.parametrize("url", AUDIT_PAGES)
@pytest.mark.parametrize(
    "lapsed",
    [
        {"approved_on": None},
        {"suspended_on": dt.date(2020, 1, 1)},
        {"dbs_checked_on": dt.date(2000, 1, 1)},
        {"training_completed_on": None},
    ],
    ids=["not approved", "suspended", "DBS out of date", "not trained"],
)
def test_an_auditor_missing_a_prerequisite_may_not_and_is_told_which(client, la, url, lapsed):
    sign_in_verified(client, auditor_of(la, **lapsed))
    response = client.get(url)
    assert response.status_code == 403
    [missing] = AuditEvent.objects.get(action="access_denied_prerequisites").detail["missing"]
    assert str(Prerequisite(missing).label).replace("'", "&#x27;") in response.content.decode()


def test_an_auditor_of_no_la_may_not(client):
    # Only a back-office account can be an auditor without an LA (user_belongs_to_an_la).
    sign_in_verified(client, UserFactory(auditor=True, back_office=True, local_authority=None))
    for url in AUDIT_PAGES:
        response = client.get(url)
        assert response.status_code == 403, url
        assert "Your account belongs to no local authority" in response.content.decode()


def test_an_auditor_without_two_factor_is_sent_to_set_it_up_first(client, la):
    client.force_login(auditor_of(la, two_factor=False))
    response = client.get("/audit/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("web:two-factor-set-up"))
    assert not AuditEvent.objects.filter(action="audit_read").exists()


def test_the_audit_home_page_counts_alerts_awaiting_review(client, auditor, la):
    alert_raise(kind="search_volume", local_authority_ids=[la.pk], reason="r", key="k")
    response = client.get("/audit/")
    assert response.status_code == 200
    assert "1 awaiting review" in response.content.decode()
    assert_govuk_page(response)


# --- Who accessed a child -----------------------------------------------------------------


def test_who_accessed_a_child_lists_when_who_and_why(client, auditor, child):
    elsewhere = UserFactory(local_authority=LocalAuthorityFactory(), with_practitioner=True)
    opened(child, elsewhere, purpose="welfare_concern")
    response = client.get(
        "/audit/child/", {"index_number": format_index_number(child.index_number)}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert elsewhere.username in body and elsewhere.organisation.name in body
    assert "Concern about the child&#x27;s welfare" in body
    assert_govuk_page(response)


def test_the_auditors_own_read_is_audited_before_the_page_is_shown(client, auditor, child):
    client.get("/audit/child/", {"index_number": child.index_number})
    event = AuditEvent.objects.get(actor=auditor, action="audit_read")
    assert event.children == [child.index_number]


def test_a_child_of_another_la_is_not_shown(client, auditor):
    other = ChildFactory()
    opened(other, UserFactory(local_authority=other.responsible_la))
    response = client.get("/audit/child/", {"index_number": other.index_number})
    body = response.content.decode()
    assert "There is no child with that index number in your LA" in body
    assert other.responsible_la.name not in body
    # The refusal is in the trail, naming the child asked for (so the child's own LA's
    # auditors see the attempt), never which LA holds it.
    events = AuditEvent.objects.filter(actor=auditor).exclude(action="sign_in")
    assert [(e.action, e.outcome, e.children) for e in events] == [
        ("audit_read", "denied", [other.index_number])
    ]


def test_a_mistyped_index_number_is_explained(client, auditor):
    response = client.get("/audit/child/", {"index_number": "1234"})
    body = response.content.decode()
    assert "Enter an index number in the correct format" in body
    assert "govuk-error-summary" in body and 'href="#id_index_number"' in body
    assert_govuk_page(response)


def test_dates_narrow_the_accesses_and_a_wrong_date_is_explained(client, auditor, child):
    opened(child, UserFactory(local_authority=child.responsible_la))
    response = client.get(
        "/audit/child/",
        {
            "index_number": child.index_number,
            "since_day": "31",
            "since_month": "2",
            "since_year": "2026",
        },
    )
    assert "The date from must be a real date" in response.content.decode()
    assert_govuk_page(response)
    response = client.get(
        "/audit/child/",
        {
            "index_number": child.index_number,
            "since_day": "1",
            "since_month": "1",
            "since_year": "2000",
            "until_day": "2",
            "until_month": "1",
            "until_year": "2000",
        },
    )
    assert "Nobody accessed this record in that time" in response.content.decode()


def test_accesses_export_to_csv_and_the_export_is_audited(client, auditor, child):
    viewer = UserFactory(local_authority=child.responsible_la, username="=HYPERLINK(1)")
    opened(child, viewer)
    response = client.get("/audit/child/export.csv", {"index_number": child.index_number})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["event", "when (UK time, Europe/London)", "user"]
    assert rows[1][2] == "'=HYPERLINK(1)"  # never a formula in a spreadsheet
    assert rows[1][8] == format_index_number(child.index_number)
    assert AuditEvent.objects.filter(actor=auditor, action="export").count() == 1


# --- What a user accessed -----------------------------------------------------------------


def test_what_a_user_accessed_lists_their_searches_and_records(client, auditor, child, la):
    user = UserFactory(local_authority=la)
    audit_record(
        actor=user,
        action="child_search",
        children=[child.index_number],
        criteria={"family_name": "Synth"},
    )
    opened(child, user)
    response = client.get("/audit/user/", {"username": user.username})
    body = response.content.decode()
    assert "Searched for: Family name: Synth" in body
    assert format_index_number(child.index_number) in body
    assert_govuk_page(response)
    event = AuditEvent.objects.get(actor=auditor, action="audit_read")
    assert event.detail["user"] == user.pk


def test_a_user_of_another_la_is_not_shown(client, auditor):
    stranger = UserFactory(local_authority=LocalAuthorityFactory())
    response = client.get("/audit/user/", {"username": stranger.username})
    assert "There is no user with that username in your LA" in response.content.decode()


def test_what_a_user_accessed_exports_to_csv(client, auditor, la, child):
    user = UserFactory(local_authority=la)
    opened(child, user)
    response = client.get("/audit/user/export.csv", {"username": user.username})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == 2 and rows[1][5] == "Record opened"


SECTION_47 = "A section 47 child protection enquiry is under way"


def test_a_shield_override_is_shown_with_its_label_and_reason(client, auditor, la, child):
    user = UserFactory(local_authority=la)
    audit_record(
        actor=user,
        action="shield_override",
        children=[child.index_number],
        detail={"reason": "section_47", "two_factor": "fresh"},
    )
    response = client.get("/audit/user/", {"username": user.username})
    body = response.content.decode()
    assert "Shield overridden" in body and "shield_override" not in body
    assert f"Reason: {SECTION_47}" in body and "section_47" not in body
    assert "Two-factor check: a fresh code was entered" in body


def test_the_csv_reads_like_the_page_in_uk_time_with_no_json(client, auditor, la, child):
    user = UserFactory(local_authority=la, username="=cmd|calc")
    event = audit_record(
        actor=user,
        action="shield_override",
        children=[child.index_number],
        detail={"reason": "section_47", "two_factor": "fresh"},
    )
    audit_record(
        actor=user,
        action="child_search",
        criteria={"family_name": "-Synth", "postcode": "AB1 2CD"},
        detail={"returned": 3},
    )
    response = client.get("/audit/user/export.csv", {"username": user.username})
    text = b"".join(response.streaming_content).decode()
    header, *rows = list(csv.reader(io.StringIO(text)))
    assert "detail" not in header and header[1] == "when (UK time, Europe/London)"
    assert not any("{" in cell or "[" in cell for row in rows for cell in row), "no JSON"
    by_action = {row[header.index("action")]: dict(zip(header, row, strict=True)) for row in rows}
    override = by_action["Shield overridden"]
    assert override["reason"] == SECTION_47
    assert override["details"] == "Two-factor check: a fresh code was entered"
    assert override["user"] == "'=cmd|calc"  # still formula-safe
    # The time is the UK wall-clock time of the UTC instant the trail keeps.
    uk = event.at.astimezone(dt.UTC).astimezone(ZoneInfo("Europe/London"))
    assert override["when (UK time, Europe/London)"] == uk.strftime("%Y-%m-%d %H:%M:%S")
    search = by_action["Search"]
    assert search["search criteria"] == "Family name: -Synth; Postcode: AB1 2CD"
    assert search["details"] == "Results: 3"
    assert all(row[header.index("action")] != "child_search" for row in rows)


def test_the_csv_time_is_british_summer_time_in_summer(client, auditor, la, child):
    user = UserFactory(local_authority=la)
    with time_machine.travel(dt.datetime(2026, 7, 1, 11, 30, 5, tzinfo=dt.UTC), tick=False):
        opened(child, user)
    response = client.get("/audit/user/export.csv", {"username": user.username})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[1][1] == "2026-07-01 12:30:05"  # BST, one hour ahead of UTC
