"""Irregular-use detectors: they look for use worth a second look and tell the LA's auditors.

They never decide anything about a user or a child: each alert says why it fired, in words an
auditor can check against the trail, and waits for a person's review. Each detector reads one
day of the audit trail (``at`` is indexed), is idempotent (an alert has a key and is raised
once) and runs as a background job (``monitoring.tasks.detect_irregular_use``).

- **Policy alerts**: every audit event with action "alert" written by the access policy
  (access to a shielded record, a shield override, a child-protection break-glass opening)
  becomes an alert for the auditors of the child's LA and of the user's LA. Always.
- **Search volume**: a user's searches in a day at or above the LA's daily level *and* at least
  N times the median of their peers (same LA and role, who searched that day). With too few
  peers to compare, the daily level alone decides.
- **Out-of-hours bulk access**: searches and record views outside the LA's working day (or at a
  weekend), in a day, at or above the LA's level.
- **Repeated views without an involvement**: a practitioner opening the same child's record
  N times within the window when their organisation has no involvement with the child that was
  current during the window. Fires when the N-th view happens.
- **Own surname**: opening the record of a child whose name, or whose parent's or carer's name,
  is the user's own surname; searching for one's own surname. The index holds no home address
  for its users (a practitioner's organisation address is not where they live), so there is
  nothing to compare a child's address with: that check is skipped, and the result says so.
"""

from __future__ import annotations

import datetime as dt
import re
import statistics
from collections import defaultdict
from collections.abc import Iterable
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from childindex.access.models import Role, User
from childindex.audit.models import Action, AuditEvent, UsageThresholds
from childindex.monitoring.models import Alert, AlertKind
from childindex.monitoring.services import alert_raise
from childindex.records.models import Child, ChildCarer, ChildName, Involvement

SEARCH_ACTIONS = frozenset({Action.SEARCH.value})
VIEW_ACTIONS = frozenset({Action.RECORD_VIEW.value})
PRACTITIONER_ROLES = frozenset({Role.PRACTITIONER.value, Role.CHILD_PROTECTION.value})
POLICY_ALERT_LOOKBACK = dt.timedelta(days=7)
ADDRESS_CHECK_SKIPPED = (
    "skipped: the index holds no home address for its users, so there is nothing to compare "
    "a child's address with"
)

POLICY_REASONS: dict[str, str] = {
    AlertKind.SHIELDED_RECORD: "The record is shielded: every access to a shielded record is "
    "reviewed.",
    AlertKind.SHIELD_OVERRIDE: "A child-protection practitioner overrode the shield on this "
    "record for one viewing, after the warning that every override is reviewed at once.",
    AlertKind.BREAK_GLASS: "A child-protection practitioner opened this record for a child "
    "protection enquiry, which shows involvements logged without consent (break-glass). "
    "Every such opening is reviewed.",
}


def usage_thresholds_for(local_authority_id: int | None) -> UsageThresholds:
    """The LA's alert levels, or the defaults when it has set none."""
    found = UsageThresholds.objects.filter(local_authority_id=local_authority_id).first()
    return found or UsageThresholds(local_authority_id=local_authority_id)  # type: ignore[misc]  # null: the defaults


def _zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    zone = _zone()
    start = dt.datetime.combine(day, dt.time(), tzinfo=zone)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=zone)
    return start, end


def _name_key(name: str) -> str:
    return re.sub(r"[^a-z]", "", name.casefold())


class _Thresholds(dict[int | None, UsageThresholds]):
    def __missing__(self, local_authority_id: int | None) -> UsageThresholds:
        self[local_authority_id] = usage_thresholds_for(local_authority_id)
        return self[local_authority_id]


# --- Policy alerts ------------------------------------------------------------------------------


