"""Sending notifications: to whom, saying what, and why. Never a verdict on a child.

Who is told, and what they are told, goes through the access policy. A recipient is told only
what they could see by opening the child's record for their ordinary work (never with the
child-protection enquiry purpose, which would reveal hidden involvements): an involvement the
policy hides from them is never mentioned, and one it shows as "a sensitive service is
involved" is mentioned in exactly those words. A shielded child's team is not told of changes
(they see only the shielded view), and a child's name never appears: the index number does.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from childindex.access import policy
from childindex.access.models import Role, User
from childindex.audit.models import Action, AuditEventChild
from childindex.audit.services import audit_record
from childindex.consent.models import Consent
from childindex.core.identifiers import format_index_number
from childindex.directory.models import LocalAuthority, ServiceCategory
from childindex.monitoring.detectors import PRACTITIONER_ROLES, VIEW_ACTIONS
from childindex.notifications.models import Notification, NotificationKind, NotificationThresholds
from childindex.records.models import Child, ChildStatus, Involvement

logger = logging.getLogger(__name__)

NOT_A_VERDICT = "This is a prompt to talk to each other, not a judgement about the child."
ADDITIONAL_OR_SPECIALIST = (ServiceCategory.ADDITIONAL, ServiceCategory.SPECIALIST)


class TeamChange:
    """What changed in the team around a child (``notify_team_change``'s ``change``)."""

    JOINED = NotificationKind.TEAM_JOINED
    LEFT = NotificationKind.TEAM_LEFT
    LEAD_CHANGED = NotificationKind.LEAD_CHANGED
    ASSESSMENT_RECORDED = NotificationKind.ASSESSMENT_RECORDED
    MOVED_LA = NotificationKind.MOVED_LA


def notification_thresholds_for(local_authority_id: int) -> NotificationThresholds:
    found = NotificationThresholds.objects.filter(local_authority_id=local_authority_id).first()
    return found or NotificationThresholds(local_authority_id=local_authority_id)


@dataclass(frozen=True)
class _Member:
    user: User
    email: str


def _ordinary_access(user: User, child: Child) -> policy.RecordAccess:
    """How ``user`` would see the record for their ordinary work (never break-glass)."""
    for purpose in policy.purposes_for(user):
        if purpose != policy.Purpose.CHILD_PROTECTION_ENQUIRY:
            return policy.record_access(user, child, purpose=purpose)
    return policy.RecordAccess(False, reason="No ordinary purpose of access.")


def _team(child: Child, *, exclude: Iterable[int | None] = ()) -> list[_Member]:
    """The users behind the child's current involvements (the team around the child)."""
    excluded = set(exclude)
    members: dict[int, _Member] = {}
    current = Involvement.objects.filter(child=child, ended_on__isnull=True).select_related(
        "practitioner__user", "logged_by"
    )
    for involvement in current:
        practitioner = involvement.practitioner
        user = getattr(practitioner, "user", None) if practitioner else None
        user = user or involvement.logged_by
        if user is None or user.pk in excluded or not user.is_active:
            continue
        email = practitioner.secure_email if practitioner else user.email
        members.setdefault(user.pk, _Member(user, email or user.email))
    return list(members.values())


def _create(
    *,
    recipient: User | None,
    email: str,
    kind: str,
    child: Child,
    message: str,
    key: str = "",
    now: dt.datetime,
) -> Notification | None:
    if key:
        earlier = (
            Notification.objects.filter(recipient=recipient, key=key)
            if recipient is not None
            else Notification.objects.filter(recipient__isnull=True, email=email, key=key)
        )
        if earlier.exists():
            return None
    notification = Notification.objects.create(
        recipient=recipient,
        email=email,
        kind=kind,
        index_number=child.index_number,
        message=message,
        created_at=now,
        key=key,
    )
    if email:
        transaction.on_commit(lambda: _queue_email(notification.pk), robust=True)
    return notification


def _queue_email(notification_id: int) -> None:
    from childindex.notifications.tasks import send_notification_email

    send_notification_email.enqueue(notification_id)


def _audit_sent(kind: str, child: Child, notifications: list[Notification]) -> None:
    """Who was told what is itself audited (recipients by id; no message text)."""
    if notifications:
        audit_record(
            actor=None,
            actor_label="notifications",
            action=Action.NOTIFICATION,
            children=[child.index_number],
            detail={
                "kind": kind,
                "recipients": [n.recipient_id for n in notifications if n.recipient_id],
                "mailboxes": len([n for n in notifications if n.recipient_id is None]),
            },
        )


# --- Team changes -----------------------------------------------------------------------------


def _who(involvement: Involvement) -> str:
    service = involvement.service
    if involvement.practitioner is None:
        return f"{service.name} ({service.organisation.name})"
    p = involvement.practitioner
    return f"{p.full_name}, {p.job_title} ({service.name}, {service.organisation.name})"


def _team_message(
    change: str, child: Child, involvement: Involvement | None, view: policy.Visibility, on: dt.date
) -> str | None:
    """What a team member is told, given how they see the involvement; None: tell them nothing."""
    number = format_index_number(child.index_number)
    when = f"{on:%-d %B %Y}"
    if change == TeamChange.MOVED_LA:
        return (
            f"Child {number} is now the responsibility of {child.responsible_la.name} "
            f"(from {when}). Its index team: {child.responsible_la.index_team_phone}, "
            f"{child.responsible_la.index_team_email}."
        )
    if involvement is None:
        if change == TeamChange.LEAD_CHANGED:
            return f"Child {number} no longer has a lead professional (from {when})."
        return None
    if view == policy.Visibility.SENSITIVE:
        # Others see only that a sensitive service is involved: never who, nor its indicators.
        if change == TeamChange.JOINED:
            return (
                f"A sensitive service is now involved with child {number}. Contact it through "
                f"the LA index team ({child.responsible_la.index_team_phone})."
            )
        if change == TeamChange.LEFT:
            return f"A sensitive service is no longer involved with child {number}."
        return None
    if view != policy.Visibility.FULL:
        return None
    who = _who(involvement)
    if change == TeamChange.JOINED:
        return f"{who} joined the team around child {number} on {when}."
    if change == TeamChange.LEFT:
        ended = involvement.ended_on or on
        return f"{who} left the team around child {number} on {ended:%-d %B %Y}."
    if change == TeamChange.LEAD_CHANGED:
        if involvement.is_lead_professional:
            return f"{who} is now the lead professional for child {number} (from {when})."
        return f"{who} is no longer the lead professional for child {number} (from {when})."
    if change == TeamChange.ASSESSMENT_RECORDED and involvement.assessment_type:
        return (
            f"{who} recorded that a {involvement.get_assessment_type_display()} was undertaken "
            f"for child {number} on {involvement.assessment_on:%-d %B %Y}."
        )
    return None


def team_change_receive(
    sender: object,
    *,
    child: Child,
    change: str,
    actor: User | None,
    involvement: Involvement | None = None,
    **kwargs: object,
) -> list[Notification]:
    """``records.signals.team_changed``'s receiver (connected in ``NotificationsConfig.ready``)."""
    return notify_team_change(child=child, change=change, actor=actor, involvement=involvement)


def notify_team_change(
    *,
    child: Child,
    change: str,
    actor: User | None,
    involvement: Involvement | None = None,
) -> list[Notification]:
    """Tell the rest of the team around ``child`` that ``change`` happened.

    Call it from the service that made the change, inside its transaction. ``involvement`` is
    the one that joined, left, became (or stopped being) lead, or had an assessment recorded;
    None for a move of LA (or when a child is left with no lead professional). The actor and
    the holder of the involvement are not told. Each member is told only what the policy lets
    them see of that involvement; a member who may not see it is not told at all.
    """
    if change not in NotificationKind.values or change in (
        NotificationKind.MANY_VIEWERS,
        NotificationKind.NO_LEAD_PROFESSIONAL,
    ):
        raise ValueError(f"not a team change: {change!r}")
    now = timezone.now()
    holder_ids = set()
    if involvement is not None:
        holder = (
            getattr(involvement.practitioner, "user", None) if involvement.practitioner else None
        )
        holder_ids = {u.pk for u in (holder, involvement.logged_by) if u is not None}
    exclude = {getattr(actor, "pk", None), *holder_ids}
    consents = list(Consent.objects.filter(child=child))
    sent = []
    for member in _team(child, exclude=exclude):
        access = _ordinary_access(member.user, child)
        if not access.allowed or access.view != policy.Visibility.FULL:
            continue
        view = (
            policy.involvement_view(member.user, involvement, access=access, consents=consents)
            if involvement is not None
            else policy.Visibility.FULL
        )
        message = _team_message(change, child, involvement, view, timezone.localdate())
        if message is None:
            continue
        why = "You are told because you work with this child and are part of the team around them."
        notification = _create(
            recipient=member.user,
            email=member.email,
            kind=change,
            child=child,
            message=f"{message} {why} {NOT_A_VERDICT}",
            now=now,
        )
        if notification:
            sent.append(notification)
    _audit_sent(change, child, sent)
    return sent


# --- Many practitioners opened the record -----------------------------------------------------


def notify_many_viewers(*, now: dt.datetime | None = None) -> int:
    """Tell the lead professional (or the LA's safeguarding contact) when more different
    practitioners than the LA's level opened a child's record within its window."""
    now = now or timezone.now()
    las = {la.pk: la for la in LocalAuthority.objects.all()}
    levels = {la_id: notification_thresholds_for(la_id) for la_id in las}
    if not levels:
        return 0
    widest = max(level.viewers_window_days for level in levels.values())
    lowest = min(level.distinct_viewers for level in levels.values())
    counts = (
        AuditEventChild.objects.filter(
            event__at__gte=now - dt.timedelta(days=widest),
            event__action__in=VIEW_ACTIONS,
            event__actor_role__in=PRACTITIONER_ROLES,
            event__outcome="allowed",
        )
        .values("index_number")
        .annotate(viewers=Count("event__actor_id", distinct=True))
        .filter(viewers__gte=lowest)
    )
    candidates = {row["index_number"]: row["viewers"] for row in counts}
    sent = 0
    for child in Child.objects.filter(index_number__in=candidates).select_related("responsible_la"):
        level = levels[child.responsible_la_id]
        viewers = (
            AuditEventChild.objects.filter(
                index_number=child.index_number,
                event__at__gte=now - dt.timedelta(days=level.viewers_window_days),
                event__action__in=VIEW_ACTIONS,
                event__actor_role__in=PRACTITIONER_ROLES,
                event__outcome="allowed",
            )
            .values("event__actor_id")
            .distinct()
            .count()
        )
        if viewers < level.distinct_viewers:
            continue
        period = (now.date() - dt.date(2000, 1, 1)).days // level.viewers_window_days
        sent += _notify_lead_or_safeguarding(
            child, viewers=viewers, level=level, key=f"many_viewers:{period}", now=now
        )
    return sent


def _notify_lead_or_safeguarding(
    child: Child, *, viewers: int, level: NotificationThresholds, key: str, now: dt.datetime
) -> int:
    la = child.responsible_la
    number = format_index_number(child.index_number)
    fact = (
        f"{viewers} different practitioners opened the record of child {number} in the "
        f"{level.viewers_window_days} days to {timezone.localtime(now):%-d %B %Y}: more than usual "
        f"for {la.name}, whose level is {level.distinct_viewers}. Several people looking at "
        "once can be a sign that they share a concern."
    )
    lead = (
        Involvement.objects.filter(child=child, ended_on__isnull=True, is_lead_professional=True)
        .select_related("practitioner__user")
        .first()
    )
    practitioner = lead.practitioner if lead else None
    user = getattr(practitioner, "user", None) if practitioner else None
    notification = None
    if practitioner is not None and user is not None and user.is_active:
        access = _ordinary_access(user, child)
        if access.allowed and access.view == policy.Visibility.FULL:
            notification = _create(
                recipient=user,
                email=practitioner.secure_email,
                kind=NotificationKind.MANY_VIEWERS,
                child=child,
                message=f"{fact} You are told because you are the child's lead professional. "
                f"{NOT_A_VERDICT}",
                key=key,
                now=now,
            )
            _audit_sent(
                NotificationKind.MANY_VIEWERS, child, [notification] if notification else []
            )
            return 1 if notification else 0
    mailbox = la.safeguarding_email or la.index_team_email
    notification = _create(
        recipient=None,
        email=mailbox,
        kind=NotificationKind.MANY_VIEWERS,
        child=child,
        message=f"{fact} You are told as {la.name}'s safeguarding contact because the child "
        f"has no lead professional who uses the index. {NOT_A_VERDICT}",
        key=key,
        now=now,
    )
    _audit_sent(NotificationKind.MANY_VIEWERS, child, [notification] if notification else [])
    return 1 if notification else 0


# --- Several services and no lead professional ------------------------------------------------


def notify_no_lead_professional(*, now: dt.datetime | None = None) -> int:
    """Tell the team around a child with several current additional or specialist services
    and no lead professional. Each member counts only the services they can see; nobody is
    told about a service hidden from them, and nobody is told more than once a month."""
    now = now or timezone.now()
    levels: dict[int, NotificationThresholds] = {}
    lowest = min(
        [t.services_without_lead for t in NotificationThresholds.objects.all()]
        + [NotificationThresholds().services_without_lead]
    )
    current = Q(involvements__ended_on__isnull=True)
    candidates = (
        Child.objects.filter(status=ChildStatus.ACTIVE, shielded=False)
        .annotate(
            services=Count(
                "involvements",
                filter=current & Q(involvements__service__category__in=ADDITIONAL_OR_SPECIALIST),
            ),
            leads=Count(
                "involvements", filter=current & Q(involvements__is_lead_professional=True)
            ),
        )
        .filter(leads=0, services__gte=lowest)
        .select_related("responsible_la")
    )
    month = timezone.localtime(now).strftime("%Y-%m")
    sent = 0
    for child in candidates.iterator(chunk_size=500):
        level = levels.setdefault(
            child.responsible_la_id, notification_thresholds_for(child.responsible_la_id)
        )
        if child.services < level.services_without_lead:
            continue
        involvements = list(
            Involvement.objects.filter(
                child=child,
                ended_on__isnull=True,
                service__category__in=ADDITIONAL_OR_SPECIALIST,
            ).select_related("child", "service")
        )
        consents = list(Consent.objects.filter(child=child))
        told = []
        for member in _team(child):
            access = _ordinary_access(member.user, child)
            if not access.allowed or access.view != policy.Visibility.FULL:
                continue
            seen = sum(
                1
                for involvement in involvements
                if policy.involvement_view(
                    member.user, involvement, access=access, consents=consents
                )
                in (policy.Visibility.FULL, policy.Visibility.SENSITIVE)
            )
            if seen < level.services_without_lead:
                continue
            notification = _create(
                recipient=member.user,
                email=member.email,
                kind=NotificationKind.NO_LEAD_PROFESSIONAL,
                child=child,
                message=(
                    f"Child {format_index_number(child.index_number)} has {seen} additional or "
                    "specialist services involved and no lead professional. A lead professional "
                    "helps the services around a child work together. You are told because you "
                    f"are part of the team around the child. {NOT_A_VERDICT}"
                ),
                key=f"no_lead:{month}",
                now=now,
            )
            if notification:
                told.append(notification)
        _audit_sent(NotificationKind.NO_LEAD_PROFESSIONAL, child, told)
        sent += len(told)
    return sent


# --- Delivery and reading ---------------------------------------------------------------------


def notification_send_email(*, notification: Notification) -> bool:
    """E-mail one notification (index number and message only; no child's name)."""
    if notification.emailed_at is not None or not notification.email:
        return False
    send_mail(
        subject=f"{settings.SERVICE_NAME}: {notification.get_kind_display()}",
        message=(
            f"{notification.message}\n\n"
            f"Sign in to see your notifications: {settings.SITE_URL}/notifications/\n"
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[notification.email],
    )
    Notification.objects.filter(pk=notification.pk).update(emailed_at=timezone.now())
    return True


def notifications_mark_read(*, user: Any) -> int:
    """Mark all of ``user``'s notifications read (their own inbox: not an access to a child)."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


# --- Responsibility moved to another LA -------------------------------------------------------


def notify_index_teams_of_transfer(
    *, child: Child, from_la: Any, to_la: Any, on: dt.date
) -> list[Notification]:
    """Tell both LAs' index teams that responsibility for ``child`` moved from ``from_la`` to
    ``to_la``. For a shielded child the new LA's index team is told it now maintains the
    shield (and its review date), and the old one that it no longer does; practitioners are
    never told of a shield."""
    number = format_index_number(child.index_number)
    when = f"{on:%-d %B %Y}"
    now = timezone.now()
    messages = {
        to_la.pk: f"Child {number} moved into {to_la.name} from {from_la.name} on {when}: "
        f"your index team is now responsible for the record.",
        from_la.pk: f"Child {number} moved from {from_la.name} to {to_la.name} on {when}: "
        f"{to_la.name}'s index team ({to_la.index_team_phone}, {to_la.index_team_email}) is "
        f"now responsible for the record.",
    }
    if child.shielded:
        messages[to_la.pk] += (
            f" The record is shielded: your index team maintains the shield from now on "
            f"(review due {child.shield_review_on:%-d %B %Y})."
        )
        messages[from_la.pk] += (
            f" The record is shielded: {to_la.name}'s index team maintains the shield from now on."
        )
    sent = []
    teams = User.objects.filter(
        role=Role.INDEX_TEAM, local_authority_id__in=list(messages), is_active=True
    )
    for member in teams:
        notification = _create(
            recipient=member,
            email=member.email,
            kind=NotificationKind.MOVED_LA,
            child=child,
            message=f"{messages[member.local_authority_id]} {NOT_A_VERDICT}",
            key=f"transfer:{child.pk}:{from_la.pk}:{to_la.pk}:{on.isoformat()}",
            now=now,
        )
        if notification:
            sent.append(notification)
    _audit_sent(NotificationKind.MOVED_LA, child, sent)
    return sent
