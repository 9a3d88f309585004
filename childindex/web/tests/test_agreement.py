"""The user agreement (issue 17): acceptable-use terms accepted at first sign-in, yearly and
when they change; recorded (who, when, version) and audited; shown to the LA's index team.
Until it is accepted, a signed-in user reaches only the agreement page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from childindex.access import agreement
from childindex.access.models import AgreementAcceptance, Role
from childindex.access.testing import sign_in_verified
from childindex.access.tests.factories import UserFactory
from childindex.audit.models import AuditEvent
from childindex.web.tests.pages import assert_govuk_page

pytestmark = pytest.mark.django_db

AGREEMENT = "/account/agreement/"


@pytest.fixture
def newcomer(client):
    user = UserFactory(agreed=False)
    sign_in_verified(client, user, agreed=False)
    return user


@pytest.mark.parametrize(
    "url", ["/", "/search/", "/account/", "/account/recovery-codes/", "/audit/"]
)
def test_until_accepted_every_signed_in_page_leads_to_the_agreement(client, newcomer, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(f"{AGREEMENT}?next=")
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert_govuk_page(page)
    body = page.content.decode()
    assert "Before you use the index for the first time" in body
    assert f"Version {agreement.VERSION}" in body and "Accept and continue" in body


def test_the_public_pages_and_sign_out_still_work_before_accepting(client, newcomer):
    assert client.get("/privacy/").status_code == 200
    response = client.post("/sign-out/")
    assert response.status_code == 302 and AGREEMENT not in response["Location"]
    assert client.get("/search/")["Location"].startswith("/sign-in/")


def test_accepting_records_who_when_and_which_version_audits_it_and_continues(client, newcomer):
    before = timezone.now()
    response = client.post(AGREEMENT, {"next": "/search/"})
    assert response.status_code == 302 and response["Location"] == "/search/"
    [accepted] = AgreementAcceptance.objects.filter(user=newcomer)
    assert accepted.version == agreement.VERSION and accepted.accepted_at >= before
    event = AuditEvent.objects.get(actor=newcomer, action="agreement_accept")
    assert event.detail == {"version": agreement.VERSION}
    assert client.get("/search/").status_code == 200
    page = client.get(AGREEMENT)
    assert "You accepted version" in page.content.decode()
    assert "Accept and continue" not in page.content.decode()


def test_a_next_address_elsewhere_is_not_followed(client, newcomer):
    response = client.post(AGREEMENT, {"next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_it_is_asked_again_a_year_later(client):
    user = UserFactory(agreed=False)
    AgreementAcceptance.objects.create(
        user=user,
        version=agreement.VERSION,
        accepted_at=timezone.now() - agreement.VALID_FOR - dt.timedelta(minutes=1),
    )
    sign_in_verified(client, user, agreed=False)
    response = client.get("/search/")
    assert response["Location"].startswith(AGREEMENT)
    assert "more than a year ago" in client.get(AGREEMENT).content.decode()
    # A day short of the year it still counts.
    fresh = UserFactory(agreed=False)
    AgreementAcceptance.objects.create(
        user=fresh,
        version=agreement.VERSION,
        accepted_at=timezone.now() - agreement.VALID_FOR + dt.timedelta(days=1),
    )
    assert not agreement.is_due(fresh)


def test_new_terms_are_accepted_again_even_within_the_year(client, monkeypatch):
    user = UserFactory()  # accepted the current version just now
    sign_in_verified(client, user)
    assert client.get("/search/").status_code == 200
    monkeypatch.setattr(agreement, "VERSION", "2099-01")
    response = client.get("/search/")
    assert response["Location"].startswith(AGREEMENT)
    assert "The terms have changed" in client.get(AGREEMENT).content.decode()
    client.post(AGREEMENT)
    assert AgreementAcceptance.objects.filter(user=user, version="2099-01").count() == 1
    assert client.get("/search/").status_code == 200


def test_the_index_team_sees_each_accounts_agreement(client):
    team = UserFactory(role=Role.INDEX_TEAM)
    sign_in_verified(client, team)
    la = team.local_authority
    never = UserFactory(local_authority=la, agreed=False)
    lapsed = UserFactory(local_authority=la, agreed=False)
    AgreementAcceptance.objects.create(
        user=lapsed,
        version="2025-01",
        accepted_at=dt.datetime(2025, 1, 6, 9, 30, tzinfo=dt.UTC),
    )
    page = client.get(f"/index-team/accounts/{never.pk}/")
    assert_govuk_page(page)
    assert "Not accepted yet" in page.content.decode()
    body = client.get(f"/index-team/accounts/{lapsed.pk}/").content.decode()
    assert "Version 2025-01 accepted 6 January 2025 09:30" in body
    assert "Due again" in body
    body = client.get(f"/index-team/accounts/{team.pk}/").content.decode()
    assert f"Version {agreement.VERSION} accepted" in body and "Due again" not in body
