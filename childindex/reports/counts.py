"""Stored report counts: the whole-LA aggregates behind the data quality summary, coverage and
planning, counted once per LA and read by every page until the next refresh.

Counting an LA means grouped scans of every child, current address and current involvement
(seconds at 250,000 children). The pages instead read the LA's newest ``CountsSnapshot``: a few
hundred ``StoredCount`` rows, each a measure by age, postcode district, service category or
month. A snapshot is refreshed

- after each import of one of the LA's feeds (``ImportRun`` finished: ``reports.signals``),
- after population estimates are loaded for the LA,
- by the clock (``childindex monitor`` queues ``reports.tasks.refresh_report_counts``) when it is
  older than ``CHILDINDEX_REPORT_COUNTS_MINUTES`` or was counted on an earlier day,
- on the first page view when the LA has none yet.

The pages say when their counts were taken ("as of"). A snapshot counted by code that stored
other measures (``COUNTS_VERSION``) is counted again when it is read. The worklists are counted
live (so that a worklist's count and its children always agree) and paged. One of them, two
schools or two GPs, has to group every current involvement of the LA to find its children
(3.6 s at 500,000 children in one LA): a count stores the children it found (``ListedChild``)
and the newest involvement's id, and the page checks again, child by child, the listed children
and those of the universal involvements started since; the others do not need it.

Ages are counted in Python from the number of children born on each day (a few thousand rows
at any scale), so the database does one grouped scan and no date arithmetic of its own.
"""

from __future__ import annotations

import datetime as dt
import operator
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import reduce
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count as DbCount
from django.db.models import Exists, F, Max, Min, OuterRef, Q, QuerySet, Value
from django.db.models.functions import StrIndex, Substr, TruncMonth
from django.utils import timezone

from childindex.directory.models import LocalAuthority, Service, ServiceKind
from childindex.records.models import (
    Child,
    ChildAddress,
    ChildIdentifier,
    ChildStatus,
    Involvement,
)
from childindex.reports.models import (
    MAX_CHILD_AGE,
    CountsSnapshot,
    ListedChild,
    PopulationEstimate,
    StoredCount,
)
from childindex.sources.models import ImportRun, RunStatus, SourceRecord

DEFAULT_STALE_MONTHS = 6
PLANNING_MONTHS = 24
HEALTH_IDENTIFIERS = ("nhs", "chi", "hc")
UNIVERSAL_KINDS = (ServiceKind.SCHOOL, ServiceKind.GP)
LISTED_WORKLIST = "two-universal"  # found at each count, its children checked again live

# Measures (StoredCount.measure) and the keys each uses. VERSION is a row of its own: a
# snapshot counted by code that stored other measures is counted again when read.
VERSION = "version"
COUNTS_VERSION = 3  # 3: with the two-universal worklist's children (ListedChild)
WORKLIST = "worklist"  # category = worklist slug
AGE_TODAY = "age_today"  # age (on the snapshot's day): active and deceased children
AGE_TODAY_ACTIVE = "age_today_active"  # age (on the snapshot's day): active children
AGE_CATEGORY = "age_category"  # age, category: current involvements of active children
CATEGORY_CHILDREN = "category_children"  # category: active children with a current one
CATEGORY_INVOLVEMENTS = "category_involvements"  # category: current involvements
DISTRICT_CHILDREN = "district_children"  # district: active children living there
DISTRICT_GP = "district_gp"  # district: ... with a current GP
DISTRICT_SCHOOL = "district_school"  # district: ... with a current school
DISTRICT_CATEGORY = "district_category"  # district, category: current involvements
STARTED = "started"  # month: involvements (of active children) started
ENDED = "ended"  # month: ... ended
OPEN_BEFORE = "open_before"  # month (the first one shown): involvements open when it began
COVERAGE_AGE = "coverage_age"  # month = mid-year reference date, age: children of that age
COVERAGE_CREATED = "coverage_created"  # month = reference date: in the index by then, 0 to 17


