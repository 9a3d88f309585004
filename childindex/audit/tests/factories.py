"""Test helpers for the audit trail: users who may use the index, events written the real way."""

from __future__ import annotations

from django_otp.plugins.otp_static.models import StaticDevice

from childindex.access.tests.factories import UserFactory
from childindex.audit.services import audit_record


def with_two_factor(user):
    """Give ``user`` a confirmed two-factor device (the policy asks for one)."""
    StaticDevice.objects.create(user=user, name="test device", confirmed=True)
    return user


def usable_user(**kwargs):
    """An approved, vetted, trained user with two-factor authentication (any role)."""
    return with_two_factor(UserFactory(**kwargs))


def auditor_of(local_authority, **kwargs):
    return usable_user(role="auditor", local_authority=local_authority, **kwargs)


def record_events(count: int, *, actor=None, action: str = "record_view", **kwargs) -> list:
    """Write ``count`` events through ``audit_record``, each naming one child."""
    return [
        audit_record(
            actor=actor,
            action=action,
            children=[kwargs.pop("index_number", f"{10_000_000_000 + n}")],
            purpose="referral",
            **kwargs,
        )
        for n in range(count)
    ]
