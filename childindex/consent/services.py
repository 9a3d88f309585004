"""Recording and withdrawing consent (§2, §3).

Additional and specialist involvements are shown only while a consent stands; a sensitive
service needs consent to that one named service. Who gave it is recorded: the young person, or
a named parent or carer of this child.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from childindex.access import policy
from childindex.access.models import User
from childindex.audit.models import Action, EventOutcome
from childindex.audit.services import audit_record
from childindex.consent.models import Consent, GivenBy, Scope
from childindex.directory.models import Service

if TYPE_CHECKING:  # types only: records sits above consent (import-linter's layers)
    from childindex.records.models import Carer, Child, Involvement


def _require(decision: policy.PolicyDecision, *, actor: User, action: str, child: Child) -> None:
    """Refuse (audited) unless the policy allows."""
    if decision:
        return
    audit_record(
        actor=actor,
        action=action,
        outcome=EventOutcome.DENIED,
        children=[child.index_number],
        detail={"reason": decision.message},
    )
    raise PermissionDenied(decision.message)


def _involvements(child: Child) -> list[Involvement]:
    return list(child.involvements.select_related("service"))


def consent_record(
    *,
    actor: User,
    child: Child,
    given_by: str,
    scope: str,
    given_on: dt.date,
    carer: Carer | None = None,
    service: Service | None = None,
    today: dt.date | None = None,
) -> Consent:
    """Record a family's consent, by a practitioner who works with the child
    (``policy.can_record_consent``). A parent or carer must be one of this child's carers; a
    named-service consent names the service; consent is never dated in the future."""
    today = today or timezone.localdate()
    _require(
        policy.can_record_consent(
            actor,
            involvements=_involvements(child),
            service=service if scope == Scope.NAMED_SERVICE else None,
        ),
        actor=actor,
        action=Action.CONSENT_RECORD,
        child=child,
    )
    errors: dict[str, str] = {}
    if given_by not in GivenBy.values:
        errors["given_by"] = "Select who gave consent"
    elif given_by == GivenBy.PARENT_CARER:
        if carer is None:
            errors["carer"] = "Select the parent or carer who gave consent"
        elif not child.carer_links.filter(carer=carer).exists():
            errors["carer"] = "That person is not recorded as one of this child's carers"
    elif carer is not None:
        carer = None  # the young person gave it themselves
    if scope not in Scope.values:
        errors["scope"] = "Select what the consent covers"
    elif scope == Scope.NAMED_SERVICE and service is None:
        errors["scope"] = "Consent to one named service must name the service"
    elif scope == Scope.ADDITIONAL_SERVICES:
        service = None
    elif scope == Scope.RETENTION_TO_25:
        service = None
        if given_by != GivenBy.YOUNG_PERSON:
            errors["given_by"] = "Only the young person can consent to keeping their record to 25"
    if given_on > today:
        errors["given_on"] = "The date consent was given must be today or in the past"
    elif given_on < child.date_of_birth:
        errors["given_on"] = "The date consent was given must be after the child's birth"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        return _create(
            actor=actor,
            child=child,
            given_by=given_by,
            carer=carer,
            scope=scope,
            service=service,
            given_on=given_on,
        )


def _create(*, actor, child, given_by, carer, scope, service, given_on) -> Consent:
    consent = Consent.objects.create(
        child=child,
        given_by=given_by,
        carer=carer,
        scope=scope,
        service=service,
        given_on=given_on,
        recorded_by=actor,
    )
    audit_record(
        actor=actor,
        action=Action.CONSENT_RECORD,
        children=[child.index_number],
        detail={
            "consent": consent.pk,
            "given_by": given_by,
            "scope": scope,
            "service": service.pk if service else None,
        },
    )
    return consent


def consent_withdraw(
    *, actor: User, consent: Consent, withdrawn_on: dt.date, today: dt.date | None = None
) -> Consent:
    """Withdraw a consent: the involvements that relied on it are no longer shown. Only a
    practitioner who works with the child (``policy.can_withdraw_consent``)."""
    today = today or timezone.localdate()
    consent = Consent.objects.select_related("child", "service").get(pk=consent.pk)
    _require(
        policy.can_withdraw_consent(actor, consent, involvements=_involvements(consent.child)),
        actor=actor,
        action=Action.CONSENT_WITHDRAW,
        child=consent.child,
    )
    with transaction.atomic():
        return _withdraw(actor=actor, consent=consent, withdrawn_on=withdrawn_on, today=today)


def _withdraw(*, actor: User, consent: Consent, withdrawn_on: dt.date, today: dt.date) -> Consent:
    consent = Consent.objects.select_for_update().select_related("child").get(pk=consent.pk)
    if consent.withdrawn_on is not None:
        raise ValidationError({"withdrawn_on": "This consent has already been withdrawn"})
    if withdrawn_on > today:
        raise ValidationError({"withdrawn_on": "The date must be today or in the past"})
    if withdrawn_on < consent.given_on:
        raise ValidationError({"withdrawn_on": "Consent cannot be withdrawn before it was given"})
    consent.withdrawn_on = withdrawn_on
    consent.save(update_fields=["withdrawn_on", "updated_at"])
    audit_record(
        actor=actor,
        action=Action.CONSENT_WITHDRAW,
        children=[consent.child.index_number],
        detail={"consent": consent.pk},
    )
    return consent
