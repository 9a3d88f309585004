"""Reads of children: search, and the record with the team around the child.

Every read asks the one access policy (``access.policy``) and writes an audit event: a search
with its criteria and the index numbers it returned, a record view with its purpose.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.utils import timezone

from childindex.access import policy
from childindex.access.models import User
from childindex.access.policy import AccessRefused
from childindex.access.search_limits import SearchLimitReached, search_limit_take
from childindex.access.services import access_alerts_raise
from childindex.audit.models import Action, EventOutcome
from childindex.audit.services import audit_record
from childindex.consent.selectors import ConsentEntry, consents_seen
from childindex.core.routers import replica_reads
from childindex.directory.models import LocalAuthority, ServiceCategory
from childindex.records.models import (
    Carer,
    Child,
    ChildAddress,
    ChildCarer,
    ChildIdentifier,
    ChildName,
    ChildStatus,
    Gender,
    Involvement,
    NameKind,
)
from childindex.records.search import Match, SearchCriteria, find_children
from childindex.records.signals import search_limit_reached

# --- Search ------------------------------------------------------------------------------------


@replica_reads
def child_search(
    *,
    actor: User,
    criteria: SearchCriteria,
    ip_address: str | None = None,
    now: dt.datetime | None = None,
) -> list[Match]:
    """Ranked candidates (at most 20) for validated criteria, among the children this user can
    find, matching only the fields they may see. Audited with the criteria as entered and the
    index numbers returned.

    Past the user's LA's search limit (``access.search_limits``) the search is refused with
    ``SearchLimitReached`` (saying when searching can resume), audited, and an alert is raised
    for the LA's auditors at once (one per user and window). Every caller (web, CLI, API) comes
    through here, so the limit is the same everywhere."""
    decision = policy.can_search(actor)
    if not decision:
        audit_record(
            actor=actor,
            action=Action.SEARCH,
            outcome=EventOutcome.DENIED,
            detail={"criteria": criteria.entered, "reasons": list(decision.reasons)},
            ip_address=ip_address,
        )
        raise AccessRefused(decision.reasons)
    try:
        search_limit_take(actor=actor, now=now)
    except SearchLimitReached as reached:
        _search_limit_refusal(actor, criteria, reached, ip_address)
        raise
    matches = find_children(
        criteria,
        findable=policy.findable_children(actor),
        details=policy.sees_shielded_details(actor),
    )
    audit_record(
        actor=actor,
        action=Action.SEARCH,
        children=[m.index_number for m in matches],
        detail={"criteria": criteria.entered, "returned": len(matches)},
        ip_address=ip_address,
    )
    return matches


def child_search_invalid(*, actor: User, fields: list[str], ip_address: str | None = None) -> None:
    """A search refused because its criteria were not enough or not valid: audited with the
    fields at fault, never what was typed into them (it may be anything)."""
    audit_record(
        actor=actor,
        action="child_search",
        outcome=EventOutcome.DENIED,
        detail={"invalid": sorted(fields)},
        ip_address=ip_address,
    )


def _search_limit_refusal(
    actor: User, criteria: SearchCriteria, reached: SearchLimitReached, ip_address: str | None
) -> None:
    """Audit a search refused by the limit, and tell monitoring (``search_limit_reached``),
    which alerts the LA's auditors (once a window)."""
    event = audit_record(
        actor=actor,
        action=Action.SEARCH,
        outcome=EventOutcome.DENIED,
        detail={
            "criteria": criteria.entered,
            "limit": reached.window,
            "limit_size": reached.limit,
            "resume_at": reached.resume_at.isoformat(),
            "reasons": list(reached.reasons),
        },
        ip_address=ip_address,
    )
    search_limit_reached.send(sender=child_search, actor=actor, reached=reached, event=event)


def child_current_name(*, child: Child) -> str:
    """The child's current name, for the forms of a record the user has already opened in full
    (logging, changing or ending their own involvement), so they see whose record it is."""
    name = ChildName.objects.filter(child=child, kind=NameKind.CURRENT).first()
    return f"{name.given_names} {name.family_name}" if name else ""