def age_on(born: dt.date, day: dt.date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def reference_date(year: int) -> dt.date:
    return dt.date(year, 6, 30)


def school_age_births(today: dt.date) -> tuple[dt.date, dt.date]:
    """Compulsory school age in England: Year 1 to Year 11 of this school year, so aged 5 to
    15 on the 31 August it began (from the term after the fifth birthday, strictly, until the
    last Friday of June of Year 11; the worklist is a starting list, not a legal finding)."""
    start_year = today.year if (today.month, today.day) >= (9, 1) else today.year - 1
    youngest = dt.date(start_year - 5, 8, 31)  # 5 on 31 August
    oldest = dt.date(start_year - 16, 9, 1)  # not yet 16 on 31 August
    return oldest, youngest


def month_starts(today: dt.date, count: int) -> list[dt.date]:
    first = today.replace(day=1)
    months = []
    for _ in range(count):
        months.append(first)
        first = (first - dt.timedelta(days=1)).replace(day=1)
    return list(reversed(months))


# --- The worklists' filters (counted live by the worklist pages, stored for the summary) ----


def live_children(la: int) -> QuerySet[Child]:
    return Child.objects.filter(responsible_la_id=la, status=ChildStatus.ACTIVE)


def service_ids(*kinds: str) -> list[int]:
    """The directory's services of these kinds (a few hundred at most): filtering involvements
    on their ids lets the database probe its (child, ended_on) index without a join."""
    return list(Service.objects.filter(kind__in=kinds).values_list("pk", flat=True))


def _current(services: list[int]) -> Exists:
    return Exists(
        Involvement.objects.filter(
            child=OuterRef("pk"), ended_on__isnull=True, service_id__in=services
        )
    )


def _two_current(services: list[int]) -> Exists:
    """Current involvements at two or more different services of the list: one count per
    child on the (child, ended_on) index (the live check of a listed child)."""
    return Exists(
        Involvement.objects.filter(
            child=OuterRef("pk"), ended_on__isnull=True, service_id__in=services
        )
        .order_by()
        .values("child")
        .annotate(n=DbCount("service_id", distinct=True))
        .filter(n__gt=1)
    )


def _still_doubled() -> Q:
    return reduce(operator.or_, [Q(_two_current(service_ids(kind))) for kind in UNIVERSAL_KINDS])


def doubled_children(la: int) -> QuerySet[Involvement, Any]:
    """The ids of the LA's active children with current involvements at two or more different
    services of one universal kind (two schools, two GPs), found at a count: one grouped pass
    over the LA's current involvements at those services, a child's first and last service of
    each kind compared (they differ exactly when the child has two). Seconds for a large LA:
    the worklist page reads the stored finding and checks its children again
    (``worklist_children``)."""
    kinds = {kind: service_ids(kind) for kind in UNIVERSAL_KINDS}
    bounds: dict[str, Min | Max] = {}
    doubled = []
    for kind, services in kinds.items():
        of_kind = Q(service_id__in=services)
        bounds[f"{kind}_first"] = Min("service_id", filter=of_kind)
        bounds[f"{kind}_last"] = Max("service_id", filter=of_kind)
        doubled.append(Q(**{f"{kind}_first__lt": F(f"{kind}_last")}))
    return (
        Involvement.objects.filter(
            child__responsible_la_id=la,
            child__status=ChildStatus.ACTIVE,
            ended_on__isnull=True,
            service_id__in=[pk for services in kinds.values() for pk in services],
        )
        .values("child_id")
        .annotate(**bounds)
        .filter(reduce(operator.or_, doubled))
        .values("child_id")
        .order_by()
    )


def worklist_children(la: int, slug: str, *, today: dt.date, months: int) -> QuerySet[Child]:
    children = live_children(la)
    if slug == "no-school":
        oldest, youngest = school_age_births(today)
        return children.filter(date_of_birth__gte=oldest, date_of_birth__lte=youngest).exclude(
            _current(service_ids(ServiceKind.SCHOOL))
        )
    if slug == "no-gp":
        return children.exclude(_current(service_ids(ServiceKind.GP)))
    if slug == "no-nhs-number":
        return children.exclude(
            Exists(
                ChildIdentifier.objects.filter(child=OuterRef("pk"), type__in=HEALTH_IDENTIFIERS)
            )
        )
    if slug == "stale":
        since = timezone.now() - dt.timedelta(days=round(30.44 * months))
        recent_runs = list(
            ImportRun.objects.filter(feed__local_authority_id=la, started_at__gte=since)
            .values_list("pk", flat=True)
            .order_by()
        )
        return children.exclude(
            Exists(SourceRecord.objects.filter(child=OuterRef("pk"), last_run_id__in=recent_runs))
        )
    if slug == LISTED_WORKLIST:
        # The children found at the LA's last count and those of any universal involvement
        # started since (ids are issued in order), each checked again now: a few thousand
        # probes instead of grouping every current involvement of the LA on each view.
        counts = counts_for(la)
        started_since = Involvement.objects.filter(
            pk__gt=counts.involvements_upto,
            ended_on__isnull=True,
            service_id__in=service_ids(*UNIVERSAL_KINDS),
        ).values("child_id")
        listed = ListedChild.objects.filter(
            snapshot_id=counts.snapshot_id, worklist=LISTED_WORKLIST
        ).values("child_id")
        # one subquery (a union, not an OR of two): the database starts from these children
        return children.filter(pk__in=listed.union(started_since)).filter(_still_doubled())
    raise KeyError(slug)


WORKLIST_SLUGS = ("no-school", "no-gp", "no-nhs-number", "stale", LISTED_WORKLIST)


# --- Counting an LA ---------------------------------------------------------------------------


def _district() -> Substr:
    return Substr("postcode", 1, StrIndex("postcode", Value(" ")) - 1)


def births(
    la: int,
    *,
    created_before: dt.datetime | None = None,
    statuses: tuple[str, ...] = (ChildStatus.ACTIVE, ChildStatus.DECEASED),
) -> dict[dt.date, int]:
    children = Child.objects.filter(responsible_la_id=la, status__in=statuses)
    if created_before is not None:
        children = children.filter(created_at__lt=created_before)
    return dict(
        children.values("date_of_birth")
        .annotate(n=DbCount("id"))
        .values_list("date_of_birth", "n")
        .order_by()
    )


def by_age(born: dict[dt.date, int], day: dt.date) -> Counter:
    ages: Counter = Counter()
    for when, n in born.items():
        age = age_on(when, day)
        if 0 <= age <= MAX_CHILD_AGE and when <= day:
            ages[age] += n
    return ages


Row = tuple[str, int | None, str, str, dt.date | None, int]  # measure, age, district, cat, month


def _per_district(la: int, services: list[int] | None = None) -> dict[str, int]:
    """Active children of the LA by current postcode district (only those with a current
    involvement at one of ``services``, when given)."""
    addresses = ChildAddress.objects.filter(
        child__responsible_la_id=la, child__status=ChildStatus.ACTIVE, lived_until__isnull=True
    ).exclude(postcode="")
    if services is not None:
        addresses = addresses.filter(
            Exists(
                Involvement.objects.filter(
                    child=OuterRef("child_id"), ended_on__isnull=True, service_id__in=services
                )
            )
        )
    return dict(
        addresses.annotate(district=_district())
        .values("district")
        .annotate(n=DbCount("id"))
        .values_list("district", "n")
        .order_by()
    )


def count_la(la: int, *, today: dt.date, listed: list[int] | None = None) -> list[Row]:
    """Every stored count of one LA, counted now (the slow part: grouped scans); the
    two-universal worklist's children go into ``listed``."""
    rows: list[Row] = [(VERSION, None, "", "", None, COUNTS_VERSION)]

    def add(measure: str, n: int, *, age=None, district="", category="", month=None) -> None:
        if n:
            rows.append((measure, age, district, category, month, n))

    for slug in WORKLIST_SLUGS:
        if slug == LISTED_WORKLIST:
            found = list(doubled_children(la).values_list("child_id", flat=True))
            if listed is not None:
                listed.extend(found)
            rows.append((WORKLIST, None, "", slug, None, len(found)))
            continue
        children = worklist_children(la, slug, today=today, months=DEFAULT_STALE_MONTHS)
        rows.append((WORKLIST, None, "", slug, None, children.count()))

    born = births(la)
    for age, n in sorted(by_age(born, today).items()):
        add(AGE_TODAY, n, age=age)
    for age, n in sorted(by_age(births(la, statuses=(ChildStatus.ACTIVE,)), today).items()):
        add(AGE_TODAY_ACTIVE, n, age=age)

    current = Involvement.objects.filter(
        child__responsible_la_id=la, child__status=ChildStatus.ACTIVE, ended_on__isnull=True
    )
    ages: Counter = Counter()
    for when, category, n in (
        current.values("child__date_of_birth", "service__category")
        .annotate(n=DbCount("id"))
        .values_list("child__date_of_birth", "service__category", "n")
        .order_by()
    ):
        age = age_on(when, today)
        if 0 <= age <= MAX_CHILD_AGE:
            ages[age, category] += n
    for (age, category), n in sorted(ages.items()):
        add(AGE_CATEGORY, n, age=age, category=category)
    for r in (
        current.values("service__category")
        .annotate(children=DbCount("child_id", distinct=True), n=DbCount("id"))
        .order_by()
    ):
        add(CATEGORY_CHILDREN, r["children"], category=r["service__category"])
        add(CATEGORY_INVOLVEMENTS, r["n"], category=r["service__category"])

    for measure, services in (
        (DISTRICT_CHILDREN, None),
        (DISTRICT_GP, service_ids(ServiceKind.GP)),
        (DISTRICT_SCHOOL, service_ids(ServiceKind.SCHOOL)),
    ):
        for district, n in sorted(_per_district(la, services).items()):
            add(measure, n, district=district)
    for district, category, n in (
        ChildAddress.objects.filter(
            child__responsible_la_id=la,
            child__status=ChildStatus.ACTIVE,
            lived_until__isnull=True,
            child__involvements__ended_on__isnull=True,
        )
        .exclude(postcode="")
        .annotate(district=_district(), cat=F("child__involvements__service__category"))
        .values("district", "cat")
        .annotate(n=DbCount("child__involvements__id"))
        .values_list("district", "cat", "n")
        .order_by()
    ):
        add(DISTRICT_CATEGORY, n, district=district, category=category)

    first = month_starts(today, PLANNING_MONTHS)[0]
    involvements = Involvement.objects.filter(
        child__responsible_la_id=la, child__status=ChildStatus.ACTIVE
    )
    for measure, column in ((STARTED, "started_on"), (ENDED, "ended_on")):
        for month, n in (
            involvements.filter(**{f"{column}__gte": first})
            .annotate(m=TruncMonth(column))
            .values("m")
            .annotate(n=DbCount("id"))
            .values_list("m", "n")
            .order_by()
        ):
            add(measure, n, month=month)
    open_before = (
        involvements.filter(started_on__lt=first)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=first))
        .count()
    )
    rows.append((OPEN_BEFORE, None, "", "", first, open_before))

    years = sorted(
        set(
            PopulationEstimate.objects.filter(local_authority_id=la)
            .values_list("year", flat=True)
            .order_by()
        )
    )
    for year in years:
        ref = reference_date(year)
        for age, n in sorted(by_age(born, ref).items()):
            add(COVERAGE_AGE, n, age=age, month=ref)
        created_before = dt.datetime.combine(ref + dt.timedelta(days=1), dt.time(), dt.UTC)
        aged = by_age(births(la, created_before=created_before), ref)
        rows.append((COVERAGE_CREATED, None, "", "", ref, sum(aged.values())))
    return rows


