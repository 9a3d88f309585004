"""Writes to children's records: names and addresses (which keep the search keys in step), and
a practitioner's own involvement with its indicators.

Each service is keyword-only, runs in one transaction, validates, and writes an audit event.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from childindex.access import policy
from childindex.access.models import User
from childindex.audit.models import Action
from childindex.audit.services import audit_record
from childindex.consent.models import Scope
from childindex.consent.rules import basis_for_service
from childindex.consent.services import consent_record
from childindex.core.identifiers import new_index_number
from childindex.directory.models import LocalAuthority, Service
from childindex.records.models import (
    AssessmentType,
    Basis,
    Carer,
    Child,
    ChildAddress,
    ChildName,
    ChildStatus,
    DeathSource,
    Involvement,
    NameKind,
)
from childindex.records.search_index import search_keys_refresh
from childindex.records.signals import TeamChange, team_changed

LEAD_PROFESSIONAL_TAKEN = (
    "Another practitioner is already the lead professional for this child. They must stop "
    "being lead professional before you can take it on."
)


def new_index_numbers(count: int) -> list[str]:
    """``count`` fresh index numbers that no child holds and that differ from each other.

    Index numbers are random (10 digits and a check digit: about 9,000,000,000 of them), so an
    LA's first load of a few hundred thousand children meets an existing one now and then; a
    number already held is drawn again rather than failing the whole insert."""
    numbers: list[str] = []
    chosen: set[str] = set()
    source = random.SystemRandom()  # the operating system's randomness, as for one number
    while len(numbers) < count:
        wanted = [new_index_number(source) for _ in range(count - len(numbers))]
        wanted = [n for n in dict.fromkeys(wanted) if n not in chosen]
        held: set[str] = set()
        for start in range(0, len(wanted), 5000):
            held.update(
                Child.objects.filter(index_number__in=wanted[start : start + 5000]).values_list(
                    "index_number", flat=True
                )
            )
        for number in wanted:
            if number not in held:
                numbers.append(number)
                chosen.add(number)
    return numbers


def _require(decision: policy.PolicyDecision) -> None:
    if not decision:
        raise PermissionDenied(decision.message)


def _not_future(day: dt.date, today: dt.date, field: str, label: str) -> None:
    if day > today:
        raise ValidationError({field: f"{label} must be today or in the past"})


# --- Names and addresses (keep the search keys in step) ---------------------------------------


def _require_maintainer(actor: User | None, child_la_id: int) -> None:
    """Feeds write as the system (``actor`` None); a person must be the LA's own index team."""
    if actor is not None:
        _require(policy.can_maintain_la(actor, child_la_id))


@transaction.atomic
def child_create(
    *,
    actor: User | None,
    given_names: str,
    family_name: str,
    date_of_birth: dt.date,
    gender: str,
    responsible_la: LocalAuthority,
    today: dt.date | None = None,
) -> Child:
    """A new child with a fresh random index number and a current name."""
    today = today or timezone.localdate()
    _require_maintainer(actor, responsible_la.pk)
    _not_future(date_of_birth, today, "date_of_birth", "Date of birth")
    child = Child(
        index_number=new_index_numbers(1)[0],
        date_of_birth=date_of_birth,
        gender=gender,
        responsible_la=responsible_la,
    )
    child.full_clean()
    child.save()
    name = ChildName(child=child, given_names=given_names.strip(), family_name=family_name.strip())
    name.full_clean()
    name.save()
    search_keys_refresh(child_ids=[child.pk])
    audit_record(actor=actor, action=Action.CHILD_CREATE, children=[child.index_number])
    return child


@transaction.atomic
def child_name_add(
    *,
    actor: User | None,
    child: Child,
    given_names: str,
    family_name: str,
    kind: str = NameKind.CURRENT,
    used_from: dt.date | None = None,
) -> ChildName:
    """Add a name. A new current name makes the old one a former name (still searchable)."""
    _require_maintainer(actor, child.responsible_la_id)
    if kind == NameKind.CURRENT:
        ChildName.objects.filter(child=child, kind=NameKind.CURRENT).update(
            kind=NameKind.FORMER, used_until=used_from
        )
    name = ChildName(
        child=child,
        kind=kind,
        given_names=given_names.strip(),
        family_name=family_name.strip(),
        used_from=used_from,
    )
    name.full_clean()
    name.save()
    search_keys_refresh(child_ids=[child.pk])
    audit_record(
        actor=actor,
        action=Action.CHILD_NAME_ADD,
        children=[child.index_number],
        detail={"kind": kind},
    )
    return name


