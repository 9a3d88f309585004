"""Sessions end server-side: 15 minutes idle, 10 hours after sign-in, at sign-out (a copied
cookie stops working) and when the account is suspended."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client

from childindex.access import services, sessions
from childindex.access.models import Role
from childindex.access.testing import sign_in_verified
from childindex.access.tests.factories import UserFactory
from childindex.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def _shift(client: Client, key: str, seconds: float) -> None:
    session = client.session
    session[key] = session[key] - seconds
    session.save()


def test_a_signed_in_session_works(client):
    sign_in_verified(client, UserFactory())
    assert client.get("/account/").status_code == 200


def test_session_ends_after_15_minutes_without_a_request(client):
    user = UserFactory()
    sign_in_verified(client, user)
    key = client.session.session_key
    _shift(client, sessions.SEEN_KEY, 15 * 60 + 1)
    response = client.get("/account/")
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/")
    assert not Session.objects.filter(session_key=key).exists()
    page = client.get(response["Location"])
    assert "you did nothing for 15 minutes" in page.content.decode()
    assert AuditEvent.objects.filter(action="sign_out", actor=user, detail__reason="idle").exists()


def test_activity_within_15_minutes_keeps_the_session(client):
    sign_in_verified(client, UserFactory())
    _shift(client, sessions.SEEN_KEY, 14 * 60)
    assert client.get("/account/").status_code == 200


def test_session_ends_10_hours_after_sign_in_however_busy(client):
    user = UserFactory()
    sign_in_verified(client, user)
    _shift(client, sessions.STARTED_KEY, 10 * 60 * 60 + 1)
    response = client.get("/account/")
    assert response.status_code == 302
    assert "10 hours" in client.get(response["Location"]).content.decode()
    assert AuditEvent.objects.filter(action="sign_out", detail__reason="absolute").exists()


def test_the_session_row_expires_after_the_idle_limit_too():
    assert settings.SESSION_COOKIE_AGE == settings.SESSION_IDLE_SECONDS == 15 * 60
    assert settings.SESSION_ABSOLUTE_SECONDS == 10 * 60 * 60


def test_sign_out_ends_the_session_server_side(client):
    user = UserFactory()
    sign_in_verified(client, user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    response = client.post("/sign-out/")
    assert response.status_code == 302
    assert not Session.objects.filter(session_key=cookie).exists()
    thief = Client()
    thief.cookies[settings.SESSION_COOKIE_NAME] = cookie
    assert thief.get("/account/").status_code == 302
    assert AuditEvent.objects.filter(action="sign_out", actor=user).exists()


def test_sign_out_needs_a_post(client):
    sign_in_verified(client, UserFactory())
    assert client.get("/sign-out/").status_code == 405


def test_suspending_an_account_ends_its_live_session(client):
    account = UserFactory()
    team = UserFactory(role=Role.INDEX_TEAM, local_authority=account.local_authority)
    sign_in_verified(client, account)
    assert client.get("/account/").status_code == 200
    services.account_suspend(actor=team, account=account)
    response = client.get("/account/")
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/")
