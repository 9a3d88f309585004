"""Signing in: password then two-factor, throttling without permanent lock-out, no user
enumeration, single-use codes, session rotation, audit of sign-ins and failures."""

from __future__ import annotations

import re

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from childindex.access import two_factor
from childindex.access.models import UserSession
from childindex.access.testing import authenticator, enrolment_code_for, totp_code
from childindex.access.tests.factories import SYNTHETIC_PASSWORD as PASSWORD
from childindex.access.tests.factories import UserFactory
from childindex.audit.models import AuditEvent, EventOutcome
from childindex.web.tests.page_checks import assert_govuk_page

pytestmark = pytest.mark.django_db

SIGN_IN = "/sign-in/"
VERIFY = "/sign-in/two-factor/"
SET_UP = "/account/two-factor/set-up/"


def password_step(client: Client, username: str, password: str = PASSWORD, **extra):
    return client.post(SIGN_IN, {"username": username, "password": password}, **extra)


def code_step(client: Client, code: str):
    return client.post(VERIFY, {"code": code})


def sign_in_fully(client: Client, user) -> str:
    password_step(client, user.username)
    code = totp_code(authenticator(user))
    response = code_step(client, code)
    assert response.status_code == 302, response.content
    return code


def test_sign_in_page_follows_govuk_conventions(client):
    response = client.get(SIGN_IN)
    assert response.status_code == 200
    assert_govuk_page(response)


def test_password_alone_reaches_only_the_two_factor_step(client):
    user = UserFactory()
    response = password_step(client, user.username)
    assert response.status_code == 302
    assert response["Location"].startswith(VERIFY)
    response = client.get("/account/")
    assert response.status_code == 302
    assert response["Location"].startswith(VERIFY)


def test_two_factor_step_signs_in_and_audits_both_factors(client):
    user = UserFactory()
    password_step(client, user.username)
    response = code_step(client, totp_code(authenticator(user)))
    assert response.status_code == 302
    assert client.get("/account/").status_code == 200
    factors = [e.detail["factor"] for e in AuditEvent.objects.filter(action="sign_in", actor=user)]
    assert factors == ["password", "authenticator"]


def test_session_key_rotates_at_sign_in_and_again_after_two_factor(client):
    user = UserFactory()
    client.get(SIGN_IN)
    client.session.save()
    before = client.session.session_key
    password_step(client, user.username)
    after_password = client.session.session_key
    code_step(client, totp_code(authenticator(user)))
    after_code = client.session.session_key
    assert len({before, after_password, after_code}) == 3
    assert not Session.objects.filter(session_key__in=[before, after_password]).exists()
    assert UserSession.objects.get(user=user).session_key == after_code


def test_same_message_for_unknown_user_and_wrong_password(client, monkeypatch):
    user = UserFactory()
    calls: list[str] = []
    hasher = Argon2PasswordHasher
    real_hash, real_verify = hasher.encode, hasher.verify

    def spy_hash(self, *args, **kwargs):
        calls.append("hash")
        return real_hash(self, *args, **kwargs)

    def spy_verify(self, *args, **kwargs):
        calls.append("verify")
        return real_verify(self, *args, **kwargs)

    monkeypatch.setattr(hasher, "encode", spy_hash)
    monkeypatch.setattr(hasher, "verify", spy_verify)

    def body(response) -> str:
        html = response.content.decode()
        html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
        return re.sub(r'nonce="[^"]+"', "", html)

    unknown = password_step(client, "nobody-by-this-name", "a-wrong-password-123")
    unknown_hashing = list(calls)
    calls.clear()
    wrong = password_step(client, user.username, "a-wrong-password-123")
    wrong_hashing = list(calls)

    assert unknown.status_code == wrong.status_code == 200
    assert "Enter a correct username and password" in body(unknown)
    assert body(unknown).replace("nobody-by-this-name", "X") == body(wrong).replace(
        user.username, "X"
    )
    # Both paths run Argon2 once (Django hashes the password for an unknown user too).
    assert unknown_hashing == ["hash"]
    assert wrong_hashing == ["verify"]


def test_failed_sign_ins_are_audited_without_the_password(client):
    password_step(client, "someone", "secret-password-typed-wrong")
    event = AuditEvent.objects.get(action="sign_in_failed")
    assert event.outcome == EventOutcome.FAILED
    assert event.actor is None
    assert event.actor_label == "someone"
    assert event.ip_address == "127.0.0.1"
    assert "secret-password" not in str(event.detail)


