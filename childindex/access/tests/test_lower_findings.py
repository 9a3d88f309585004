"""Issue 15, finding 8 (access): TOTP drift, password spraying, the shield override's refresh."""

from __future__ import annotations

import datetime as dt
import time
from unittest import mock

import pytest
from django.conf import settings
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from childindex.access import services, two_factor
from childindex.access.models import Role, ShieldOverrideReason
from childindex.access.testing import authenticator, totp_code
from childindex.access.tests.factories import SYNTHETIC_PASSWORD, UserFactory
from childindex.records.tests.factories import ChildFactory

pytestmark = pytest.mark.django_db


def test_a_code_from_the_next_step_never_moves_the_devices_clock():
    user = UserFactory()
    device = authenticator(user)
    now = time.time()
    for steps_ahead in (1, 2, 3):  # each accepted code one step ahead of the last would ratchet
        code = totp_code(device, at=now + 30 * steps_ahead)
        with mock.patch("time.time", return_value=now + 30 * (steps_ahead - 1)):
            two_factor.code_verify(user=user, code=code)
        device.refresh_from_db()
        assert device.drift == 0
    # and the code the app shows now still works once the clock catches up
    device.last_t = -1
    device.save()
    assert two_factor.code_verify(user=user, code=totp_code(device, at=now)) is not None


def test_codes_more_than_one_step_away_are_refused():
    user = UserFactory()
    device = authenticator(user)
    assert device.tolerance <= 1
    assert two_factor.code_verify(user=user, code=totp_code(device, at=time.time() + 90)) is None
    assert two_factor.code_verify(user=user, code=totp_code(device, at=time.time() - 90)) is None
    assert settings.OTP_TOTP_SYNC is False


def test_password_spraying_across_usernames_from_one_address_is_throttled():
    sprayed = [UserFactory() for _ in range(settings.AXES_FAILURE_LIMIT)]
    victim = UserFactory()
    client = Client(REMOTE_ADDR="192.0.2.50")
    for user in sprayed:
        client.post("/sign-in/", {"username": user.username, "password": "Spring2026!"})
    response = client.post(
        "/sign-in/", {"username": victim.username, "password": SYNTHETIC_PASSWORD}
    )
    assert response.status_code == 429
    # another address is not held back
    other = Client(REMOTE_ADDR="192.0.2.51")
    response = other.post(
        "/sign-in/", {"username": victim.username, "password": SYNTHETIC_PASSWORD}
    )
    assert response.status_code == 302


def test_the_shield_override_asks_again_on_a_refresh_after_five_minutes():
    assert settings.SHIELD_OVERRIDE_SECONDS == 5 * 60
    cp = UserFactory(role=Role.CHILD_PROTECTION)
    child = ChildFactory(shielded=True, shield_review_on=dt.date.today() + dt.timedelta(days=30))
    session: dict = {}
    services.shield_override_grant(
        actor=cp,
        child=child,
        reason=ShieldOverrideReason.SECTION_47,
        code=totp_code(authenticator(cp)),
        session=session,
    )
    granted = session[services.SHIELD_OVERRIDE_SESSION_KEY]["at"]
    with mock.patch("childindex.access.services.time.time", return_value=granted + 4 * 60):
        assert services.shield_override_active(session=session, child=child)
    with mock.patch("childindex.access.services.time.time", return_value=granted + 5 * 60 + 1):
        assert not services.shield_override_active(session=session, child=child)


def test_no_device_is_made_with_a_tolerance_wider_than_one_step():
    user = UserFactory(two_factor=False)
    device = two_factor.pending_authenticator(user)
    assert TOTPDevice.objects.get(pk=device.pk).tolerance <= 1
