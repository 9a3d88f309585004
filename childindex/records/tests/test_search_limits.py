"""Per-user search limits (issue 15, finding 1): one practitioner ran 300 searches in 22.8 s and
every response was 200. Past the LA's limit a search is refused, the refusal is audited and an
alert reaches the LA's auditors at once; the same limit holds for the CLI."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from childindex.access.search_limits import SearchLimitReached, search_limits_for
from childindex.audit.models import AuditEvent, EventOutcome, UsageThresholds
from childindex.monitoring.models import Alert, AlertKind
from childindex.records.search import parse_criteria
from childindex.records.selectors import AccessRefused, child_search

pytestmark = pytest.mark.django_db

NOON = dt.datetime(2026, 11, 18, 12, 0, 5, tzinfo=dt.UTC)


def search(actor, *, at=NOON):
    return child_search(
        actor=actor,
        criteria=parse_criteria(name="Olivia Smith", date_of_birth="2015-03-04"),
        now=at,
    )


def test_the_default_limits_are_ones_a_busy_safeguarding_hub_never_meets(journey):
    limits = search_limits_for(journey.pat)
    assert (limits.per_minute, limits.per_day) == (30, 300)


def test_the_search_past_the_minute_limit_is_refused_with_when_searching_can_resume(
    journey, children
):
    UsageThresholds.objects.create(local_authority=journey.la, search_limit_per_minute=3)
    for _ in range(3):
        search(journey.pat)
    with pytest.raises(SearchLimitReached) as refused:
        search(journey.pat)
    assert isinstance(refused.value, AccessRefused)
    assert refused.value.resume_at == dt.datetime(2026, 11, 18, 12, 1, tzinfo=dt.UTC)
    assert "12:01" in " ".join(refused.value.reasons)
    # the next minute searches again
    search(journey.pat, at=NOON + dt.timedelta(minutes=1))


def test_a_refused_search_is_audited_and_alerts_the_las_auditors_at_once(journey, children):
    UsageThresholds.objects.create(local_authority=journey.la, search_limit_per_minute=2)
    search(journey.pat)
    search(journey.pat)
    for _ in range(3):  # three refusals in one window: one alert, three audit events
        with pytest.raises(SearchLimitReached):
            search(journey.pat)
    denied = AuditEvent.objects.filter(
        action="child_search", outcome=EventOutcome.DENIED, actor=journey.pat
    )
    assert denied.count() == 3
    assert denied.first().detail["limit"] == "minute"
    assert denied.first().children == []
    alerts = Alert.objects.filter(kind=AlertKind.SEARCH_LIMIT)
    assert [(a.local_authority_id, a.subject_id) for a in alerts] == [
        (journey.la.pk, journey.pat.pk)
    ]
    assert "2 searches" in alerts[0].reason


def test_the_day_limit_holds_across_minutes_and_resumes_at_midnight(journey, children):
    UsageThresholds.objects.create(
        local_authority=journey.la, search_limit_per_minute=30, search_limit_per_day=2
    )
    search(journey.pat)
    search(journey.pat, at=NOON + dt.timedelta(minutes=5))
    with pytest.raises(SearchLimitReached) as refused:
        search(journey.pat, at=NOON + dt.timedelta(minutes=10))
    tomorrow = timezone.localdate(NOON) + dt.timedelta(days=1)
    midnight = dt.datetime.combine(tomorrow, dt.time(), tzinfo=timezone.get_current_timezone())
    assert refused.value.resume_at == midnight
    assert refused.value.window == "day"


def test_limits_are_per_user(journey, children):
    UsageThresholds.objects.create(local_authority=journey.la, search_limit_per_minute=1)
    search(journey.pat)
    search(journey.cp)  # another user of the same LA is not held back


def test_the_cli_search_keeps_the_same_limit(journey, children):
    # a day limit of one as well: the two calls run on the real clock and may straddle a minute
    UsageThresholds.objects.create(
        local_authority=journey.la, search_limit_per_minute=1, search_limit_per_day=1
    )
    out = io.StringIO()
    call_command("search", "--as", "pat", "--dob", "2015-03-04", "Olivia", "Smith", stdout=out)
    with pytest.raises(CommandError, match="search again"):
        call_command("search", "--as", "pat", "--dob", "2015-03-04", "Olivia", "Smith")
    assert (
        AuditEvent.objects.filter(action="child_search", outcome=EventOutcome.DENIED).count() == 1
    )


DATABASE_CACHE = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "childindex_cache",
        "OPTIONS": {"MAX_ENTRIES": 2_000_000, "CULL_FREQUENCY": 10},
    }
}


@pytest.fixture
def database_cache(settings):
    """The production cache (a table in the database) instead of the tests' local memory."""
    from django.core.cache import caches
    from django.core.management import call_command

    settings.CACHES = DATABASE_CACHE
    call_command("createcachetable", verbosity=0)
    caches["default"].clear()
    yield caches["default"]
    caches["default"].clear()


def test_on_the_database_cache_the_day_count_outlives_five_quiet_minutes(
    journey, children, database_cache
):
    """Django's database cache gives ``incr`` its default five-minute timeout, so a day counter
    kept that way was forgotten after five minutes without a search: pacing searches evaded the
    day limit. The day's count must live until the day ends."""
    from django.db import connection

    search(journey.pat, at=timezone.now())
    with connection.cursor() as cursor:
        cursor.execute("SELECT expires FROM childindex_cache")
        expiries = [row[0] for row in cursor.fetchall()]
    assert expiries
    soonest = min(expiries)
    if timezone.is_naive(soonest):
        soonest = timezone.make_aware(soonest, dt.UTC)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    midnight = dt.datetime.combine(tomorrow, dt.time(), tzinfo=timezone.get_current_timezone())
    assert soonest >= midnight


def test_on_the_database_cache_the_limits_hold(journey, children, database_cache):
    UsageThresholds.objects.create(
        local_authority=journey.la, search_limit_per_minute=2, search_limit_per_day=4
    )
    search(journey.pat)
    search(journey.pat)
    with pytest.raises(SearchLimitReached) as refused:
        search(journey.pat)
    assert refused.value.window == "minute"
    search(journey.pat, at=NOON + dt.timedelta(minutes=1))
    with pytest.raises(SearchLimitReached) as refused:  # 5 attempts, refused ones count too
        search(journey.pat, at=NOON + dt.timedelta(minutes=2))
    assert refused.value.window == "day"
    search(journey.cp)  # per user


def test_one_search_writes_the_cache_once(journey, children, database_cache):
    """Both windows are one entry: one write (one commit) per search, where the two counters
    took two commits and about twenty statements."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from childindex.access.search_limits import search_limit_take

    search_limit_take(actor=journey.pat, now=NOON)
    with CaptureQueriesContext(connection) as queries:
        search_limit_take(actor=journey.pat, now=NOON)
    cache_writes = [
        q["sql"]
        for q in queries.captured_queries
        if "childindex_cache" in q["sql"]
        and q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT"))
    ]
    assert len(cache_writes) == 1