def alerts_from_policy_events(*, now: dt.datetime | None = None) -> int:
    """Turn the access policy's alert events of the last week into alerts for auditors."""
    now = now or timezone.now()
    events = (
        AuditEvent.objects.filter(action=Action.ALERT, at__gte=now - POLICY_ALERT_LOOKBACK)
        .filter(~Exists(Alert.objects.filter(event=OuterRef("pk"))))
        .select_related("actor")
        .order_by("id")
    )
    raised = 0
    for event in events:
        kind = str(event.detail.get("kind", ""))
        child_las = Child.objects.filter(index_number__in=event.children).values_list(
            "responsible_la_id", flat=True
        )
        reason = POLICY_REASONS.get(kind) or f"The access policy raised an alert ({kind})."
        raised += len(
            alert_raise(
                kind=kind,
                local_authority_ids=[event.actor_local_authority_id, *child_las],
                reason=reason,
                key=f"event:{event.pk}",
                subject=event.actor,
                children=event.children,
                event=event,
            )
        )
    return raised


# --- Search volume ------------------------------------------------------------------------------


def detect_search_volume(*, day: dt.date) -> int:
    start, end = _day_bounds(day)
    rows = (
        AuditEvent.objects.filter(
            at__gte=start, at__lt=end, action__in=SEARCH_ACTIONS, actor__isnull=False
        )
        .values("actor_local_authority_id", "actor_role", "actor_id")
        .annotate(searches=Count("id"))
    )
    groups: dict[tuple[Any, str], dict[int, int]] = defaultdict(dict)
    for row in rows:
        key = (row["actor_local_authority_id"], row["actor_role"])
        groups[key][row["actor_id"]] = row["searches"]
    levels = _Thresholds()
    raised = 0
    for (la_id, role), counts in groups.items():
        level = levels[la_id]
        role_label = Role(role).label.lower() if role in Role.values else role
        for actor_id, searches in counts.items():
            if searches < level.searches_per_day:
                continue
            peers = [n for other, n in counts.items() if other != actor_id]
            if len(peers) >= level.minimum_peers:
                median = statistics.median(peers)
                if searches < level.times_peer_median * median:
                    continue
                comparison = (
                    f"{searches / median:.1f} times the median of the {len(peers)} other "
                    f"{role_label}s of the LA who searched that day ({median:g})"
                )
            else:
                comparison = (
                    f"fewer than {level.minimum_peers} other {role_label}s of the LA searched "
                    "that day to compare with"
                )
            reason = (
                f"{searches} searches on {day:%A %-d %B %Y}: at or above the LA's level of "
                f"{level.searches_per_day} a day, and {comparison}."
            )
            raised += len(
                alert_raise(
                    kind=AlertKind.SEARCH_VOLUME,
                    local_authority_ids=[la_id],
                    reason=reason,
                    key=f"search_volume:{actor_id}:{day.isoformat()}",
                    subject=User.objects.get(pk=actor_id),
                )
            )
    return raised


# --- Out-of-hours bulk access -------------------------------------------------------------------


def _out_of_hours(local: dt.datetime, level: UsageThresholds) -> bool:
    if local.weekday() >= 5:
        return True
    return not (level.working_day_starts <= local.time() < level.working_day_ends)


def detect_out_of_hours(*, day: dt.date) -> int:
    start, end = _day_bounds(day)
    zone = _zone()
    candidates = AuditEvent.objects.filter(
        at__gte=start,
        at__lt=end,
        action__in=SEARCH_ACTIONS | VIEW_ACTIONS,
        actor__isnull=False,
    )
    levels = _Thresholds()
    if day.weekday() < 5:
        # Only events outside the narrowest working day any LA keeps can be out of hours.
        known = list(UsageThresholds.objects.all())
        default = UsageThresholds()
        latest_start = max([t.working_day_starts for t in known] + [default.working_day_starts])
        earliest_end = min([t.working_day_ends for t in known] + [default.working_day_ends])
        candidates = candidates.filter(
            Q(at__lt=dt.datetime.combine(day, latest_start, tzinfo=zone))
            | Q(at__gte=dt.datetime.combine(day, earliest_end, tzinfo=zone))
        )
    accesses: dict[int, dict[str, Any]] = {}
    for actor_id, la_id, at, action, children in candidates.values_list(
        "actor_id", "actor_local_authority_id", "at", "action", "children"
    ).iterator(chunk_size=2000):
        if not _out_of_hours(at.astimezone(zone), levels[la_id]):
            continue
        seen = accesses.setdefault(
            actor_id, {"la": la_id, "searches": 0, "views": 0, "children": {}}
        )
        seen["searches" if action in SEARCH_ACTIONS else "views"] += 1
        if action in VIEW_ACTIONS:
            seen["children"].update(dict.fromkeys(children or []))
    raised = 0
    for actor_id, seen in accesses.items():
        level = levels[seen["la"]]
        total = seen["searches"] + seen["views"]
        if total < level.out_of_hours_accesses:
            continue
        reason = (
            f"{seen['searches']} searches and {seen['views']} record views "
            f"({len(seen['children'])} different children) outside working hours on "
            f"{day:%A %-d %B %Y}: the LA's working day is "
            f"{level.working_day_starts:%H:%M} to {level.working_day_ends:%H:%M}, Monday to "
            f"Friday, and its level is {level.out_of_hours_accesses} accesses out of hours a day."
        )
        raised += len(
            alert_raise(
                kind=AlertKind.OUT_OF_HOURS,
                local_authority_ids=[seen["la"]],
                reason=reason,
                key=f"out_of_hours:{actor_id}:{day.isoformat()}",
                subject=User.objects.get(pk=actor_id),
                children=list(seen["children"]),
            )
        )
    return raised