# --- Reading and refreshing -------------------------------------------------------------------


@dataclass
class Counts:
    """One LA's counts as of ``taken_at``: ``get`` one number, ``by`` a key of a measure."""

    taken_at: dt.datetime
    as_of: dt.date
    rows: list[Row] = field(default_factory=list)
    snapshot_id: int = 0
    involvements_upto: int = 0

    def __post_init__(self) -> None:
        self._measures: dict[str, list[Row]] = defaultdict(list)
        for row in self.rows:
            self._measures[row[0]].append(row)

    def of(self, measure: str) -> list[Row]:
        return self._measures.get(measure, [])

    def by(self, measure: str, key: str, **where) -> dict:
        """The measure's counts keyed by one key (age, district, category or month), summed,
        over the rows that match ``where``."""
        index = {"age": 1, "district": 2, "category": 3, "month": 4}
        out: dict = defaultdict(int)
        for row in self.of(measure):
            if all(row[index[k]] == v for k, v in where.items()):
                out[row[index[key]]] += row[5]
        return dict(out)

    def total(self, measure: str, **where) -> int:
        index = {"age": 1, "district": 2, "category": 3, "month": 4}
        return sum(
            row[5] for row in self.of(measure) if all(row[index[k]] == v for k, v in where.items())
        )


