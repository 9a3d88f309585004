"""The report pages: GOV.UK conventions, charts as SVG with a title, a description and a table,
CSV downloads that neutralise formulas, access by role, and an audit event for every read."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from childindex.access.models import Role
from childindex.access.testing import sign_in_verified
from childindex.audit.models import AuditEvent
from childindex.testkit.journey import journey_child, journey_la, journey_user
from childindex.web.tests.page_checks import assert_govuk_page

PAGES = [
    ("web:reports", {}),
    ("web:reports-data-quality", {}),
    ("web:reports-worklist", {"slug": "no-gp"}),
    ("web:reports-worklist", {"slug": "no-school"}),
    ("web:reports-worklist", {"slug": "no-nhs-number"}),
    ("web:reports-worklist", {"slug": "stale"}),
    ("web:reports-worklist", {"slug": "two-universal"}),
    ("web:reports-coverage", {}),
    ("web:reports-planning", {}),
    ("web:reports-feed-health", {}),
    ("web:reports-subject-access", {}),
]
CSV_PAGES = [p for p in PAGES if p[0] not in ("web:reports", "web:reports-subject-access")]


@pytest.fixture
def team_client(journey, children):
    client = Client()
    sign_in_verified(client, journey.index_team)
    return client


@pytest.mark.parametrize("name,kwargs", PAGES)
def test_every_report_page_is_a_govuk_page(team_client, name, kwargs):
    response = team_client.get(reverse(name, kwargs=kwargs))
    assert response.status_code == 200
    assert_govuk_page(response)


@pytest.mark.parametrize("name", ["web:reports-coverage", "web:reports-planning"])
def test_charts_are_svg_with_a_title_a_description_and_a_table(team_client, name):
    html = team_client.get(reverse(name)).content.decode()
    assert "<svg" in html and 'role="img"' in html
    assert "<title id=" in html and "<desc id=" in html
    assert "<script" not in html.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert '<table class="govuk-table' in html


@pytest.mark.parametrize("name,kwargs", CSV_PAGES)
def test_every_report_downloads_as_csv_and_is_audited_as_an_export(team_client, name, kwargs):
    before = AuditEvent.objects.count()
    response = team_client.get(reverse(name, kwargs=kwargs) + "?format=csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    event = AuditEvent.objects.filter(id__gt=before, action="export").get()
    assert event.detail["report"]


@pytest.mark.parametrize("name,kwargs", PAGES[1:-1])
def test_every_report_page_view_is_audited(team_client, name, kwargs):
    before = AuditEvent.objects.count()
    team_client.get(reverse(name, kwargs=kwargs))
    assert AuditEvent.objects.filter(id__gt=before, action="report_view").count() == 1


def test_a_worklist_download_neutralises_formulas(journey, team_client):
    for prefix in ("=HYPERLINK(1)", " =1+1", "\uff1dSUM(A1)"):
        journey_child(prefix, "Formula", dt.date(2015, 1, 1), la=journey.la)
    body = team_client.get(
        reverse("web:reports-worklist", kwargs={"slug": "no-gp"}) + "?format=csv"
    ).content.decode()
    assert "'=HYPERLINK(1) Formula" in body
    assert "' =1+1 Formula" in body
    assert "'\uff1dSUM(A1) Formula" in body


def test_small_counts_are_shown_as_fewer_than_5(db, fast_password_hashing):
    la = journey_la("E10000021", "Qzshire")
    client = Client()
    sign_in_verified(client, journey_user("tam", la=la, role=Role.INDEX_TEAM))
    url = reverse("web:reports-worklist", kwargs={"slug": "no-gp"})
    for n in range(3):
        journey_child(f"Qz{n}", "Small", dt.date(2015, 1, 1 + n), la=la)
    html = client.get(url).content.decode()
    assert "Children: fewer than 5" in html and "Children: 3" not in html
    for n in range(3, 6):
        journey_child(f"Qz{n}", "Small", dt.date(2015, 1, 1 + n), la=la)
    assert "Children: 6" in client.get(url).content.decode()


@pytest.mark.parametrize("who", ["pat", "cp", "auditor", "other_team", "national"])
def test_only_the_las_own_index_team_reads_the_reports(journey, children, who):
    users = {
        "pat": journey.pat,
        "cp": journey.cp,
        "auditor": journey_user("audrey", la=journey.la, role=Role.AUDITOR),
        "other_team": journey_user("otto", la=journey.other_la, role=Role.INDEX_TEAM),
        "national": journey_user("nia", la=None, role=Role.NATIONAL_OPERATOR),
    }
    client = Client()
    sign_in_verified(client, users[who])
    for name, kwargs in PAGES:
        response = client.get(reverse(name, kwargs=kwargs))
        if who == "other_team":
            # another LA's team reaches the pages but sees only its own LA (none here)
            assert response.status_code == 200
            assert children.olivia.index_number not in response.content.decode()
        else:
            assert response.status_code == 403, (who, name)


def test_the_national_operator_loads_estimates_from_the_page(db, fast_password_hashing, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from childindex.reports.models import PopulationEstimate

    la = journey_la("E10000021", "Qzshire")
    client = Client()
    sign_in_verified(client, journey_user("nia", la=None, role=Role.NATIONAL_OPERATOR))
    url = reverse("web:population-estimates")
    assert_govuk_page(client.get(url))
    rows = ["ladcode23,laname23,country,sex,age,population_2025"]
    rows += [f"{la.code},Qzshire,E,{sex},{age},{100 + age}" for sex in (1, 2) for age in range(91)]
    upload = SimpleUploadedFile("mye.csv", "\n".join(rows).encode(), content_type="text/csv")
    response = client.post(url, {"file": upload})
    assert response.status_code == 302
    assert PopulationEstimate.objects.get(local_authority=la, year=2025, age=3).population == 206
    assert PopulationEstimate.objects.filter(local_authority=la).count() == 18
    bad = SimpleUploadedFile("bad.csv", b"code,name\nE1,x\n", content_type="text/csv")
    page = client.post(url, {"file": bad}).content.decode()
    assert "not in the ONS mid-year estimate layout" in page
    assert PopulationEstimate.objects.filter(local_authority=la).count() == 18


def test_charts_keep_plain_svg_tags_after_a_subject_access_pdf(team_client, children):
    # WeasyPrint, once it has made a PDF, has its own prefix for the SVG namespace
    pdf = team_client.post(
        reverse("web:reports-subject-access"),
        {
            "index_number": children.olivia.index_number,
            "requester": "young_person",
            "output": "pdf",
        },
    )
    assert pdf["Content-Type"] == "application/pdf"
    html = team_client.get(reverse("web:reports-coverage")).content.decode()
    assert "<title id=" in html and "<desc id=" in html and "svg:" not in html


def test_a_worklist_lists_a_shielded_child_without_locating_them_and_raises_no_alert(
    journey, team_client
):
    """DESIGN §3: the LA's index team sees its shielded children (it must follow up a shielded
    child with no GP or school as much as any other), but a list shows only what a shield
    leaves visible to every user; opening the record raises the shield's alert (§4)."""
    hidden = journey_child(
        "Sheila", "Refuge", dt.date(2015, 6, 1), la=journey.la, postcode="TN99 9ZZ", shielded=True
    )
    journey_child("Olive", "Open", dt.date(2015, 6, 2), la=journey.la, postcode="TN77 7YY")
    url = reverse("web:reports-worklist", kwargs={"slug": "no-gp"})
    before = AuditEvent.objects.count()
    html = team_client.get(url).content.decode()
    assert hidden.formatted_index_number in html and "Sheila Refuge" in html
    assert "TN99" not in html and "TN77" in html
    assert "Not shown: the record is shielded" in html
    body = team_client.get(url + "?format=csv").content.decode()
    row = next(line for line in body.splitlines() if "Sheila Refuge" in line)
    assert "TN99" not in body and row.endswith(",,True")
    events = AuditEvent.objects.filter(id__gt=before)
    assert not events.filter(action="alert").exists()
    shielded_rows = html.count("Not shown: the record is shielded")  # the fixture's and hers
    assert shielded_rows >= 1
    assert [e.shown["shielded"] for e in events] == [shielded_rows, shielded_rows]
    response = team_client.post(
        reverse("web:child-purpose", args=[hidden.index_number]), {"purpose": "data_quality"}
    )
    assert response.status_code == 302  # to the record
    assert team_client.get(response["Location"]).status_code == 200
    alert = AuditEvent.objects.filter(id__gt=before, action="alert").get()
    assert alert.detail["kind"] == "shielded_record_access"