# --- Repeated views without an involvement ------------------------------------------------------


def _organisation_involved(organisation_id: int | None, user_id: int, index_number: str, since):
    current_in_window = Q(ended_on__isnull=True) | Q(ended_on__gte=since)
    ours = Q(logged_by_id=user_id)
    if organisation_id is not None:
        ours |= Q(service__organisation_id=organisation_id) | Q(
            practitioner__organisation_id=organisation_id
        )
    return (
        Involvement.objects.filter(child__index_number=index_number)
        .filter(current_in_window)
        .filter(ours)
        .exists()
    )


def detect_views_without_involvement(*, day: dt.date) -> int:
    levels = _Thresholds()
    widest = max([t.repeat_window_days for t in UsageThresholds.objects.all()] + [7])
    day_start, day_end = _day_bounds(day)
    window_start, _ = _day_bounds(day - dt.timedelta(days=widest - 1))
    views: dict[tuple[int, str], list[dt.datetime]] = defaultdict(list)
    actors: dict[int, tuple[int | None, int | None]] = {}
    organisation_id: int | None
    la_id: int | None
    for actor_id, organisation_id, la_id, at, children in (
        AuditEvent.objects.filter(
            at__gte=window_start,
            at__lt=day_end,
            action__in=VIEW_ACTIONS,
            actor_role__in=PRACTITIONER_ROLES,
            outcome="allowed",
        )
        .values_list(
            "actor_id", "actor_organisation_id", "actor_local_authority_id", "at", "children"
        )
        .iterator(chunk_size=2000)
    ):
        actors[actor_id] = (organisation_id, la_id)
        for index_number in children or []:
            views[(actor_id, index_number)].append(at)
    flagged: dict[int, list[str]] = defaultdict(list)
    for (actor_id, index_number), moments in views.items():
        organisation_id, la_id = actors[actor_id]
        level = levels[la_id]
        own_start, _ = _day_bounds(day - dt.timedelta(days=level.repeat_window_days - 1))
        in_window = [m for m in moments if m >= own_start]
        before_today = [m for m in in_window if m < day_start]
        # Fire on the day the N-th view in the window happens, not on every day after it.
        if len(in_window) < level.repeat_views or len(before_today) >= level.repeat_views:
            continue
        if _organisation_involved(organisation_id, actor_id, index_number, own_start.date()):
            continue
        flagged[actor_id].append(index_number)
    raised = 0
    for actor_id, children in flagged.items():
        organisation_id, la_id = actors[actor_id]
        level = levels[la_id]
        reason = (
            f"Opened the record of {len(children)} child{'ren' if len(children) > 1 else ''} "
            f"at least {level.repeat_views} times within {level.repeat_window_days} days, up to "
            f"{day:%-d %B %Y}, while the user's organisation had no involvement with "
            f"{'them' if len(children) > 1 else 'the child'} recorded in the index."
        )
        raised += len(
            alert_raise(
                kind=AlertKind.NO_INVOLVEMENT,
                local_authority_ids=[la_id],
                reason=reason,
                key=f"views_without_involvement:{actor_id}:{day.isoformat()}",
                subject=User.objects.get(pk=actor_id),
                children=children,
            )
        )
    return raised