def counts_refresh(la: int) -> Counts:
    """Count one LA now and store the counts as its newest snapshot (older ones are deleted)."""
    started = time.monotonic()
    now = timezone.now()
    today = timezone.localdate(now)
    upto = Involvement.objects.aggregate(upto=Max("pk"))["upto"] or 0  # before counting
    listed: list[int] = []
    rows = count_la(la, today=today, listed=listed)
    with transaction.atomic():
        snapshot = CountsSnapshot.objects.create(
            local_authority_id=la,
            taken_at=now,
            as_of=today,
            seconds=round(time.monotonic() - started, 3),
            involvements_upto=upto,
        )
        ListedChild.objects.bulk_create(
            [ListedChild(snapshot=snapshot, worklist=LISTED_WORKLIST, child_id=c) for c in listed],
            batch_size=1000,
        )
        StoredCount.objects.bulk_create(
            [
                StoredCount(
                    snapshot=snapshot,
                    measure=measure,
                    age=age,
                    district=district,
                    category=category,
                    month=month,
                    n=n,
                )
                for measure, age, district, category, month, n in rows
            ],
            batch_size=1000,
        )
        CountsSnapshot.objects.filter(local_authority_id=la, taken_at__lt=now).delete()
    return Counts(now, today, rows, snapshot.pk, upto)


