"""Two-factor authentication with django-otp: an authenticator app (TOTP) and recovery codes.

- A code is single-use: django-otp's TOTP device refuses a code from a time step at or before
  the last one accepted, and a recovery code is deleted when used.
- Wrong codes are throttled by django-otp (each failure doubles the wait).
- A *fresh* check (the shield override) takes an authenticator code only, at that moment.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import re
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django_otp import verify_token
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from childindex.access.models import EnrolmentCode, User

AUTHENTICATOR_NAME = "Authenticator app"
RECOVERY_NAME = "Recovery codes"


def normalise_code(code: str) -> str:
    return re.sub(r"[\s-]", "", code or "").lower()


# --- Enrolment codes: what, besides the password, lets someone set up a second factor ---------

ENROLMENT_CODE_HOURS = 72
_ENROLMENT_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"  # no 0/O, 1/I/L, U
_ENROLMENT_LENGTH = 16


def _enrolment_normalise(code: str) -> str:
    return re.sub(r"[\s-]", "", code or "").upper()


def enrolment_code_hash(code: str) -> str:
    return hashlib.sha256(_enrolment_normalise(code).encode("utf-8")).hexdigest()


def enrolment_code_make(account: User, *, issued_by: User) -> str:
    """A new enrolment code for ``account`` (any earlier unused one stops working); returns
    the code, which is not kept. The caller checks who may issue it
    (``access.services.enrolment_code_issue``)."""
    now = timezone.now()
    raw = "".join(secrets.choice(_ENROLMENT_ALPHABET) for _ in range(_ENROLMENT_LENGTH))
    with transaction.atomic():
        EnrolmentCode.objects.filter(user=account, used_at__isnull=True).update(used_at=now)
        EnrolmentCode.objects.create(
            user=account,
            code_sha256=enrolment_code_hash(raw),
            issued_by=issued_by,
            issued_at=now,
            expires_at=now + dt.timedelta(hours=ENROLMENT_CODE_HOURS),
        )
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def enrolment_code_use(*, user: User, code: str) -> bool:
    """Spend ``code`` if it is this user's, unused and unexpired (single use)."""
    now = timezone.now()
    with transaction.atomic():
        used = EnrolmentCode.objects.filter(
            user=user,
            code_sha256=enrolment_code_hash(code),
            used_at__isnull=True,
            expires_at__gt=now,
        ).update(used_at=now)
    return used == 1


def pending_authenticator(user: User) -> TOTPDevice:
    """The unconfirmed authenticator device being set up (one per user, made on first view)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=False)
    return device


def secret_base32(device: TOTPDevice) -> str:
    """The secret as a person types it into an authenticator app."""
    return base64.b32encode(binascii.unhexlify(device.key)).decode("ascii")


def secret_for_display(device: TOTPDevice) -> str:
    secret = secret_base32(device)
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_code_svg(device: TOTPDevice) -> SafeString:
    """The set-up link as an inline SVG QR code (no inline style: the CSP forbids it)."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage)
    svg = image.to_string(encoding="unicode")
    svg = svg.replace(
        "<svg ",
        '<svg role="img" aria-label="QR code to set up your authenticator app" '
        'class="app-qr-code" ',
        1,
    )
    # qrcode writes only numbers and fixed markup; nothing in it comes from the user.
    return mark_safe(svg)  # noqa: S308


def authenticator_confirm(*, user: User, device: TOTPDevice, code: str) -> list[str] | None:
    """Confirm the device with a first code; on success return fresh recovery codes."""
    if device.user_id != user.pk or device.confirmed:
        return None
    with transaction.atomic():
        if not verify_token(user, device.persistent_id, normalise_code(code)):
            return None
        TOTPDevice.objects.filter(pk=device.pk).update(confirmed=True)
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        return recovery_codes_replace(user=user)


def recovery_codes_replace(*, user: User) -> list[str]:
    """New single-use recovery codes; the old ones stop working."""
    count = getattr(settings, "RECOVERY_CODE_COUNT", 10)
    with transaction.atomic():
        device, _ = StaticDevice.objects.get_or_create(
            user=user, name=RECOVERY_NAME, defaults={"confirmed": True}
        )
        device.token_set.all().delete()
        codes = [StaticToken.random_token() for _ in range(count)]
        StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    return codes


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def _devices(user: User, model) -> list[Device]:
    return list(model.objects.devices_for_user(user, confirmed=True))


def code_verify(*, user: User, code: str, allow_recovery: bool = True) -> Device | None:
    """The device that accepts ``code``, or None.

    Six digits are an authenticator code; anything else can only be a recovery code (so a
    recovery code never counts as a wrong authenticator code for throttling, nor the reverse).
    """
    token = normalise_code(code)
    if not token:
        return None
    if re.fullmatch(r"[0-9]{6}", token):
        model = TOTPDevice
    elif allow_recovery:
        model = StaticDevice
    else:
        return None
    for device in _devices(user, model):
        verified = verify_token(user, device.persistent_id, token)
        if verified is not None:
            return verified
    return None


def throttled_for_seconds(user: User) -> int:
    """How long before the user's devices accept another try (0 when they do now)."""
    from django.utils import timezone

    waits = []
    for model in (TOTPDevice, StaticDevice):
        for device in _devices(user, model):
            allowed, data = device.verify_is_allowed()
            if not allowed and data and data.get("locked_until"):
                waits.append((data["locked_until"] - timezone.now()).total_seconds())
    return max(0, int(max(waits, default=0)) + 1) if waits else 0


def two_factor_reset(*, user: User) -> None:
    """Remove every device: the user sets two-factor up again at next sign-in, with a new
    enrolment code from the index team."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