# --- Own surname --------------------------------------------------------------------------------


def _surnames_of_children(index_numbers: Iterable[str]) -> dict[str, set[str]]:
    names: dict[str, set[str]] = defaultdict(set)
    numbers = list(set(index_numbers))
    for index_number, family_name in ChildName.objects.filter(
        child__index_number__in=numbers
    ).values_list("child__index_number", "family_name"):
        names[index_number].add(_name_key(family_name))
    for index_number, family_name in ChildCarer.objects.filter(
        child__index_number__in=numbers
    ).values_list("child__index_number", "carer__family_name"):
        names[index_number].add(_name_key(family_name))
    return names


def _criteria_strings(criteria: Any) -> Iterable[str]:
    if isinstance(criteria, str):
        yield criteria
    elif isinstance(criteria, dict):
        for value in criteria.values():
            yield from _criteria_strings(value)
    elif isinstance(criteria, list):
        for value in criteria:
            yield from _criteria_strings(value)


def detect_own_surname(*, day: dt.date) -> int:
    start, end = _day_bounds(day)
    events = list(
        AuditEvent.objects.filter(
            at__gte=start,
            at__lt=end,
            action__in=SEARCH_ACTIONS | VIEW_ACTIONS,
            actor__isnull=False,
        ).values_list(
            "actor_id", "actor_local_authority_id", "action", "children", "criteria", "detail"
        )
    )
    surnames = {
        pk: _name_key(last_name)
        for pk, last_name in User.objects.filter(
            pk__in={actor_id for actor_id, *_ in events}
        ).values_list("pk", "last_name")
    }
    viewed = [
        c for _, _, action, children, *_ in events if action in VIEW_ACTIONS for c in children
    ]
    child_names = _surnames_of_children(viewed)
    raised = 0
    for actor_id, la_id, action, children, criteria, detail in events:
        # Searches keep their criteria in ``criteria`` (or, from older callers, in the detail).
        criteria = criteria or (detail or {}).get("criteria")
        surname = surnames.get(actor_id)
        if not surname:
            continue
        subject = None
        if action in VIEW_ACTIONS:
            for index_number in children or []:
                if surname not in child_names.get(index_number, set()):
                    continue
                subject = subject or User.objects.get(pk=actor_id)
                raised += len(
                    alert_raise(
                        kind=AlertKind.OWN_SURNAME,
                        local_authority_ids=[la_id],
                        reason="Opened the record of a child who, or whose parent or carer, has "
                        "the user's own surname. The index holds no home address for its "
                        "users, so addresses are not compared.",
                        key=f"own_surname:{actor_id}:{index_number}",
                        subject=subject,
                        children=[index_number],
                    )
                )
        elif any(_name_key(text) == surname for text in _criteria_strings(criteria)):
            raised += len(
                alert_raise(
                    kind=AlertKind.OWN_SURNAME,
                    local_authority_ids=[la_id],
                    reason=f"Searched for the user's own surname on {day:%A %-d %B %Y}.",
                    key=f"own_surname_search:{actor_id}:{day.isoformat()}",
                    subject=User.objects.get(pk=actor_id),
                    children=children,
                )
            )
    return raised


# --- All of them --------------------------------------------------------------------------------


def run_all(*, day: dt.date | None = None) -> dict[str, Any]:
    """Run every detector for ``day`` (default: today, so far); returns alerts raised by each."""
    day = day or timezone.localdate()
    return {
        "policy_alerts": alerts_from_policy_events(),
        "search_volume": detect_search_volume(day=day),
        "out_of_hours": detect_out_of_hours(day=day),
        "views_without_involvement": detect_views_without_involvement(day=day),
        "own_surname": detect_own_surname(day=day),
        "own_address": ADDRESS_CHECK_SKIPPED,
    }
