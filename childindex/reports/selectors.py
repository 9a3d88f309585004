"""The reports' reads: data-quality worklists, coverage, planning statistics and feed health
over time, for one LA's index team (``policy.can_read_reports``). Every read is audited (a page
as ``report_view``, a CSV download as ``export``) with the index numbers it showed; counts come
back as ``Count`` so that every page and download suppresses the same small numbers.

Ages are counted in Python from the number of children born on each day (a few thousand rows
at any scale), so the database does one grouped scan and no date arithmetic of its own.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count as DbCount
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Value
from django.db.models.functions import StrIndex, Substr, TruncMonth
from django.utils import timezone

from childindex.access import policy
from childindex.audit.models import Action
from childindex.audit.services import audit_record
from childindex.core.identifiers import IdentifierType
from childindex.directory.models import Service, ServiceCategory, ServiceKind
from childindex.records.models import (
    Child,
    ChildAddress,
    ChildIdentifier,
    ChildName,
    ChildStatus,
    Involvement,
)
from childindex.reports.models import MAX_CHILD_AGE, PopulationEstimate
from childindex.reports.suppression import Count, share
from childindex.sources.models import (
    Feed,
    ImportRun,
    RejectedRow,
    ReviewItem,
    ReviewStatus,
    SourceRecord,
)

REPORT_VIEW = Action.REPORT_VIEW
WORKLIST_PAGE = 50
DEFAULT_STALE_MONTHS = 6

AGE_BANDS: tuple[tuple[str, int, int], ...] = (
    ("Under 1", 0, 0),
    ("1 to 4", 1, 4),
    ("5 to 10", 5, 10),
    ("11 to 15", 11, 15),
    ("16 to 17", 16, 17),
)
HEALTH_IDENTIFIERS = (IdentifierType.NHS, IdentifierType.CHI, IdentifierType.HC)
UNIVERSAL_KINDS = (ServiceKind.SCHOOL, ServiceKind.GP)


def _la(actor) -> int:
    decision = policy.can_read_reports(actor, actor.local_authority_id)
    if not decision:
        raise PermissionDenied(decision.message)
    return actor.local_authority_id


def _audit(actor, *, report: str, export: bool, children: Iterable[str] = (), **detail: Any):
    audit_record(
        actor=actor,
        action=Action.EXPORT if export else REPORT_VIEW,
        children=children,
        detail={"report": report, **detail},
    )


def age_on(born: dt.date, day: dt.date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def age_band(age: int) -> str | None:
    for label, low, high in AGE_BANDS:
        if low <= age <= high:
            return label
    return None


def school_age_births(today: dt.date) -> tuple[dt.date, dt.date]:
    """Compulsory school age in England: Year 1 to Year 11 of this school year, so aged 5 to
    15 on the 31 August it began (from the term after the fifth birthday, strictly, until the
    last Friday of June of Year 11; the worklist is a starting list, not a legal finding)."""
    start_year = today.year if (today.month, today.day) >= (9, 1) else today.year - 1
    youngest = dt.date(start_year - 5, 8, 31)  # 5 on 31 August
    oldest = dt.date(start_year - 16, 9, 1)  # not yet 16 on 31 August
    return oldest, youngest


def _live(la: int) -> QuerySet[Child]:
    return Child.objects.filter(responsible_la_id=la, status=ChildStatus.ACTIVE)


def _service_ids(*kinds: str) -> list[int]:
    """The directory's services of these kinds (a few hundred at most): filtering involvements
    on their ids lets the database probe its (child, ended_on) index without a join."""
    return list(Service.objects.filter(kind__in=kinds).values_list("pk", flat=True))


def _current(kind: str) -> Exists:
    return Exists(
        Involvement.objects.filter(
            child=OuterRef("pk"), ended_on__isnull=True, service_id__in=_service_ids(kind)
        )
    )


def _district() -> Any:
    return Substr("postcode", 1, StrIndex("postcode", Value(" ")) - 1)


# --- Data quality: worklists ----------------------------------------------------------------


@dataclass(frozen=True)
class Worklist:
    slug: str
    title: str
    description: str


WORKLISTS: dict[str, Worklist] = {
    w.slug: w
    for w in (
        Worklist(
            "no-school",
            "School-age children with no current school",
            "Children of compulsory school age (Year 1 to Year 11) whom no school lists: "
            "possibly missing education. The starting list for the Children Not in School "
            "register.",
        ),
        Worklist("no-gp", "Children with no GP", "Children no GP practice lists."),
        Worklist(
            "no-nhs-number",
            "Children with no NHS number",
            "Children with no NHS number (or CHI or H&C number), the consistent identifier "
            "children's records are expected to carry.",
        ),
        Worklist(
            "stale",
            "Records no feed has listed recently",
            "Children whom no feed has listed in the chosen number of months (or ever).",
        ),
        Worklist(
            "two-universal",
            "Children with two current schools or two GPs",
            "Children with two current involvements of the same universal kind: one of them "
            "has probably ended without the index being told.",
        ),
    )
}


def _worklist_children(la: int, slug: str, *, today: dt.date, months: int) -> QuerySet[Child]:
    children = _live(la)
    if slug == "no-school":
        oldest, youngest = school_age_births(today)
        return children.filter(date_of_birth__gte=oldest, date_of_birth__lte=youngest).exclude(
            _current(ServiceKind.SCHOOL)
        )
    if slug == "no-gp":
        return children.exclude(_current(ServiceKind.GP))
    if slug == "no-nhs-number":
        return children.exclude(
            Exists(
                ChildIdentifier.objects.filter(child=OuterRef("pk"), type__in=HEALTH_IDENTIFIERS)
            )
        )
    if slug == "stale":
        since = timezone.now() - dt.timedelta(days=round(30.44 * months))
        return children.exclude(
            Exists(
                SourceRecord.objects.filter(child=OuterRef("pk"), last_run__started_at__gte=since)
            )
        )
    if slug == "two-universal":
        doubled = Q(pk__in=[])
        for kind in UNIVERSAL_KINDS:
            doubled |= Q(
                pk__in=Involvement.objects.filter(
                    ended_on__isnull=True, service_id__in=_service_ids(kind)
                )
                .values("child_id")
                .annotate(n=DbCount("service_id", distinct=True))
                .filter(n__gt=1)
                .values("child_id")
            )
        return children.filter(doubled)
    raise KeyError(slug)


@dataclass(frozen=True)
class WorklistRow:
    index_number: str
    formatted_index_number: str
    name: str
    date_of_birth: dt.date
    age: int
    district: str
    shielded: bool


@dataclass(frozen=True)
class WorklistPage:
    worklist: Worklist
    count: Count
    rows: list[WorklistRow]
    page: int
    pages: int
    months: int


def _rows(children: Sequence[Child], today: dt.date) -> list[WorklistRow]:
    ids = [c.pk for c in children]
    names: dict[int, str] = {}
    districts: dict[int, str] = {}
    for start in range(0, len(ids), 5000):  # a download may list every child
        batch = ids[start : start + 5000]
        names.update(
            (child_id, f"{given} {family}")
            for child_id, given, family in ChildName.objects.filter(
                child_id__in=batch, kind="current"
            ).values_list("child_id", "given_names", "family_name")
        )
        districts.update(
            (child_id, postcode.split(" ")[0])
            for child_id, postcode in ChildAddress.objects.filter(
                child_id__in=batch, lived_until__isnull=True
            )
            .exclude(postcode="")
            .values_list("child_id", "postcode")
        )
    return [
        WorklistRow(
            c.index_number,
            c.formatted_index_number,
            names.get(c.pk, ""),
            c.date_of_birth,
            age_on(c.date_of_birth, today),
            districts.get(c.pk, ""),
            c.shielded,
        )
        for c in children
    ]


def data_quality_summary(
    *, actor, months: int = DEFAULT_STALE_MONTHS, export: bool = False
) -> dict[str, Any]:
    """The count on each worklist, the review queue by age and row problems per source."""
    la = _la(actor)
    today = timezone.localdate()
    counts = {
        slug: Count(_worklist_children(la, slug, today=today, months=months).count())
        for slug in WORKLISTS
    }
    summary = {
        "worklists": [(WORKLISTS[s], c) for s, c in counts.items()],
        "review_ages": _review_ages(la),
        "row_problems": _row_problems(la),
        "months": months,
    }
    _audit(actor, report="data_quality", export=export, months=months)
    return summary


def worklist(
    *, actor, slug: str, page: int = 1, months: int = DEFAULT_STALE_MONTHS, export: bool = False
) -> WorklistPage:
    """One worklist: its count and a page of its children (every child, for a download)."""
    la = _la(actor)
    today = timezone.localdate()
    children = _worklist_children(la, slug, today=today, months=months).order_by(
        "date_of_birth", "pk"
    )
    ids = list(children.values_list("pk", flat=True))  # one pass: the count and the page
    total = len(ids)
    pages = max(1, -(-total // WORKLIST_PAGE))
    page = min(max(1, page), pages)
    chosen_ids = ids if export else ids[(page - 1) * WORKLIST_PAGE : page * WORKLIST_PAGE]
    by_id: dict[int, Child] = {}
    for start in range(0, len(chosen_ids), 5000):
        by_id.update(Child.objects.in_bulk(chosen_ids[start : start + 5000]))
    chosen = [by_id[pk] for pk in chosen_ids]
    rows = _rows(chosen, today)
    _audit(
        actor,
        report=f"worklist:{slug}",
        export=export,
        children=[r.index_number for r in rows],
        page=page,
        months=months,
        rows=len(rows),
    )
    return WorklistPage(WORKLISTS[slug], Count(total), rows, page, pages, months)


REVIEW_AGE_BANDS = (("Up to 7 days", 0, 7), ("8 to 30 days", 8, 30), ("31 to 90 days", 31, 90))


def _review_ages(la: int) -> list[tuple[str, Count]]:
    now = timezone.now()
    bands = Counter()
    for created in ReviewItem.objects.filter(
        local_authority_id=la, status=ReviewStatus.OPEN
    ).values_list("created_at", flat=True):
        days = (now - created).days
        label = next((b for b, lo, hi in REVIEW_AGE_BANDS if lo <= days <= hi), "Over 90 days")
        bands[label] += 1
    labels = [b for b, _, _ in REVIEW_AGE_BANDS] + ["Over 90 days"]
    return [(label, Count(bands[label])) for label in labels]


@dataclass(frozen=True)
class RowProblems:
    feed: Feed
    rows: Count
    last_run: ImportRun | None
    top_reasons: list[tuple[str, Count]]


def _row_problems(la: int) -> list[RowProblems]:
    """Rows each source sent that could not be used, over its runs, with the commonest
    reasons (a reason is the first words of the message, before its details)."""
    out = []
    for feed in Feed.objects.filter(local_authority_id=la).order_by("name"):
        rows = RejectedRow.objects.filter(run__feed=feed)
        reasons = Counter(r.split(":")[0][:80] for r in rows.values_list("reason", flat=True))
        out.append(
            RowProblems(
                feed,
                Count(sum(reasons.values())),
                ImportRun.objects.filter(feed=feed).order_by("-started_at", "-id").first(),
                [(r, Count(n)) for r, n in reasons.most_common(3)],
            )
        )
    return out


# --- Coverage -------------------------------------------------------------------------------


def reference_date(year: int) -> dt.date:
    return dt.date(year, 6, 30)


@dataclass(frozen=True)
class CoverageRow:
    label: str
    in_index: Count
    estimate: Count | None

    @property
    def coverage(self) -> str:
        return "–" if self.estimate is None else share(self.in_index, self.estimate)

    @property
    def coverage_percent(self) -> float | None:
        if self.estimate is None or self.in_index.suppressed or self.estimate.suppressed:
            return None
        return (
            round(100 * self.in_index.value / self.estimate.value, 1)
            if self.estimate.value
            else None
        )


@dataclass(frozen=True)
class Coverage:
    year: int | None
    by_age: list[CoverageRow]
    by_band: list[CoverageRow]
    total: CoverageRow
    by_district: list[tuple[str, Count, Count, Count, str]]
    over_time: list[CoverageRow]
    years: list[int]


def _births(la: int, *, created_before: dt.datetime | None = None) -> dict[dt.date, int]:
    children = Child.objects.filter(
        responsible_la_id=la, status__in=[ChildStatus.ACTIVE, ChildStatus.DECEASED]
    )
    if created_before is not None:
        children = children.filter(created_at__lt=created_before)
    return dict(
        children.values("date_of_birth").annotate(n=DbCount("id")).values_list("date_of_birth", "n")
    )


def _by_age(births: dict[dt.date, int], day: dt.date) -> Counter:
    ages: Counter = Counter()
    for born, n in births.items():
        age = age_on(born, day)
        if 0 <= age <= MAX_CHILD_AGE and born <= day:
            ages[age] += n
    return ages


def coverage(*, actor, year: int | None = None, export: bool = False) -> Coverage:
    """Children in the index against the LA's child population estimate, by single year of
    age at the estimate's mid-year (30 June), by age band, by postcode district, over time."""
    la = _la(actor)
    estimates = PopulationEstimate.objects.filter(local_authority_id=la)
    years = sorted(set(estimates.values_list("year", flat=True)), reverse=True)
    if year not in years:
        year = years[0] if years else None
    day = reference_date(year) if year else timezone.localdate()
    births = _births(la)
    ages = _by_age(births, day)
    estimate = dict(estimates.filter(year=year).values_list("age", "population")) if year else {}

    def row(label: str, low: int, high: int) -> CoverageRow:
        n = sum(ages[a] for a in range(low, high + 1))
        est = [estimate[a] for a in range(low, high + 1) if a in estimate]
        return CoverageRow(label, Count(n), Count(sum(est)) if est else None)

    by_age = [row(str(a), a, a) for a in range(MAX_CHILD_AGE + 1)]
    by_band = [row(label, low, high) for label, low, high in AGE_BANDS]
    total = row("All children (0 to 17)", 0, MAX_CHILD_AGE)

    def per_district(**involved) -> dict[str, int]:
        """Active children of the LA by current postcode district (with a current involvement
        at a service of the kind given, when one is)."""
        current = {"child__involvements__ended_on__isnull": True} if involved else {}
        return dict(
            ChildAddress.objects.filter(
                child__responsible_la_id=la,
                child__status=ChildStatus.ACTIVE,
                lived_until__isnull=True,
                **current,
                **involved,
            )
            .exclude(postcode="")
            .annotate(district=_district())
            .values("district")
            .annotate(n=DbCount("child_id", distinct=True))
            .values_list("district", "n")
        )

    districts = per_district()
    with_gp = per_district(child__involvements__service__kind=ServiceKind.GP)
    with_school = per_district(child__involvements__service__kind=ServiceKind.SCHOOL)
    by_district = []
    for district in sorted(districts):
        n = Count(districts[district])
        gp = Count(with_gp.get(district, 0))
        school = Count(with_school.get(district, 0))
        by_district.append((district, n, gp, school, share(gp, n)))

    over_time = []
    for y in sorted(years):
        ref = reference_date(y)
        created_before = dt.datetime.combine(ref + dt.timedelta(days=1), dt.time(), dt.UTC)
        aged = _by_age(_births(la, created_before=created_before), ref)
        est = sum(estimates.filter(year=y).values_list("population", flat=True))
        over_time.append(CoverageRow(f"mid-{y}", Count(sum(aged.values())), Count(est)))
    _audit(actor, report="coverage", export=export, year=year)
    return Coverage(year, by_age, by_band, total, by_district, over_time, years)