def counts_for(la: int) -> Counts:
    """The LA's newest stored counts (counted now when it has none)."""
    snapshot = (
        CountsSnapshot.objects.filter(local_authority_id=la).order_by("-taken_at", "-id").first()
    )
    if snapshot is None:
        return counts_refresh(la)
    rows: list[Row] = list(
        StoredCount.objects.filter(snapshot=snapshot)
        .values_list("measure", "age", "district", "category", "month", "n")
        .order_by("id")
    )
    counts = Counts(
        snapshot.taken_at, snapshot.as_of, rows, snapshot.pk, snapshot.involvements_upto
    )
    if counts.total(VERSION) != COUNTS_VERSION:  # counted by older code: other measures
        return counts_refresh(la)
    return counts


def counted_since(la: int, when: dt.datetime) -> bool:
    return CountsSnapshot.objects.filter(local_authority_id=la, taken_at__gt=when).exists()


def refresh_interval() -> dt.timedelta:
    return dt.timedelta(minutes=settings.REPORT_COUNTS_MINUTES)


def las_due(*, now: dt.datetime | None = None) -> list[int]:
    """LAs whose counts are missing, older than the interval, counted on an earlier day, or
    older than the LA's last finished import (an import's own refresh may have been lost)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    newest = {
        s.local_authority_id: s
        for s in CountsSnapshot.objects.order_by("local_authority_id", "taken_at")
    }
    last_import = dict(
        ImportRun.objects.filter(status=RunStatus.FINISHED, finished_at__isnull=False)
        .values("feed__local_authority_id")
        .annotate(last=Max("finished_at"))
        .values_list("feed__local_authority_id", "last")
        .order_by()
    )
    with_children = LocalAuthority.objects.filter(
        Exists(Child.objects.filter(responsible_la=OuterRef("pk")))
    ).values_list("pk", flat=True)
    due = []
    for la in with_children:
        snapshot = newest.get(la)
        if (
            snapshot is None
            or snapshot.as_of < today
            or now - snapshot.taken_at >= refresh_interval()
            or (last_import.get(la) and last_import[la] > snapshot.taken_at)
        ):
            due.append(la)
    return sorted(due)


def refresh_many(las: Iterable[int]) -> dict[int, float]:
    """Refresh each LA's counts in turn; how long each took (seconds)."""
    took = {}
    for la in las:
        started = time.monotonic()
        counts_refresh(la)
        took[la] = round(time.monotonic() - started, 3)
    return took