@replica_reads
def findable_child(*, actor: User, index_number: str) -> Child | None:
    """The child with this index number if this user can find them at all (else None)."""
    return (
        Child.objects.filter(policy.findable_children(actor), index_number=index_number)
        .select_related("responsible_la")
        .first()
    )


# --- The record and the team around the child ---------------------------------------------------


@dataclass(frozen=True)
class TeamMember:
    """One involvement as this user may see it (``view`` FULL or SENSITIVE)."""

    involvement_id: int
    view: policy.Visibility
    category: str
    service_name: str = ""
    service_kind: str = ""
    organisation: str = ""
    service_phone: str = ""
    service_email: str = ""
    practitioner_name: str = ""
    practitioner_job_title: str = ""
    practitioner_phone: str = ""
    practitioner_email: str = ""
    started_on: dt.date | None = None
    ended_on: dt.date | None = None
    basis: str = ""
    is_lead_professional: bool = False
    assessment_type: str = ""
    assessment_on: dt.date | None = None
    has_information_to_share: bool = False
    taking_action: bool = False
    is_yours: bool = False
    shown_for_enquiry: bool = False

    @property
    def is_sensitive_view(self) -> bool:
        return self.view == policy.Visibility.SENSITIVE


@dataclass(frozen=True)
class CarerEntry:
    name: str
    relationship: str
    parental_responsibility: bool | None = None
    phone: str = ""
    email: str = ""


@dataclass
class TeamAroundChild:
    """What one user sees of one child's record for one purpose (§3)."""

    access: policy.RecordAccess
    purpose: str
    child: Child
    given_names: str
    family_name: str
    index_team: LocalAuthority
    other_names: list[ChildName] = field(default_factory=list)
    address: ChildAddress | None = None
    identifiers: list[ChildIdentifier] = field(default_factory=list)
    carers: list[CarerEntry] = field(default_factory=list)
    current: list[TeamMember] = field(default_factory=list)
    ended: list[TeamMember] = field(default_factory=list)
    consents: list[ConsentEntry] = field(default_factory=list)

    @property
    def shielded_view(self) -> bool:
        return self.access.view == policy.Visibility.SHIELDED

    @property
    def gender_label(self) -> str:
        return Gender(self.child.gender).label

    @property
    def lead_professional(self) -> TeamMember | None:
        return next(
            (
                m
                for m in self.current
                if m.is_lead_professional and m.view == policy.Visibility.FULL
            ),
            None,
        )

    @property
    def raised_enquiry_alert(self) -> bool:
        """Opening the record for a child protection enquiry raised an alert (break glass)."""
        return policy.AccessAlert.BREAK_GLASS in self.access.alerts

    @property
    def revealed_count(self) -> int:
        return sum(m.shown_for_enquiry for m in self.current + self.ended)

    @property
    def assessments(self) -> list[TeamMember]:
        return [m for m in self.current if m.assessment_type and m.view == policy.Visibility.FULL]

    @property
    def sensitive_involved(self) -> bool:
        return any(m.is_sensitive_view for m in self.current)

    @property
    def current_by_category(self) -> list[tuple[str, list[TeamMember]]]:
        groups = []
        for category in ServiceCategory:
            members = [
                m
                for m in self.current
                if m.category == category and m.view == policy.Visibility.FULL
            ]
            if members:
                groups.append((category.label, members))
        return groups


