"""Demo accounts: one ready-to-use account per role for an LA, with a known two-factor secret.

Synthetic demo only. Each account is approved, vetted and trained, and has a confirmed
authenticator device whose secret is returned, so the demo command can print it and a current
code. Running it again for the same LA refreshes the same accounts (idempotent).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import NamedTuple

from django.db import transaction
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from childindex.access import two_factor
from childindex.access.models import Role, User
from childindex.directory.models import (
    Organisation,
    OrganisationType,
    Practitioner,
    ServiceKind,
)

DEMO_PASSWORD = "synthetic-demo-only-2026"  # noqa: S105  (synthetic demo accounts only)


class DemoUser(NamedTuple):
    username: str
    role: str
    password: str
    totp_secret: str  # base32, as an authenticator app takes it


_NAMES = {
    Role.PRACTITIONER: ("Pat", "Demo-Practitioner"),
    Role.CHILD_PROTECTION: ("Charlie", "Demo-Protection"),
    Role.INDEX_TEAM: ("Indira", "Demo-Indexteam"),
    Role.AUDITOR: ("Alex", "Demo-Auditor"),
    Role.NATIONAL_OPERATOR: ("Nat", "Demo-Operator"),
}


def _secret_hex(la_code: str, role: str) -> str:
    """A fixed 20-byte secret per LA and role, so a re-run keeps the printed secret valid."""
    return hashlib.sha256(f"childindex-demo:{la_code}:{role}".encode()).hexdigest()[:40]


def current_code(totp_secret: str) -> str:
    """The authenticator code for ``totp_secret`` (base32) right now, as six digits."""
    import base64

    key = base64.b32decode(totp_secret)
    return f"{totp(key, step=30, t0=0, digits=6, drift=0):06d}"


def _practitioner_for(la, role: str):
    """A practitioner of this LA not yet taken by another demo account, with the most current
    involvements (so the demo shows a full caseload); for the child-protection role, one in
    children's social care where there is one."""
    from django.db.models import Count, Q

    candidates = (
        Practitioner.objects.filter(organisation__local_authority=la)
        .exclude(user__username__startswith="demo-")
        .annotate(current=Count("involvements", filter=Q(involvements__ended_on__isnull=True)))
        .order_by("-current", "pk")
    )
    if role == Role.CHILD_PROTECTION:
        social_care = candidates.filter(services__kind=ServiceKind.SOCIAL_CARE).first()
        if social_care is not None:
            return social_care
    return candidates.first()


def _organisation_for(la, role: str):
    own = Organisation.objects.filter(local_authority=la).order_by("pk")
    return own.filter(type=OrganisationType.LOCAL_AUTHORITY).first() or own.first()


def create_demo_users(la, *, today: dt.date | None = None) -> list[DemoUser]:
    """One approved, vetted, trained account per role for ``la``, with known secrets.

    Practitioner roles are linked to existing practitioners of the LA (the directory must be
    generated first); the others to the LA's own organisation.
    """
    today = today or timezone.localdate()
    created: list[DemoUser] = []
    with transaction.atomic():
        for role in Role:
            username = f"demo-{role.value.replace('_', '-')}-{la.code.lower()}"
            user = User.objects.filter(username=username).first()
            if user is None and role in (Role.PRACTITIONER, Role.CHILD_PROTECTION):
                # The generator gives every practitioner an account (no usable password): the
                # demo account takes over that practitioner's own, keeping their history.
                practitioner = _practitioner_for(la, role)
                user = getattr(practitioner, "user", None) if practitioner else None
                if user is not None:
                    user.username = username
            user = user or User(username=username)
            user.first_name, user.last_name = _NAMES[role]
            user.role = role
            user.local_authority = la
            user.email = f"{username}@example.invalid"
            if role in (Role.PRACTITIONER, Role.CHILD_PROTECTION):
                practitioner = user.practitioner if user.pk and user.practitioner_id else None
                practitioner = practitioner or _practitioner_for(la, role)
                if practitioner is None:
                    raise ValueError(
                        f"{la} has no practitioner free for a demo {role.label} account: "
                        "generate the directory first."
                    )
                user.practitioner = practitioner
                user.organisation = practitioner.organisation
                # Signed in as the practitioner whose involvements they log: one name, not two.
                user.first_name, user.last_name = practitioner.given_name, practitioner.family_name
            else:
                user.organisation = _organisation_for(la, role)
            user.approved_on = today
            user.suspended_on = None
            user.is_active = True
            user.dbs_checked_on = today - dt.timedelta(days=30)
            user.training_completed_on = today - dt.timedelta(days=20)
            user.set_password(DEMO_PASSWORD)
            user.save()
            two_factor.two_factor_reset(user=user)
            device = TOTPDevice.objects.create(
                user=user,
                name=two_factor.AUTHENTICATOR_NAME,
                key=_secret_hex(la.code, role.value),
                confirmed=True,
            )
            two_factor.recovery_codes_replace(user=user)
            created.append(
                DemoUser(username, role.value, DEMO_PASSWORD, two_factor.secret_base32(device))
            )
    return created
