"""Writing audit events. Every service and selector that touches a child calls this."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils import timezone

from childindex.audit.models import AuditEvent, Outcome


def audit_record(
    *,
    actor: Any | None,
    action: str,
    children: Iterable[str] = (),
    outcome: str = Outcome.ALLOWED,
    purpose: str = "",
    detail: dict[str, Any] | None = None,
    ip_address: str | None = None,
    request_id: str = "",
    actor_label: str = "",
) -> AuditEvent:
    """Append one audit event. ``children`` are index numbers, never names."""
    label = actor_label or (getattr(actor, "username", "") if actor is not None else "system")
    return AuditEvent.objects.create(
        at=timezone.now(),
        actor=actor if actor is not None and getattr(actor, "pk", None) else None,
        actor_label=label,
        action=action,
        outcome=outcome,
        purpose=purpose,
        children=list(children),
        detail=detail or {},
        ip_address=ip_address,
        request_id=request_id,
    )
