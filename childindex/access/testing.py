"""Helpers for tests anywhere in the project: sign a test client in with both factors, and
make the code an authenticator app would show."""

from __future__ import annotations

import time

from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from childindex.access import agreement
from childindex.access.models import AgreementAcceptance, User
from childindex.access.two_factor import enrolment_code_make


def authenticator(user: User) -> TOTPDevice:
    """The user's confirmed authenticator device (made if missing)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    return device


def totp_code(device: TOTPDevice, *, at: float | None = None) -> str:
    """The six-digit code the device's app shows at ``at`` (now by default)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() if at is None else at
    return f"{totp.token():0{device.digits}d}"


def sign_in_verified(client, user: User, *, agreed: bool = True) -> TOTPDevice:
    """Sign ``client`` in as ``user`` with a two-factor-verified session (as after the code),
    the user agreement accepted unless ``agreed=False`` (then every page leads to it)."""
    device = authenticator(user)
    if agreed and agreement.is_due(user):
        AgreementAcceptance.objects.create(
            user=user, version=agreement.VERSION, accepted_at=timezone.now()
        )
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device


def enrolment_code_for(user: User) -> str:
    """A fresh enrolment code for ``user`` (as if the index team had issued it)."""
    return enrolment_code_make(user, issued_by=user)