def _member(user: User, involvement: Involvement, view: policy.Visibility) -> TeamMember:
    if view == policy.Visibility.SENSITIVE:
        # "A sensitive service is involved": never which one, nor who.
        return TeamMember(
            involvement_id=involvement.pk,
            view=view,
            category=involvement.service.category,
            ended_on=involvement.ended_on,
        )
    service = involvement.service
    practitioner = involvement.practitioner
    return TeamMember(
        involvement_id=involvement.pk,
        view=view,
        category=service.category,
        service_name=service.name,
        service_kind=service.get_kind_display(),
        organisation=service.organisation.name,
        service_phone=service.phone,
        service_email=service.email,
        practitioner_name=practitioner.full_name if practitioner else "",
        practitioner_job_title=practitioner.job_title if practitioner else "",
        practitioner_phone=practitioner.work_phone if practitioner else "",
        practitioner_email=practitioner.secure_email if practitioner else "",
        started_on=involvement.started_on,
        ended_on=involvement.ended_on,
        basis=involvement.get_basis_display(),
        is_lead_professional=involvement.is_lead_professional,
        assessment_type=involvement.get_assessment_type_display()
        if involvement.assessment_type
        else "",
        assessment_on=involvement.assessment_on,
        has_information_to_share=involvement.has_information_to_share,
        taking_action=involvement.taking_action,
        is_yours=bool(policy.can_change_involvement(user, involvement)),
    )


@replica_reads
def team_around_child(
    *,
    actor: User,
    child: Child,
    purpose: str | None,
    shield_override: bool = False,
    ip_address: str | None = None,
    today: dt.date | None = None,
) -> TeamAroundChild:
    """The child's record as ``actor`` may see it for ``purpose``, audited with the purpose.

    Shielded view: only name, gender, date of birth, index number, the parents' names and the
    responsible LA's index team. Involvements are shown by basis (``policy.involvement_view``);
    a sensitive one only as "a sensitive service is involved".
    """
    today = today or timezone.localdate()
    access = policy.record_access(
        actor, child, purpose=purpose, shield_override=shield_override, today=today
    )
    if not access.allowed:
        audit_record(
            actor=actor,
            action=Action.RECORD_VIEW,
            outcome=EventOutcome.DENIED,
            purpose=purpose or "",
            children=[child.index_number],
            detail={"reason": access.reason},
            ip_address=ip_address,
        )
        raise AccessRefused((access.reason,))

    access_alerts_raise(
        actor=actor, child=child, access=access, purpose=purpose or "", ip_address=ip_address
    )
    names = list(ChildName.objects.filter(child=child).order_by("kind", "used_until"))
    current_name = next((n for n in names if n.kind == NameKind.CURRENT), None)
    team = TeamAroundChild(
        access=access,
        purpose=purpose or "",
        child=child,
        given_names=current_name.given_names if current_name else "",
        family_name=current_name.family_name if current_name else "",
        index_team=child.responsible_la,
    )
    links = ChildCarer.objects.filter(child=child).select_related("carer").order_by("pk")
    if access.view == policy.Visibility.SHIELDED:
        team.carers = [
            CarerEntry(name=str(link.carer), relationship=link.get_relationship_display())
            for link in links
        ]
    else:
        team.other_names = [n for n in names if n.kind != NameKind.CURRENT]
        team.address = (
            ChildAddress.objects.filter(child=child, lived_until__isnull=True)
            .select_related("local_authority")
            .first()
        )
        team.identifiers = list(ChildIdentifier.objects.filter(child=child).order_by("type"))
        team.carers = [
            CarerEntry(
                name=str(link.carer),
                relationship=link.get_relationship_display(),
                parental_responsibility=link.parental_responsibility,
                phone=link.carer.phone,
                email=link.carer.email,
            )
            for link in links
        ]
        consents = list(child.consents.all())
        involvements = list(
            Involvement.objects.filter(child=child)
            .select_related("service__organisation", "practitioner", "child")
            .order_by("-is_lead_professional", "service__category", "started_on", "pk")
        )
        seen_service_ids = set()
        for involvement in involvements:
            view = policy.involvement_view(
                actor, involvement, access=access, consents=consents, today=today
            )
            if view == policy.Visibility.HIDDEN:
                continue
            if view == policy.Visibility.FULL:
                seen_service_ids.add(involvement.service_id)
            member = _member(actor, involvement, view)
            if policy.shown_only_for_enquiry(
                actor, involvement, access=access, consents=consents, today=today
            ):
                member = replace(member, shown_for_enquiry=True)
            (team.current if involvement.is_current else team.ended).append(member)
        team.consents = consents_seen(
            actor=actor,
            child=child,
            access=access,
            seen_service_ids=seen_service_ids,
            involvements=involvements,
            today=today,
        )
    audit_record(
        actor=actor,
        action=Action.RECORD_VIEW,
        purpose=purpose or "",
        children=[child.index_number],
        detail={
            "view": str(access.view),
            "alerts": [str(a) for a in access.alerts],
            "shield_override": shield_override,
        },
        ip_address=ip_address,
    )
    return team


