"""Per-user search limits: how many searches one account may make in a minute and in a day.

The rule (issue 15, finding 1): one practitioner ran 300 searches in 22.8 seconds and collected
16 % of a county. A busy safeguarding hub searches a few times a minute and rarely more than a
hundred times a day, so each LA sets a limit (``audit.UsageThresholds``, default 30 a minute
and 300 a day) that honest work never meets and harvesting meets at once. Past it the search is
refused with the moment searching can resume; ``records.selectors.child_search`` audits the
refusal and raises an alert for the LA's auditors at once. Every way in to search (web, CLI,
API) goes through ``child_search``, so the limit is the same everywhere.

The counts live in Django's cache (``CACHES["default"]``: a table in the database, shared by
every worker, in production and the demo), in fixed windows: the current minute and the
current local day. Every attempt counts, refused ones included, so hammering does not help.

Both windows are one cache entry per user and local day (``core.windows.count_in_windows``),
kept until the day ends: one read and one write a search (measured in
``benchmarks/search_limits.py``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import formats, timezone

from childindex.access.models import User
from childindex.access.policy import AccessRefused
from childindex.audit.models import UsageThresholds
from childindex.core.windows import count_in_windows

DEFAULT_PER_MINUTE = UsageThresholds._meta.get_field("search_limit_per_minute").default
DEFAULT_PER_DAY = UsageThresholds._meta.get_field("search_limit_per_day").default


@dataclass(frozen=True)
class SearchLimits:
    """One LA's search limits for each of its users."""

    per_minute: int
    per_day: int


class SearchLimitReached(AccessRefused):
    """Too many searches: ``resume_at`` says when this user can search again, ``window``
    which limit was reached ("minute" or "day") and ``limit`` its size.
    An ``AccessRefused``, so every caller that handles a refusal handles this one."""

    def __init__(
        self, reasons: tuple[str, ...], *, window: str, limit: int, resume_at: dt.datetime
    ):
        super().__init__(reasons)
        self.window = window
        self.limit = limit
        self.resume_at = resume_at


def search_limits_for(user: User) -> SearchLimits:
    """The limits of the user's LA (the defaults for an LA without its own, or no LA)."""
    row = (
        UsageThresholds.objects.filter(local_authority_id=user.local_authority_id)
        .values_list("search_limit_per_minute", "search_limit_per_day")
        .first()
        if user.local_authority_id
        else None
    )
    if row is None:
        return SearchLimits(per_minute=DEFAULT_PER_MINUTE, per_day=DEFAULT_PER_DAY)
    return SearchLimits(per_minute=row[0], per_day=row[1])


def _resume_message(window: str, limit: int, resume_at: dt.datetime) -> str:
    local = timezone.localtime(resume_at)
    when = (
        f"at {local:%H:%M}"
        if window == "minute"
        else f"at midnight, on {formats.date_format(local.date(), 'j F Y')}"
    )
    per = "a minute" if window == "minute" else "a day"
    return (
        f"You have made {limit} searches {per}, the most your local authority allows. "
        f"You can search again {when}. Your local authority's auditors have been told."
    )


def search_limit_take(*, actor: User, now: dt.datetime | None = None) -> None:
    """Count one search by ``actor`` and raise ``SearchLimitReached`` when it is past the LA's
    minute or day limit. Call it once per search, before the search runs."""
    now = now or timezone.now()
    limits = search_limits_for(actor)
    minute_start = now.replace(second=0, microsecond=0)
    local_day = timezone.localdate(now)
    tz = timezone.get_current_timezone()
    day_end = dt.datetime.combine(local_day + dt.timedelta(days=1), dt.time(), tzinfo=tz)
    minute_end = minute_start + dt.timedelta(minutes=1)
    key = f"childindex:search-limit:{actor.pk}:{local_day.isoformat()}"
    stamp = f"{minute_start:%Y%m%d%H%M}"
    # kept an hour past the day's end, counted from ``now`` (a duration, whatever the clock)
    this_minute, today = count_in_windows(
        key, (stamp, local_day.isoformat()), timeout=(day_end - now).total_seconds() + 3600
    )
    reached: tuple[str, int, dt.datetime] | None = None
    for window, limit, count, resume_at in (
        ("minute", limits.per_minute, this_minute, minute_end),
        ("day", limits.per_day, today, day_end),
    ):
        if count > limit and (reached is None or resume_at > reached[2]):
            reached = (window, limit, resume_at)
    if reached is not None:
        window, limit, resume_at = reached
        raise SearchLimitReached(
            (_resume_message(window, limit, resume_at),),
            window=window,
            limit=limit,
            resume_at=resume_at,
        )