@transaction.atomic
def child_address_move(
    *,
    actor: User | None,
    child: Child,
    address: ChildAddress,
    moved_on: dt.date,
) -> ChildAddress:
    """The child lives at ``address`` (unsaved) from ``moved_on``; the current address ends."""
    _require_maintainer(actor, child.responsible_la_id)
    ChildAddress.objects.filter(child=child, lived_until__isnull=True).update(lived_until=moved_on)
    address.child = child
    address.lived_from = moved_on
    address.lived_until = None
    address.full_clean()
    address.save()
    search_keys_refresh(child_ids=[child.pk])
    audit_record(actor=actor, action=Action.CHILD_ADDRESS_MOVE, children=[child.index_number])
    return address


# --- A practitioner's own involvement ---------------------------------------------------------


@dataclass(frozen=True)
class ConsentGiven:
    """Who gave consent and to what, recorded with an involvement that needs it."""

    given_by: str
    scope: str
    given_on: dt.date
    carer: Carer | None = None


def practitioner_services(actor: User) -> list[Service]:
    """The services a practitioner may log involvements for: their own in the directory."""
    if actor.practitioner is None:
        return []
    return list(actor.practitioner.services.select_related("organisation").order_by("name"))


@transaction.atomic
def involvement_log(
    *,
    actor: User,
    child: Child,
    service: Service,
    started_on: dt.date,
    consent: ConsentGiven | None = None,
    hidden_concern: bool = False,
    today: dt.date | None = None,
) -> Involvement:
    """A practitioner logs their own service's involvement with a child.

    Its basis comes from the service (``consent.rules.basis_for_service``). Where the basis
    needs consent, the consent given is recorded with it; without one the involvement is held
    but not shown to others until consent is recorded — or, if the practitioner has a concern
    and no consent, it is a hidden concern that only a child protection enquiry reveals.
    """
    today = today or timezone.localdate()
    _require(policy.can_log_involvement(actor))
    if service.pk not in {s.pk for s in practitioner_services(actor)}:
        raise ValidationError({"service": "Select one of your own services"})
    _not_future(started_on, today, "started_on", "The start date")
    if started_on < child.date_of_birth:
        raise ValidationError({"started_on": "The start date must be after the child's birth"})
    if Involvement.objects.filter(child=child, service=service, ended_on__isnull=True).exists():
        raise ValidationError(
            {"service": "This service already has a current involvement with this child"}
        )
    basis = basis_for_service(
        category=service.category, sensitive=service.sensitive, hidden_concern=False
    )
    needs_consent = basis in (Basis.CONSENT, Basis.SENSITIVE_CONSENT)
    if hidden_concern:
        if not needs_consent:
            raise ValidationError(
                {"consent": "This service is shown without consent: it cannot be a hidden concern"}
            )
        if consent is not None:
            raise ValidationError(
                {"consent": "Consent was given, so this is not a concern without consent"}
            )
        basis = Basis.HIDDEN_CONCERN
    if consent is not None and not needs_consent:
        consent = None  # universal and statutory services need no consent
    involvement = Involvement(
        child=child,
        service=service,
        practitioner_id=actor.practitioner_id,
        started_on=started_on,
        basis=basis,
        logged_by=actor,
    )
    try:
        with transaction.atomic():
            involvement.save()
    except IntegrityError as exc:
        raise ValidationError(
            {"started_on": "This service's involvement from that date is already logged"}
        ) from exc
    if consent is not None:
        # Recorded once the involvement stands: consent is recorded by one who works with
        # the child (the whole log is one transaction, so a refused consent logs nothing).
        consent_record(
            actor=actor,
            child=child,
            given_by=consent.given_by,
            carer=consent.carer,
            # A sensitive service: consent to that one service only.
            scope=consent.scope if basis == Basis.CONSENT else Scope.NAMED_SERVICE,
            service=service,
            given_on=consent.given_on,
            today=today,
        )
    audit_record(
        actor=actor,
        action=Action.INVOLVEMENT_LOG,
        children=[child.index_number],
        detail={
            "involvement": involvement.pk,
            "service": service.pk,
            "basis": str(basis),
            "consent_recorded": consent is not None,
        },
    )
    team_changed.send(
        sender=Involvement,
        child=child,
        change=TeamChange.JOINED,
        actor=actor,
        involvement=involvement,
    )
    return involvement


