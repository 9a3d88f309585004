"""GOV.UK's session-timeout pattern: with JavaScript, a warning two minutes before an idle
session ends that offers to stay signed in; without it (or after it), the sign-in page says the
session timed out, even when the session row itself has already expired."""

from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session

from childindex.access import sessions
from childindex.access.testing import sign_in_verified
from childindex.access.tests.factories import UserFactory
from childindex.web.middleware import SIGNED_IN_COOKIE

pytestmark = pytest.mark.django_db


def test_every_signed_in_page_carries_the_timeout_warning(client):
    sign_in_verified(client, UserFactory())
    page = client.get("/account/").content.decode()
    assert 'id="timeout-warning"' in page and 'data-idle-seconds="900"' in page
    assert "You're about to be signed out" in page and "Stay signed in" in page


def test_the_sign_in_page_says_the_session_timed_out_after_the_row_expired(client):
    sign_in_verified(client, UserFactory())
    client.get("/account/")
    assert SIGNED_IN_COOKIE in client.cookies
    Session.objects.all().delete()  # the row expired with the cookie's age: nothing server-side
    response = client.get("/account/", follow=True)
    assert "Your session timed out" in response.content.decode()
    assert client.cookies[SIGNED_IN_COOKIE].value == ""  # said once
    again = client.get("/sign-in/")
    assert "Your session timed out" not in again.content.decode()


def test_a_deliberate_sign_out_is_not_called_a_timeout(client):
    sign_in_verified(client, UserFactory())
    client.get("/account/")
    page = client.post("/sign-out/", follow=True).content.decode()
    assert "You have signed out" in page and "timed out" not in page


def test_stay_signed_in_starts_the_idle_clock_again(client):
    sign_in_verified(client, UserFactory())
    session = client.session
    session[sessions.SEEN_KEY] -= 14 * 60
    session.save()
    assert client.post("/session/keep-alive/").status_code == 204
    session[sessions.SEEN_KEY] = client.session[sessions.SEEN_KEY]
    assert client.get("/account/").status_code == 200  # 14 minutes idle, then a keep-alive