def test_repeated_failures_are_throttled_then_lifted_after_the_cool_off(client):
    user = UserFactory()
    for _ in range(4):
        assert password_step(client, user.username, "wrong-password-xyz").status_code == 200
    locked = password_step(client, user.username, "wrong-password-xyz")
    assert locked.status_code == 429
    assert_govuk_page(locked)
    # Even the right password is refused while locked out...
    assert password_step(client, user.username).status_code == 429
    # ...but not from another address (locks are per username *and* address)...
    other = Client(REMOTE_ADDR="192.0.2.10")
    assert password_step(other, user.username).status_code == 302
    # ...and the lock lifts after the cool-off: never a permanent lock-out.
    AccessAttempt.objects.update(attempt_time=timezone.now() - timezone.timedelta(minutes=16))
    response = password_step(client, user.username)
    assert response.status_code == 302
    assert response["Location"].startswith(VERIFY)


def test_unknown_usernames_are_throttled_the_same_way(client):
    for _ in range(5):
        response = password_step(client, "no-such-user", "wrong-password-xyz")
    assert response.status_code == 429


def test_an_authenticator_code_works_once(client):
    user = UserFactory()
    code = sign_in_fully(client, user)
    client.post("/sign-out/")
    password_step(client, user.username)
    replay = code_step(client, code)
    assert replay.status_code == 200
    assert "already been used" in replay.content.decode(), replay.content.decode()[-3000:]
    assert client.get("/account/").status_code == 302
    assert AuditEvent.objects.filter(
        action="sign_in_failed", actor=user, detail__factor="two_factor"
    ).exists()


def test_a_wrong_code_is_refused(client):
    user = UserFactory()
    password_step(client, user.username)
    response = code_step(client, "000000" if totp_code(authenticator(user)) != "000000" else "1")
    assert response.status_code == 200
    assert_govuk_page(response)
    assert "Error: " in response.content.decode()
    assert client.get("/account/").status_code == 302


def test_a_recovery_code_works_once(client):
    user = UserFactory()
    codes = two_factor.recovery_codes_replace(user=user)
    password_step(client, user.username)
    assert code_step(client, codes[0].upper()).status_code == 302
    assert client.get("/account/").status_code == 200
    client.post("/sign-out/")
    password_step(client, user.username)
    assert code_step(client, codes[0]).status_code == 200
    assert client.get("/account/").status_code == 302
    assert StaticToken.objects.filter(device__user=user).count() == len(codes) - 1


def test_an_account_without_two_factor_sets_it_up_and_gets_recovery_codes(client):
    user = UserFactory(two_factor=False)
    response = password_step(client, user.username)
    assert response["Location"].startswith(SET_UP)
    client.post(SET_UP, {"enrolment_code": enrolment_code_for(user)})
    page = client.get(SET_UP)
    assert page.status_code == 200
    assert_govuk_page(page)
    html = page.content.decode()
    assert "<svg" in html and 'role="img"' in html
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert two_factor.secret_for_display(device) in html
    # Nothing else is reachable before the set-up is finished.
    assert client.get("/account/")["Location"].startswith(SET_UP)

    done = client.post(SET_UP, {"code": totp_code(device)})
    assert done.status_code == 302
    shown = client.get(done["Location"])
    assert_govuk_page(shown)
    codes = list(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))
    assert len(codes) == 10
    assert all(code in shown.content.decode() for code in codes)
    # Shown once only.
    assert codes[0] not in client.get("/account/recovery-codes/").content.decode()
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/account/").status_code == 200
    assert AuditEvent.objects.filter(action="two_factor_set_up", actor=user).exists()


def test_set_up_page_refuses_a_wrong_code(client):
    user = UserFactory(two_factor=False)
    password_step(client, user.username)
    client.post(SET_UP, {"enrolment_code": enrolment_code_for(user)})
    client.get(SET_UP)
    response = client.post(SET_UP, {"code": "12345x"})
    assert response.status_code == 200
    assert_govuk_page(response)
    assert not TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def test_the_next_page_is_kept_through_both_steps_but_never_another_site(client):
    user = UserFactory()
    client.post(SIGN_IN, {"username": user.username, "password": PASSWORD, "next": "/account/"})
    response = client.post(VERIFY, {"code": totp_code(authenticator(user)), "next": "/account/"})
    assert response["Location"] == "/account/"
    client.post("/sign-out/")
    user2 = UserFactory()
    password_step(client, user2.username)
    response = client.post(
        VERIFY, {"code": totp_code(authenticator(user2)), "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_sign_in_and_two_factor_pages_are_not_cached(client):
    user = UserFactory()
    password_step(client, user.username)
    assert "no-store" in client.get(VERIFY)["Cache-Control"]


def test_pages_send_the_security_headers(client):
    response = client.get(SIGN_IN)
    csp = response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self' 'nonce-" in csp
    assert "'unsafe-inline'" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
