"""Monitoring: an auditor records the outcome of an alert (the review queue of irregular use).

Monitoring sits above ``access`` and ``records`` (it asks the policy who may review), while the
trail itself (``audit.services``, ``audit.models``, ``audit.chain``) imports no other app. The
layers contract in pyproject.toml lists this module with the other monitoring modules.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from childindex.access import policy
from childindex.audit.models import Action, Alert, AlertReview, ReviewOutcome
from childindex.audit.services import audit_record


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
