"""Test helpers for the audit trail: auditors, events written the real way, alerts, reviews."""

from __future__ import annotations

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from childindex.access.tests.factories import UserFactory
from childindex.audit.models import Action
from childindex.audit.services import audit_record
from childindex.directory.tests.factories import LocalAuthorityFactory
from childindex.monitoring.models import Alert, AlertKind, AlertReview, ReviewOutcome


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


class AlertFactory(DjangoModelFactory):
    """An alert row for one LA, raised by a real "alert" event in the chain."""

    class Meta:
        model = Alert

    event = factory.LazyFunction(
        lambda: audit_record(actor=None, actor_label="monitoring", action=Action.ALERT)
    )
    local_authority = factory.SubFactory(LocalAuthorityFactory)
    kind = AlertKind.SEARCH_VOLUME
    reason = "Searched far more than peers today."
    raised_at = factory.LazyFunction(timezone.now)
    key = factory.Sequence(lambda n: f"alert-{n}")


class AlertReviewFactory(DjangoModelFactory):
    class Meta:
        model = AlertReview

    alert = factory.SubFactory(AlertFactory)
    outcome = ReviewOutcome.APPROPRIATE
    reviewed_by = factory.SubFactory(
        UserFactory,
        auditor=True,
        local_authority=factory.SelfAttribute("..alert.local_authority"),
    )
    reviewed_at = factory.LazyFunction(timezone.now)
