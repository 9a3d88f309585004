"""Two-factor enrolment needs more than the password (issue 15, finding 6): a one-time
enrolment code issued by the index team, printed once, expiring in 72 hours, single use,
also after a two-factor reset."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from childindex.access import two_factor
from childindex.access.models import EnrolmentCode
from childindex.access.services import account_two_factor_reset, enrolment_code_issue
from childindex.access.testing import sign_in_verified, totp_code
from childindex.access.tests.factories import SYNTHETIC_PASSWORD, UserFactory
from childindex.audit.models import AuditEvent, EventOutcome
from childindex.web.tests.page_checks import assert_govuk_page

pytestmark = pytest.mark.django_db

SET_UP = "/account/two-factor/set-up/"


@pytest.fixture
def newcomer():
    return UserFactory(two_factor=False)


@pytest.fixture
def index_team(newcomer):
    return UserFactory(index_team=True, local_authority=newcomer.local_authority)


def password_step(client: Client, user) -> None:
    client.post("/sign-in/", {"username": user.username, "password": SYNTHETIC_PASSWORD})


def test_a_password_alone_does_not_show_the_authenticator_secret(client, newcomer):
    password_step(client, newcomer)
    page = client.get(SET_UP)
    assert page.status_code == 200
    assert_govuk_page(page)
    html = page.content.decode()
    assert "enrolment code" in html.casefold()
    assert "<svg" not in html and "otpauth" not in html
    assert not TOTPDevice.objects.filter(user=newcomer).exists()  # no secret made yet
    # A confirmation code alone does nothing either
    assert client.post(SET_UP, {"code": "123456"}).status_code == 200
    assert not TOTPDevice.objects.filter(user=newcomer, confirmed=True).exists()


def test_the_index_teams_enrolment_code_lets_the_holder_set_up_two_factor(
    client, newcomer, index_team
):
    code = enrolment_code_issue(actor=index_team, account=newcomer)
    assert len(code.replace("-", "")) >= 12
    stored = EnrolmentCode.objects.get(user=newcomer)
    assert code not in str(stored.__dict__)  # only its hash is kept
    assert stored.expires_at - stored.issued_at == dt.timedelta(hours=72)
    password_step(client, newcomer)
    response = client.post(SET_UP, {"enrolment_code": code})
    assert response.status_code == 302
    page = client.get(SET_UP).content.decode()
    assert "<svg" in page
    device = TOTPDevice.objects.get(user=newcomer, confirmed=False)
    assert client.post(SET_UP, {"code": totp_code(device)}).status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert AuditEvent.objects.filter(action="enrolment_code_issue", actor=index_team).exists()
    assert code not in str(
        list(AuditEvent.objects.values_list("detail", flat=True))
    )  # never in the trail


def test_an_enrolment_code_works_once(client, newcomer, index_team):
    code = enrolment_code_issue(actor=index_team, account=newcomer)
    password_step(client, newcomer)
    client.post(SET_UP, {"enrolment_code": code})
    other = Client()
    password_step(other, newcomer)
    response = other.post(SET_UP, {"enrolment_code": code})
    assert response.status_code == 200
    assert "not valid" in response.content.decode()
    refused = AuditEvent.objects.filter(action="enrolment_code_redeem").latest("id")
    assert refused.outcome == EventOutcome.DENIED


def test_an_enrolment_code_expires_after_72_hours(client, newcomer, index_team):
    code = enrolment_code_issue(actor=index_team, account=newcomer)
    issued = timezone.now() - dt.timedelta(hours=72, minutes=1)  # as if issued 72 h ago
    EnrolmentCode.objects.filter(user=newcomer).update(
        issued_at=issued, expires_at=issued + dt.timedelta(hours=72)
    )
    password_step(client, newcomer)
    response = client.post(SET_UP, {"enrolment_code": code})
    assert response.status_code == 200 and "not valid" in response.content.decode()


def test_another_accounts_code_does_not_work(client, newcomer, index_team):
    other = UserFactory(two_factor=False, local_authority=newcomer.local_authority)
    code = enrolment_code_issue(actor=index_team, account=other)
    password_step(client, newcomer)
    assert client.post(SET_UP, {"enrolment_code": code}).status_code == 200
    assert EnrolmentCode.objects.get(user=other).used_at is None


def test_after_a_two_factor_reset_enrolment_needs_a_new_code(client, index_team):
    user = UserFactory(local_authority=index_team.local_authority)
    sign_in_verified(Client(), user)
    account_two_factor_reset(actor=index_team, account=user)
    password_step(client, user)
    page = client.get(SET_UP).content.decode()
    assert "<svg" not in page and "enrolment code" in page.casefold()


def test_only_the_accounts_own_la_index_team_issues_a_code(newcomer):
    from django.core.exceptions import PermissionDenied

    stranger = UserFactory(index_team=True)
    with pytest.raises(PermissionDenied):
        enrolment_code_issue(actor=stranger, account=newcomer)


def test_the_index_team_page_prints_the_code_once(client, newcomer, index_team):
    sign_in_verified(client, index_team)
    url = reverse("web:index-team-account-enrolment-code", args=[newcomer.pk])
    response = client.post(url)
    assert response.status_code == 200
    assert_govuk_page(response)
    html = response.content.decode()
    assert "72 hours" in html
    stored = EnrolmentCode.objects.get(user=newcomer)
    shown = [w for w in html.split() if two_factor.enrolment_code_hash(w) == stored.code_sha256]
    assert len(shown) == 1
    account_page = client.get(reverse("web:index-team-account", args=[newcomer.pk]))
    assert shown[0] not in account_page.content.decode()