def _locked_own(actor: User, involvement: Involvement) -> Involvement:
    locked = (
        Involvement.objects.select_for_update()
        .select_related("child", "service")
        .get(pk=involvement.pk)
    )
    _require(policy.can_change_involvement(actor, locked))
    return locked


@transaction.atomic
def involvement_end(
    *, actor: User, involvement: Involvement, ended_on: dt.date, today: dt.date | None = None
) -> Involvement:
    """The practitioner ends their own involvement (nobody ends another's)."""
    today = today or timezone.localdate()
    involvement = _locked_own(actor, involvement)
    if involvement.ended_on is not None:
        raise ValidationError({"ended_on": "This involvement has already ended"})
    _not_future(ended_on, today, "ended_on", "The end date")
    if ended_on < involvement.started_on:
        raise ValidationError({"ended_on": "The end date must be on or after the start date"})
    involvement.ended_on = ended_on
    involvement.save(update_fields=["ended_on", "updated_at"])
    audit_record(
        actor=actor,
        action=Action.INVOLVEMENT_END,
        children=[involvement.child.index_number],
        detail={"involvement": involvement.pk},
    )
    team_changed.send(
        sender=Involvement,
        child=involvement.child,
        change=TeamChange.LEFT,
        actor=actor,
        involvement=involvement,
    )
    return involvement


@transaction.atomic
def involvement_indicators_set(
    *,
    actor: User,
    involvement: Involvement,
    is_lead_professional: bool,
    assessment_type: str,
    assessment_on: dt.date | None,
    has_information_to_share: bool,
    taking_action: bool,
    today: dt.date | None = None,
) -> Involvement:
    """A practitioner sets or clears their own indicators. A child has one lead professional
    at a time: taking it on while another is current is refused with a clear reason."""
    today = today or timezone.localdate()
    involvement = _locked_own(actor, involvement)
    if involvement.ended_on is not None:
        raise ValidationError({"__all__": "This involvement has ended: its indicators are closed"})
    errors: dict[str, str] = {}
    if assessment_type and assessment_type not in AssessmentType.values:
        errors["assessment_type"] = "Select a type of assessment"
    elif assessment_type and assessment_on is None:
        errors["assessment_on"] = "Enter the date of the assessment"
    elif assessment_on is not None and not assessment_type:
        errors["assessment_type"] = "Select the type of assessment for that date"
    elif assessment_on is not None and assessment_on > today:
        errors["assessment_on"] = "The assessment date must be today or in the past"
    elif assessment_on is not None and assessment_on < involvement.child.date_of_birth:
        errors["assessment_on"] = "The assessment date must be after the child's birth"
    if is_lead_professional and involvement.practitioner_id is None:
        errors["is_lead_professional"] = "Only a named practitioner can be lead professional"
    if (
        is_lead_professional
        and Involvement.objects.filter(
            child_id=involvement.child_id, is_lead_professional=True, ended_on__isnull=True
        )
        .exclude(pk=involvement.pk)
        .exists()
    ):
        errors["is_lead_professional"] = LEAD_PROFESSIONAL_TAKEN
    if errors:
        raise ValidationError(errors)
    before = {
        "is_lead_professional": involvement.is_lead_professional,
        "assessment_type": involvement.assessment_type,
        "assessment_on": involvement.assessment_on,
        "has_information_to_share": involvement.has_information_to_share,
        "taking_action": involvement.taking_action,
    }
    involvement.is_lead_professional = is_lead_professional
    involvement.assessment_type = assessment_type or ""
    involvement.assessment_on = assessment_on
    involvement.has_information_to_share = has_information_to_share
    involvement.taking_action = taking_action
    try:
        with transaction.atomic():
            involvement.save()
    except IntegrityError as exc:  # another practitioner took it on at the same moment
        raise ValidationError({"is_lead_professional": LEAD_PROFESSIONAL_TAKEN}) from exc
    after = {
        "is_lead_professional": involvement.is_lead_professional,
        "assessment_type": involvement.assessment_type,
        "assessment_on": involvement.assessment_on,
        "has_information_to_share": involvement.has_information_to_share,
        "taking_action": involvement.taking_action,
    }
    changed = sorted(k for k in after if after[k] != before[k])
    audit_record(
        actor=actor,
        action=Action.INVOLVEMENT_INDICATORS_SET,
        children=[involvement.child.index_number],
        detail={"involvement": involvement.pk, "changed": changed},
    )
    # The team hears of a change of lead and of an assessment recorded; the other indicators
    # are for whoever opens the record.
    if "is_lead_professional" in changed:
        team_changed.send(
            sender=Involvement,
            child=involvement.child,
            change=TeamChange.LEAD_CHANGED,
            actor=actor,
            involvement=involvement,
        )
    if involvement.assessment_type and {"assessment_type", "assessment_on"} & set(changed):
        team_changed.send(
            sender=Involvement,
            child=involvement.child,
            change=TeamChange.ASSESSMENT_RECORDED,
            actor=actor,
            involvement=involvement,
        )
    return involvement


