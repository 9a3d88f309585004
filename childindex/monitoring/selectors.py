"""Reading the audit trail, for an LA's auditors: who accessed a child, what a user accessed,
the alerts raised and their review.

Every function asks the access policy (``policy.can_audit``) first and writes an audit event
for the read itself before returning anything: auditors' reads are audited like everyone
else's. Nothing here changes the trail.

"Who accessed this child" goes through ``AuditEventChild`` (index number, event) — the primary
key leads with the index number — and "what did this user access" through the (actor, at)
index, so both answer from an index however long the trail grows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypedDict

from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, QuerySet, Subquery

from childindex.access import policy
from childindex.access.models import User
from childindex.audit.models import Action, AuditEvent, EventOutcome
from childindex.audit.services import audit_record
from childindex.core.routers import replica_reads
from childindex.monitoring.models import Alert, AlertReview
from childindex.records.models import Child
from childindex.records.selectors import child_lookup_refused

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class _Reviewed(TypedDict):
    outcome: str | None
    reviewed_at: dt.datetime | None


HISTORY_LIMIT = 200


@dataclass(frozen=True)
class Period:
    """Events from the start of ``since`` to the end of ``until`` (either may be open)."""

    since: dt.datetime | None = None
    until: dt.datetime | None = None

    def apply(self, events: QuerySet[AuditEvent]) -> QuerySet[AuditEvent]:
        if self.since is not None:
            events = events.filter(at__gte=self.since)
        if self.until is not None:
            events = events.filter(at__lt=self.until)
        return events


class NotInYourLA(LookupError):
    """What the auditor asked about is not in their LA (or does not exist: an auditor is not
    told which)."""


def require_auditor(auditor: Any) -> None:
    """Refuse (PermissionDenied) anyone the policy does not let audit their own LA."""
    decision = policy.can_audit(auditor, getattr(auditor, "local_authority_id", None))
    if not decision:
        raise PermissionDenied(decision.message)


def _require(auditor: Any, local_authority_id: int | None, *, elsewhere: str) -> None:
    require_auditor(auditor)
    if not policy.can_audit(auditor, local_authority_id):
        raise NotInYourLA(elsewhere)


@dataclass(frozen=True)
class History:
    """A page of the trail: the newest ``limit`` events, and whether there are more."""

    events: list[AuditEvent]
    more: bool


def _page(events: QuerySet[AuditEvent], limit: int) -> History:
    rows = list(events[: limit + 1])
    return History(rows[:limit], len(rows) > limit)


def _child_events(index_number: str, period: Period) -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.filter(child_links__index_number=index_number)
    return period.apply(events).select_related("actor_organisation").order_by("-id")


CHILD_ELSEWHERE = "There is no child with that index number in your LA's part of the index."


def _checked_child(auditor: Any, index_number: str, *, action: str) -> None:
    """Refuse a child outside the auditor's LA (or no such child); the refusal is audited,
    naming the number asked for, like every refused lookup of a child."""
    child_la = (
        Child.objects.filter(index_number=index_number)
        .values_list("responsible_la_id", flat=True)
        .first()
    )
    try:
        _require(auditor, child_la, elsewhere=CHILD_ELSEWHERE)
    except NotInYourLA:
        child_lookup_refused(
            actor=auditor, index_number=index_number, action=action, reason=CHILD_ELSEWHERE
        )
        raise


@replica_reads
def child_access_history(
    *, auditor: Any, index_number: str, period: Period = Period(), limit: int = HISTORY_LIMIT
) -> History:
    """Who accessed the child, when and why: the newest events first."""
    _checked_child(auditor, index_number, action=Action.AUDIT_READ)
    audit_record(
        actor=auditor,
        action=Action.AUDIT_READ,
        children=[index_number],
        detail={"read": "who accessed the child", "period": _period_detail(period)},
    )
    return _page(_child_events(index_number, period), limit)


@replica_reads
def child_access_export(
    *, auditor: Any, index_number: str, period: Period = Period()
) -> Iterator[AuditEvent]:
    """Every event about the child (oldest first) for a CSV export, which is audited."""
    _checked_child(auditor, index_number, action=Action.EXPORT)
    audit_record(
        actor=auditor,
        action=Action.EXPORT,
        children=[index_number],
        detail={"export": "who accessed the child (CSV)", "period": _period_detail(period)},
    )
    return _child_events(index_number, period).order_by("id").iterator(chunk_size=2000)


USER_ELSEWHERE = "There is no user with that username in your LA."


def _checked_user(auditor: Any, username: str, *, action: str) -> User:
    """Refuse a user outside the auditor's LA (or no such user), audited: the event names the
    account asked about when there is one (never the text typed)."""
    subject = User.objects.filter(username=username).first()
    try:
        _require(auditor, subject.local_authority_id if subject else None, elsewhere=USER_ELSEWHERE)
    except NotInYourLA:
        audit_record(
            actor=auditor,
            action=action,
            outcome=EventOutcome.DENIED,
            detail={"user": subject.pk if subject else None, "reason": USER_ELSEWHERE},
        )
        raise
    assert subject is not None
    return subject


def _user_events(subject: User, period: Period) -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.filter(actor=subject)
    return period.apply(events).select_related("actor_organisation").order_by("-at", "-id")


@replica_reads
def user_access_history(
    *, auditor: Any, username: str, period: Period = Period(), limit: int = HISTORY_LIMIT
) -> tuple[User, History]:
    """What the user accessed (searches, records, changes, exports, sign-ins): newest first."""
    subject = _checked_user(auditor, username, action=Action.AUDIT_READ)
    audit_record(
        actor=auditor,
        action=Action.AUDIT_READ,
        detail={
            "read": "what the user accessed",
            "user": subject.pk,
            "period": _period_detail(period),
        },
    )
    return subject, _page(_user_events(subject, period), limit)


@replica_reads
def user_access_export(
    *, auditor: Any, username: str, period: Period = Period()
) -> tuple[User, Iterator[AuditEvent]]:
    subject = _checked_user(auditor, username, action=Action.EXPORT)
    audit_record(
        actor=auditor,
        action=Action.EXPORT,
        detail={
            "export": "what the user accessed (CSV)",
            "user": subject.pk,
            "period": _period_detail(period),
        },
    )
    events = _user_events(subject, period).order_by("at", "id").iterator(chunk_size=2000)
    return subject, events


def _period_detail(period: Period) -> dict[str, str | None]:
    return {
        "since": period.since.isoformat() if period.since else None,
        "until": period.until.isoformat() if period.until else None,
    }


# --- Alerts -------------------------------------------------------------------------------------


def _with_outcome(
    alerts: QuerySet[Alert],
) -> QuerySet[WithAnnotations[Alert, _Reviewed]]:
    latest = AlertReview.objects.filter(alert=OuterRef("pk")).order_by("-reviewed_at", "-id")
    return alerts.annotate(
        outcome=Subquery(latest.values("outcome")[:1]),
        reviewed_at=Subquery(latest.values("reviewed_at")[:1]),
    ).select_related("subject")


def alerts_for(
    *, auditor: Any, status: str = "open", limit: int = HISTORY_LIMIT
) -> list[WithAnnotations[Alert, _Reviewed]]:
    """The alerts of the auditor's LA: ``open`` (not yet reviewed), ``reviewed`` or ``all``."""
    require_auditor(auditor)
    la_id = auditor.local_authority_id
    audit_record(actor=auditor, action=Action.AUDIT_READ, detail={"read": f"alerts ({status})"})
    alerts = _with_outcome(Alert.objects.filter(local_authority_id=la_id))
    if status == "open":
        alerts = alerts.filter(outcome__isnull=True)
    elif status == "reviewed":
        alerts = alerts.filter(outcome__isnull=False)
    return list(alerts.order_by("-raised_at", "-id")[:limit])


def alert_detail(*, auditor: Any, alert_id: int) -> tuple[Alert, list[AlertReview]]:
    alert = _with_outcome(Alert.objects.filter(pk=alert_id)).select_related("event").first()
    _require(
        auditor,
        alert.local_authority_id if alert else None,
        elsewhere="There is no such alert for your LA.",
    )
    assert alert is not None
    audit_record(
        actor=auditor,
        action=Action.AUDIT_READ,
        children=alert.children,
        detail={"read": "alert", "alert": alert.pk},
    )
    reviews = list(alert.reviews.select_related("reviewed_by"))
    return alert, reviews


def open_alert_count(*, auditor: Any) -> int:
    """How many of the auditor's LA's alerts await review (a count: not itself audited)."""
    require_auditor(auditor)
    la_id = auditor.local_authority_id
    return (
        _with_outcome(Alert.objects.filter(local_authority_id=la_id))
        .filter(outcome__isnull=True)
        .count()
    )