def consent_carers(*, actor: User, child: Child, purpose: str | None) -> list[Carer]:
    """The child's carers who may give consent, for a user who may see the full record."""
    access = policy.record_access(actor, child, purpose=purpose)
    if not access.allowed or access.view != policy.Visibility.FULL:
        return []
    return [link.carer for link in ChildCarer.objects.filter(child=child).select_related("carer")]


def own_involvement(*, actor: User, child: Child, involvement_id: int) -> Involvement | None:
    """One of this user's own involvements with this child (the only ones they may change)."""
    involvement = (
        Involvement.objects.filter(child=child, pk=involvement_id)
        .select_related("service", "practitioner", "child")
        .first()
    )
    if involvement is None or not policy.can_change_involvement(actor, involvement):
        return None
    return involvement


def own_involvement_for(*, actor: User, involvement_id: int) -> Involvement | None:
    """One of this user's own involvements, by id alone (an API client's), else None."""
    involvement = (
        Involvement.objects.filter(pk=involvement_id)
        .select_related("service", "practitioner", "child")
        .first()
    )
    if involvement is None or not policy.can_change_involvement(actor, involvement):
        return None
    return involvement


# --- The LA index team's shielding pages (their own LA's records) ----------------------------


def _require_own_la(actor: User) -> None:
    decision = policy.can_maintain_la(actor, actor.local_authority_id)
    if not decision:
        raise PermissionDenied(decision.message)


def shielded_children(*, actor: User) -> list[Child]:
    """The actor's LA's shielded records, soonest review first. The list shows each record's
    number and name, so it is a read of each: audited as the ``shielded_records`` report,
    naming every child it lists."""
    _require_own_la(actor)

    children: list[Child] = list(
        Child.objects.filter(responsible_la_id=actor.local_authority_id, shielded=True)
        .exclude(status=ChildStatus.MERGED)
        .prefetch_related(
            Prefetch(
                "names",
                queryset=ChildName.objects.filter(kind=NameKind.CURRENT),
                to_attr="current_names",
            )
        )
        .order_by("shield_review_on", "index_number")
    )
    audit_record(
        actor=actor,
        action=Action.REPORT_VIEW,
        children=[c.index_number for c in children],
        detail={"report": "shielded_records"},
        shown={"shielded": len(children)},
    )
    return children


NOT_IN_YOUR_LA = "There is no record with that index number in your LA."


def child_lookup_refused(
    *, actor: User, index_number: str, action: str = Action.ACCESS_DENIED, reason: str
) -> None:
    """Audit a child asked for by index number that the actor may not see or act on: not in
    their LA's part of the index, or no such child (they are not told which). The event names
    the number asked for, so the child's "who accessed this child" shows the attempt, and says
    the reason the user read. Every lookup of a child by index number for an LA's own work
    (shielding, moves, deaths, merges, subject access, the auditors' history) refuses through
    here (``web/tests/test_refusals_audited.py`` walks the pages that take one)."""
    digits = "".join(ch for ch in index_number if ch.isdigit())
    audit_record(
        actor=actor,
        action=action,
        outcome=EventOutcome.DENIED,
        children=[digits],
        detail={"reason": reason},
    )


def la_child_by_index_number(*, actor: User, index_number: str) -> Child | None:
    """A record of the actor's own LA by index number (shielding, moves, deaths), or None
    (audited as refused)."""
    _require_own_la(actor)
    digits = "".join(ch for ch in index_number if ch.isdigit())
    child = (
        Child.objects.filter(responsible_la_id=actor.local_authority_id, index_number=digits)
        .filter(policy.findable_children(actor))
        .first()
    )
    if child is None:
        child_lookup_refused(actor=actor, index_number=digits, reason=NOT_IN_YOUR_LA)
    return child