# --- Planning statistics ----------------------------------------------------------------------


@dataclass(frozen=True)
class Planning:
    categories: list[tuple[str, str]]
    by_band: list[tuple[str, Count, list[Count]]]  # band, children, involvements per category
    by_category: list[tuple[str, Count, Count]]  # category, children, involvements
    by_district: list[tuple[str, Count, list[Count]]]
    months: list[str]
    started: list[Count]
    ended: list[Count]
    current: list[Count]


def _month_starts(today: dt.date, count: int) -> list[dt.date]:
    first = today.replace(day=1)
    months = []
    for _ in range(count):
        months.append(first)
        first = (first - dt.timedelta(days=1)).replace(day=1)
    return list(reversed(months))


def planning(*, actor, months: int = 24, export: bool = False) -> Planning:
    """Children and their current involvements by age band, postcode district and service
    category, and involvements started and ended each month (the last ``months``)."""
    la = _la(actor)
    today = timezone.localdate()
    categories = list(ServiceCategory.choices)
    current = Involvement.objects.filter(
        child__responsible_la_id=la, child__status=ChildStatus.ACTIVE, ended_on__isnull=True
    )
    band_children: Counter = Counter()
    for born, n in _births(la).items():
        band = age_band(age_on(born, today))
        if band:
            band_children[band] += n
    band_cat: Counter = Counter()
    for born, category, n in (
        current.values("child__date_of_birth", "service__category")
        .annotate(n=DbCount("id"))
        .values_list("child__date_of_birth", "service__category", "n")
    ):
        band = age_band(age_on(born, today))
        if band:
            band_cat[band, category] += n
    by_band = [
        (label, Count(band_children[label]), [Count(band_cat[label, c]) for c, _ in categories])
        for label, _, _ in AGE_BANDS
    ]
    by_category = []
    per_category = {
        r["service__category"]: r
        for r in current.values("service__category").annotate(
            children=DbCount("child_id", distinct=True), n=DbCount("id")
        )
    }
    for value, label in categories:
        r = per_category.get(value, {"children": 0, "n": 0})
        by_category.append((label, Count(r["children"]), Count(r["n"])))

    district_children = dict(
        ChildAddress.objects.filter(
            child__responsible_la_id=la, child__status=ChildStatus.ACTIVE, lived_until__isnull=True
        )
        .exclude(postcode="")
        .annotate(district=_district())
        .values("district")
        .annotate(n=DbCount("child_id"))
        .values_list("district", "n")
    )
    district_cat: Counter = Counter()
    for district, category, n in (
        ChildAddress.objects.filter(
            child__responsible_la_id=la,
            child__status=ChildStatus.ACTIVE,
            lived_until__isnull=True,
            child__involvements__ended_on__isnull=True,
        )
        .exclude(postcode="")
        .annotate(district=_district(), category=F("child__involvements__service__category"))
        .values("district", "category")
        .annotate(n=DbCount("child__involvements__id"))
        .values_list("district", "category", "n")
    ):
        district_cat[district, category] += n
    by_district = [
        (d, Count(n), [Count(district_cat[d, c]) for c, _ in categories])
        for d, n in sorted(district_children.items())
    ]

    starts = _month_starts(today, months)
    first = starts[0]
    involvements = Involvement.objects.filter(
        child__responsible_la_id=la, child__status=ChildStatus.ACTIVE
    )
    started = dict(
        involvements.filter(started_on__gte=first)
        .annotate(m=TruncMonth("started_on"))
        .values("m")
        .annotate(n=DbCount("id"))
        .values_list("m", "n")
    )
    ended = dict(
        involvements.filter(ended_on__gte=first)
        .annotate(m=TruncMonth("ended_on"))
        .values("m")
        .annotate(n=DbCount("id"))
        .values_list("m", "n")
    )
    open_before = (
        involvements.filter(started_on__lt=first)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=first))
        .count()
    )
    running = open_before
    current_by_month = []
    for m in starts:
        running += started.get(m, 0)
        current_by_month.append(Count(running))
        running -= ended.get(m, 0)
    _audit(actor, report="planning", export=export, months=months)
    return Planning(
        categories=categories,
        by_band=by_band,
        by_category=by_category,
        by_district=by_district,
        months=[m.strftime("%b %Y") for m in starts],
        started=[Count(started.get(m, 0)) for m in starts],
        ended=[Count(ended.get(m, 0)) for m in starts],
        current=current_by_month,
    )


