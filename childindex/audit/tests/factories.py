"""Test helpers for the audit trail: auditors, events written the real way."""

from __future__ import annotations

from childindex.access.tests.factories import UserFactory
from childindex.audit.services import audit_record


def auditor_of(local_authority, **kwargs):
    """An auditor of ``local_authority`` meeting every prerequisite (``UserFactory``'s defaults)."""
    return UserFactory(auditor=True, local_authority=local_authority, **kwargs)


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