# --- A death ----------------------------------------------------------------------------------


@transaction.atomic
def child_death_record(
    *,
    actor: User | None,
    child: Child,
    date_of_death: dt.date,
    source: str,
    actor_label: str = "",
    today: dt.date | None = None,
) -> Child:
    """Record a child's death, with where the date came from. The LA's index team records it
    (or a feed, as the system: ``actor`` None). The record stays live for a year from the date
    of death; ``childindex lifecycle run`` then archives it."""
    _require_maintainer(actor, child.responsible_la_id)
    today = today or timezone.localdate()
    errors: dict[str, str] = {}
    if source not in DeathSource.values:
        errors["source"] = "Select where the date of death came from"
    if date_of_death > today:
        errors["date_of_death"] = "The date of death must be today or in the past"
    elif date_of_death < child.date_of_birth:
        errors["date_of_death"] = "The date of death must be on or after the date of birth"
    if child.status not in (ChildStatus.ACTIVE, ChildStatus.DECEASED):
        errors["__all__"] = f"This record is {child.get_status_display().lower()}"
    if errors:
        raise ValidationError(errors)
    Child.objects.filter(pk=child.pk).update(
        status=ChildStatus.DECEASED,
        date_of_death=date_of_death,
        death_source=source,
        updated_at=timezone.now(),
    )
    child.refresh_from_db()
    audit_record(
        actor=actor,
        actor_label=actor_label,
        action=Action.CHILD_DEATH_RECORD,
        children=[child.index_number],
        detail={"source": source},
    )
    return child


# --- Shielding --------------------------------------------------------------------------------


def _check_shield_maintainer(actor: User, child: Child) -> None:
    decision = policy.can_maintain_la(actor, child.responsible_la_id)
    if not decision:
        raise PermissionDenied(decision.message)
    if child.status == ChildStatus.MERGED:
        raise ValidationError("This record was merged into another: shield that one instead.")


def shield_set(
    *, actor: User, child: Child, review_on: dt.date, today: dt.date | None = None
) -> Child:
    """Shield a record (or change its review date). Only the responsible LA's index team: the
    access policy decides (``policy.can_maintain_la``)."""
    _check_shield_maintainer(actor, child)
    if review_on <= (today or timezone.localdate()):
        raise ValidationError("The review date must be in the future.")
    with transaction.atomic():
        was_shielded = child.shielded
        child.shielded = True
        child.shield_review_on = review_on
        child.save(update_fields=["shielded", "shield_review_on", "updated_at"])
        audit_record(
            actor=actor,
            action=Action.SHIELD_REVIEW_CHANGE if was_shielded else Action.SHIELD_SET,
            children=[child.index_number],
            detail={"review_on": str(review_on)},
        )
    return child


def shield_remove(*, actor: User, child: Child) -> Child:
    """Remove a record's shield. Only the responsible LA's index team."""
    _check_shield_maintainer(actor, child)
    if not child.shielded:
        raise ValidationError("This record is not shielded.")
    with transaction.atomic():
        child.shielded = False
        child.shield_review_on = None
        child.save(update_fields=["shielded", "shield_review_on", "updated_at"])
        audit_record(actor=actor, action=Action.SHIELD_REMOVE, children=[child.index_number])
    return child
