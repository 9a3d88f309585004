"""A child's consents as one user may see them (``policy.consent_view``), for the record page,
the consent pages and the FHIR ``Consent`` resource.

A consent to a sensitive service names it only to those who see that service in full; others
see "a sensitive service" while it stands, with no dates and no carer, and nothing after.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils import timezone

from childindex.access import policy
from childindex.access.models import User
from childindex.consent.models import Consent, GivenBy, Scope

if TYPE_CHECKING:  # types only: records sits above consent (import-linter's layers)
    from childindex.records.models import Child, Involvement

SENSITIVE_SERVICE = "A sensitive service"


@dataclass(frozen=True)
class ConsentEntry:
    consent_id: int
    view: policy.Visibility
    scope: str
    covers: str  # what it covers, in words: a named service's name unless the view hides it
    given_by: str
    given_on: dt.date | None
    withdrawn_on: dt.date | None
    stands: bool
    can_withdraw: bool
    service_name: str = ""
    carer_name: str = ""

    @property
    def is_sensitive_view(self) -> bool:
        return self.view == policy.Visibility.SENSITIVE


def _entry(
    actor: User,
    consent: Consent,
    view: policy.Visibility,
    involvements: list[Involvement],
    today: dt.date,
) -> ConsentEntry:
    stands = consent.given_on <= today and (
        consent.withdrawn_on is None or consent.withdrawn_on > today
    )
    can_withdraw = stands and bool(
        policy.can_withdraw_consent(actor, consent, involvements=involvements)
    )
    if view == policy.Visibility.SENSITIVE:
        return ConsentEntry(
            consent_id=consent.pk,
            view=view,
            scope=consent.scope,
            covers=SENSITIVE_SERVICE,
            given_by=GivenBy(consent.given_by).label,
            given_on=None,
            withdrawn_on=None,
            stands=stands,
            can_withdraw=False,
        )
    service_name = (
        consent.service.name
        if consent.scope == Scope.NAMED_SERVICE and consent.service is not None
        else ""
    )
    return ConsentEntry(
        consent_id=consent.pk,
        view=view,
        scope=consent.scope,
        covers=service_name or Scope(consent.scope).label,
        given_by=GivenBy(consent.given_by).label,
        given_on=consent.given_on,
        withdrawn_on=consent.withdrawn_on,
        stands=stands,
        can_withdraw=can_withdraw,
        service_name=service_name,
        carer_name=str(consent.carer) if consent.carer_id else "",
    )


def consents_seen(
    *,
    actor: User,
    child: Child,
    access: policy.RecordAccess,
    seen_service_ids: Iterable[int],
    involvements: list[Involvement] | None = None,
    today: dt.date | None = None,
) -> list[ConsentEntry]:
    """The child's consents that ``actor`` sees on a record opened with ``access`` (newest
    first). The caller has audited the record view."""
    today = today or timezone.localdate()
    if not access.allowed or access.view != policy.Visibility.FULL:
        return []
    if involvements is None:
        involvements = list(child.involvements.select_related("service"))
    seen = set(seen_service_ids)
    entries = []
    consents = (
        Consent.objects.filter(child=child)
        .select_related("service", "carer")
        .order_by("-given_on", "-pk")
    )
    for consent in consents:
        view = policy.consent_view(
            actor, consent, access=access, seen_service_ids=seen, today=today
        )
        if view != policy.Visibility.HIDDEN:
            entries.append(_entry(actor, consent, view, involvements, today))
    return entries


@dataclass(frozen=True)
class ConsentChoices:
    """What a practitioner may record a consent with, for a child they work with."""

    decision: policy.PolicyDecision
    carers: list
    services: list


def consent_choices(*, actor: User, child: Child) -> ConsentChoices:
    """The policy's answer (``can_record_consent``), the child's carers who may give consent
    and the actor's own services with a current involvement with the child (for a consent
    to one named service)."""
    involvements = list(child.involvements.select_related("service"))
    decision = policy.can_record_consent(actor, involvements=involvements)
    if not decision:
        return ConsentChoices(decision, [], [])
    services = []
    for involvement in involvements:
        held = involvement.ended_on is None and policy.can_record_consent(
            actor, involvements=[involvement], service=involvement.service
        )
        if held and involvement.service not in services:
            services.append(involvement.service)
    links = child.carer_links.select_related("carer").order_by("pk")
    carers = [link.carer for link in links]
    return ConsentChoices(decision, carers, services)


def consent_to_withdraw(*, actor: User, child: Child, consent_id: int) -> Consent | None:
    """One of the child's standing consents that ``actor`` may withdraw, else None."""
    consent = (
        Consent.objects.filter(child=child, pk=consent_id, withdrawn_on__isnull=True)
        .select_related("service", "carer", "child")
        .first()
    )
    if consent is None:
        return None
    involvements = list(child.involvements.select_related("service"))
    if not policy.can_withdraw_consent(actor, consent, involvements=involvements):
        return None
    return consent


def consent_child(*, consent_id: int) -> Child | None:
    """The child a consent is about (the caller then asks the policy whether it may see it)."""
    consent = Consent.objects.filter(pk=consent_id).select_related("child").first()
    return consent.child if consent else None
