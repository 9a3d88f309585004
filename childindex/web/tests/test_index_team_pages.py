"""The LA index team's pages: accounts (approve, suspend, re-activate, vetting and training
dates, two-factor reset, who lapses soon) and shielding — only for their own LA."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from childindex.access.models import Role, User
from childindex.access.testing import sign_in_verified
from childindex.access.tests.factories import UserFactory
from childindex.audit.models import Action, AuditEvent
from childindex.records.models import Child
from childindex.records.tests.factories import ChildFactory
from childindex.web.tests.pages import assert_govuk_page

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


@pytest.fixture
def team(client) -> User:
    user = UserFactory(role=Role.INDEX_TEAM, first_name="Ida", last_name="Team")
    sign_in_verified(client, user)
    return user


def test_accounts_page_lists_the_las_accounts_and_who_lapses_soon(client, team):
    la = team.local_authority
    soon = UserFactory(
        local_authority=la,
        last_name="Soon",
        dbs_checked_on=years_before(TODAY, 3) + dt.timedelta(days=10),
    )
    later = UserFactory(
        local_authority=la,
        last_name="Later",
        dbs_checked_on=years_before(TODAY, 3) + dt.timedelta(days=40),
    )
    elsewhere = UserFactory(last_name="Elsewhere")
    response = client.get("/index-team/accounts/")
    assert response.status_code == 200
    assert_govuk_page(response)
    lapsing = [s.account for s in response.context["lapsing"]]
    assert lapsing == [soon]
    listed = {s.account for s in response.context["statuses"]}
    assert {soon, later, team} <= listed
    assert elsewhere not in listed
    assert "Elsewhere" not in response.content.decode()


def test_account_page_follows_govuk_conventions(client, team):
    account = UserFactory(local_authority=team.local_authority, approved_on=None)
    response = client.get(f"/index-team/accounts/{account.pk}/")
    assert response.status_code == 200
    assert_govuk_page(response)
    assert "Approve account" in response.content.decode()


def test_another_las_account_is_not_found(client, team):
    elsewhere = UserFactory()
    assert client.get(f"/index-team/accounts/{elsewhere.pk}/").status_code == 404
    suspend = f"/index-team/accounts/{elsewhere.pk}/suspend/"
    assert client.post(suspend, {"confirmed": "yes"}).status_code == 404
    elsewhere.refresh_from_db()
    assert elsewhere.suspended_on is None


def test_approve_suspend_and_reactivate_through_the_pages(client, team):
    account = UserFactory(local_authority=team.local_authority, approved_on=None)
    url = f"/index-team/accounts/{account.pk}/"
    assert client.post(url + "approve/").status_code == 302
    account.refresh_from_db()
    assert account.approved_on == TODAY
    client.post(url + "suspend/", {"confirmed": "yes"})
    account.refresh_from_db()
    assert account.suspended_on == TODAY
    client.post(url + "reactivate/")
    account.refresh_from_db()
    assert account.suspended_on is None


def test_record_dbs_and_training_dates(client, team):
    account = UserFactory(
        local_authority=team.local_authority, dbs_checked_on=None, training_completed_on=None
    )
    url = f"/index-team/accounts/{account.pk}/dates/"
    day = TODAY - dt.timedelta(days=5)
    parts = {"day": day.day, "month": day.month, "year": day.year}
    response = client.post(url + "vetting/", {f"vetting-{k}": v for k, v in parts.items()})
    assert response.status_code == 302
    response = client.post(url + "training/", {f"training-{k}": v for k, v in parts.items()})
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.dbs_checked_on == day
    assert account.training_completed_on == day


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        ({"day": "", "month": "", "year": ""}, "Enter date of the enhanced DBS check"),
        ({"day": "31", "month": "2", "year": "2026"}, "must be a real date"),
        ({"day": "1", "month": "1", "year": "2999"}, "must be today or in the past"),
    ],
)
def test_a_bad_date_shows_an_error_summary(client, team, parts, message):
    account = UserFactory(local_authority=team.local_authority, dbs_checked_on=None)
    response = client.post(
        f"/index-team/accounts/{account.pk}/dates/vetting/",
        {f"vetting-{k}": v for k, v in parts.items()},
    )
    assert response.status_code == 200
    assert_govuk_page(response)
    html = response.content.decode()
    assert "There is a problem" in html
    assert message.lower() in html.lower()
    account.refresh_from_db()
    assert account.dbs_checked_on is None


def test_the_team_cannot_change_its_own_account(client, team):
    response = client.get(f"/index-team/accounts/{team.pk}/")
    assert "Another member of your LA" in response.content.decode()
    client.post(f"/index-team/accounts/{team.pk}/suspend/", {"confirmed": "yes"})
    team.refresh_from_db()
    assert team.suspended_on is None


def test_shielding_page_shields_and_unshields_a_record_of_the_la(client, team):
    child = ChildFactory(responsible_la=team.local_authority)
    review = TODAY + dt.timedelta(days=90)
    response = client.get("/index-team/shielding/")
    assert_govuk_page(response)
    response = client.post(
        "/index-team/shielding/",
        {
            "shield-index_number": child.formatted_index_number,
            "shield-day": review.day,
            "shield-month": review.month,
            "shield-year": review.year,
        },
    )
    assert response.status_code == 302
    child.refresh_from_db()
    assert child.shielded and child.shield_review_on == review
    listing = client.get("/index-team/shielding/")
    assert child.formatted_index_number in listing.content.decode()
    remove = f"/index-team/shielding/{child.index_number}/remove/"
    assert client.post(remove, {"confirmed": "yes"}).status_code == 302
    child.refresh_from_db()
    assert not child.shielded


def test_the_shielded_list_is_audited_with_every_child_it_shows(client, team):
    """A list of shielded records is a read of each: "who accessed this child" must show it."""
    review = TODAY + dt.timedelta(days=30)
    listed = [
        ChildFactory(responsible_la=team.local_authority, shielded=True, shield_review_on=review)
        for _ in range(2)
    ]
    ChildFactory(shielded=True, shield_review_on=review)  # another LA's: not listed
    ChildFactory(responsible_la=team.local_authority)  # not shielded: not listed
    client.get("/index-team/shielding/")
    event = AuditEvent.objects.get(action=Action.REPORT_VIEW, actor=team)
    assert event.detail["report"] == "shielded_records"
    assert sorted(event.children) == sorted(c.index_number for c in listed)
    assert event.shown == {"shielded": 2}


def test_another_las_record_cannot_be_shielded_from_here(client, team):
    child = ChildFactory()
    review = TODAY + dt.timedelta(days=90)
    response = client.post(
        "/index-team/shielding/",
        {
            "shield-index_number": child.index_number,
            "shield-day": review.day,
            "shield-month": review.month,
            "shield-year": review.year,
        },
    )
    assert response.status_code == 200
    assert_govuk_page(response)
    assert "no record with that index number in your LA" in response.content.decode()
    assert not Child.objects.get(pk=child.pk).shielded


@pytest.mark.parametrize("role", [Role.PRACTITIONER, Role.CHILD_PROTECTION, Role.AUDITOR])
def test_other_roles_cannot_use_the_index_team_pages(role):
    client = Client()
    sign_in_verified(client, UserFactory(role=role))
    for url in ("/index-team/accounts/", "/index-team/shielding/"):
        response = client.get(url)
        assert response.status_code == 403
        assert_govuk_page(response)


def test_a_lapsed_index_team_member_is_told_what_is_missing():
    client = Client()
    sign_in_verified(client, UserFactory(role=Role.INDEX_TEAM, training_completed_on=None))
    response = client.get("/index-team/accounts/")
    assert response.status_code == 403
    assert "You have not completed the index" in response.content.decode()


# --- Confirmation before a destructive action -------------------------------------------------


@pytest.mark.parametrize(
    ("action", "heading", "unchanged"),
    [
        ("suspend", "Are you sure you want to suspend", lambda a: a.suspended_on is None),
        (
            "two-factor-reset",
            "Are you sure you want to reset two-factor authentication",
            lambda a: a.totpdevice_set.exists(),
        ),
    ],
)
def test_suspending_or_resetting_two_factor_asks_are_you_sure_first(
    client, team, action, heading, unchanged
):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    account = UserFactory(local_authority=team.local_authority)
    TOTPDevice.objects.create(user=account, name="default", confirmed=True)
    url = f"/index-team/accounts/{account.pk}/{action}/"
    page = client.get(f"/index-team/accounts/{account.pk}/").content.decode()
    assert f'href="{url}"' in page  # a link to the confirmation page, not a one-click form
    for response in (client.get(url), client.post(url)):  # unconfirmed: the page, not the deed
        assert response.status_code == 200
        assert assert_govuk_page(response).startswith(heading)
        assert "If you continue" in response.content.decode()
        account.refresh_from_db()
        assert unchanged(account)
    assert client.post(url, {"confirmed": "yes"}).status_code == 302
    account.refresh_from_db()
    assert not unchanged(account)


def test_removing_a_shield_asks_are_you_sure_first(client, team):
    child = ChildFactory(
        responsible_la=team.local_authority,
        shielded=True,
        shield_review_on=TODAY + dt.timedelta(days=30),
    )
    url = f"/index-team/shielding/{child.index_number}/remove/"
    response = client.get(url)
    assert assert_govuk_page(response).startswith("Are you sure you want to remove the shield")
    child.refresh_from_db()
    assert child.shielded
    client.post(url, {"confirmed": "yes"})
    child.refresh_from_db()
    assert not child.shielded
