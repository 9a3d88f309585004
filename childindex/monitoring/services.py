"""Monitoring's writes: raising an alert for an LA's auditors, and an auditor's review of one.

Monitoring sits above ``records`` and ``access`` (it asks the policy who may review; records
tells it of a search refused by the limit), while the trail (``audit``) imports no other app.
Every alert is itself in the tamper-evident trail: its audit event comes first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from childindex.access import policy
from childindex.access.models import User
from childindex.access.search_limits import SearchLimitReached
from childindex.audit.models import Action, AuditEvent
from childindex.audit.services import audit_record, index_numbers
from childindex.monitoring.models import Alert, AlertKind, AlertReview, ReviewOutcome


def alert_raise(
    *,
    kind: str,
    local_authority_ids: Iterable[int | None],
    reason: str,
    key: str,
    subject: Any | None = None,
    children: Iterable[str] = (),
    event: AuditEvent | None = None,
) -> list[Alert]:
    """Raise an alert for each LA's auditors, once per key.

    Without ``event`` (a detector's finding) an audit event with action "alert" is written
    first, so every alert is itself in the tamper-evident trail.
    """
    la_ids = sorted({la for la in local_authority_ids if la is not None})
    if not la_ids:
        return []
    with transaction.atomic():
        fresh = [
            la for la in la_ids if not Alert.objects.filter(local_authority_id=la, key=key).exists()
        ]
        if not fresh:
            return []
        children = index_numbers(children)
        if event is None:
            event = audit_record(
                actor=None,
                actor_label="monitoring",
                action=Action.ALERT,
                children=children,
                detail={
                    "kind": kind,
                    "reason": reason,
                    "subject_user": getattr(subject, "pk", None),
                    "local_authorities": fresh,
                },
            )
        now = timezone.now()
        return Alert.objects.bulk_create(
            [
                Alert(
                    event=event,
                    local_authority_id=la,
                    kind=kind if kind in AlertKind.values else AlertKind.OTHER,
                    subject=subject,
                    children=children,
                    reason=reason,
                    raised_at=now,
                    key=key,
                )
                for la in fresh
            ]
        )


def search_limit_alert_raise(
    *, actor: User, reached: SearchLimitReached, event: AuditEvent, **kwargs: Any
) -> None:
    """``records.signals.search_limit_reached``'s receiver (connected in
    ``MonitoringConfig.ready``): alert the user's LA's auditors, once per user and window."""
    per = "a minute" if reached.window == "minute" else "a day"
    alert_raise(
        kind=AlertKind.SEARCH_LIMIT,
        local_authority_ids=[actor.local_authority_id],
        reason=(
            f"The user reached the search limit of {reached.limit} searches {per}; "
            f"searching was refused until "
            f"{reached.resume_at.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC."
        ),
        key=f"search_limit:{actor.pk}:{reached.window}:{reached.resume_at:%Y%m%d%H%M}",
        subject=actor,
        event=event,
    )


def alert_review_record(*, auditor: Any, alert: Alert, outcome: str) -> AlertReview:
    """An auditor records the outcome of an alert of their own LA (a new row: the alert and
    its audit event never change). The review is itself audited."""
    decision = policy.can_audit(auditor, alert.local_authority_id)
    if not decision:
        raise PermissionDenied(decision.message)
    if outcome not in ReviewOutcome.values:
        raise ValueError(f"unknown review outcome {outcome!r}")
    with transaction.atomic():
        review = AlertReview.objects.create(
            alert=alert, outcome=outcome, reviewed_by=auditor, reviewed_at=timezone.now()
        )
        audit_record(
            actor=auditor,
            action=Action.ALERT_REVIEW,
            children=alert.children,
            detail={"alert": alert.pk, "kind": alert.kind, "outcome": outcome},
        )
    return review