# --- Feed health over time --------------------------------------------------------------------


@dataclass(frozen=True)
class RunHealth:
    run: ImportRun
    rows: Count
    match_rate: float | None
    sent_to_review: Count
    still_waiting: Count
    rejected: Count

    @property
    def match_percent(self) -> str:
        return "–" if self.match_rate is None else f"{100 * self.match_rate:.1f}%"


def feed_history(*, actor, limit: int = 100, export: bool = False) -> dict[str, list[RunHealth]]:
    """Per source, each import run (oldest first, the last ``limit``): rows read, match rate,
    rows sent to review and how many of those still wait, and rejected rows."""
    la = _la(actor)
    waiting = dict(
        ReviewItem.objects.filter(local_authority_id=la, status=ReviewStatus.OPEN)
        .values("run_id")
        .annotate(n=DbCount("id"))
        .values_list("run_id", "n")
    )
    out: dict[str, list[RunHealth]] = defaultdict(list)
    runs = list(
        ImportRun.objects.filter(feed__local_authority_id=la)
        .select_related("feed")
        .order_by("-started_at", "-id")[:limit]
    )
    for run in reversed(runs):
        matched = run.linked + run.created + run.unchanged
        out[run.feed.label].append(
            RunHealth(
                run,
                Count(run.read),
                matched / run.read if run.read else None,
                Count(run.sent_to_review),
                Count(waiting.get(run.pk, 0)),
                Count(run.rejected),
            )
        )
    _audit(actor, report="feed_history", export=export)
    return dict(sorted(out.items()))


def estimates_loaded(*, actor) -> list[dict[str, Any]]:
    """Which LAs and mid-years have population estimates (the national operator's page)."""
    decision = policy.can_load_population_estimates(actor)
    if not decision:
        raise PermissionDenied(decision.message)
    return list(
        PopulationEstimate.objects.values("local_authority__name", "year")
        .order_by("local_authority__name", "-year")
        .distinct()
    )
