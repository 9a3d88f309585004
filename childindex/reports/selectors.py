"""The reports' reads: data-quality worklists, coverage, planning statistics and feed health
over time, for one LA's index team (``policy.can_read_reports``). Every read is audited (a page
as ``report_view``, a CSV download as ``export``) with the index numbers it showed; counts come
back as ``Count`` so that every page and download suppresses the same small numbers.

The data quality summary, coverage and planning aggregate the whole LA: they read the LA's
stored counts (``reports.counts``, refreshed by the clock and after each import) and say when
those were taken (``as_of``). The worklists are counted live, one page at a time.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count as DbCount
from django.utils import timezone

from childindex.access import policy
from childindex.audit.models import Action
from childindex.audit.services import audit_record
from childindex.core.routers import replica_reads
from childindex.directory.models import ServiceCategory
from childindex.records.models import Child, ChildAddress, ChildName
from childindex.reports import counts as stored
from childindex.reports.counts import (
    DEFAULT_STALE_MONTHS,
    PLANNING_MONTHS,
    age_on,
    month_starts,
    reference_date,
    school_age_births,
    worklist_children,
)
from childindex.reports.models import MAX_CHILD_AGE, PopulationEstimate
from childindex.reports.suppression import Count, share
from childindex.sources.models import (
    Feed,
    ImportRun,
    ProblemSeverity,
    ReviewItem,
    ReviewStatus,
    RowProblem,
)

__all__ = ["age_on", "reference_date", "school_age_births"]

REPORT_VIEW = Action.REPORT_VIEW
WORKLIST_PAGE = 50
ONE_PASS_IDS = 10_000  # a worklist up to this long is listed and counted in one query

AGE_BANDS: tuple[tuple[str, int, int], ...] = (
    ("Under 1", 0, 0),
    ("1 to 4", 1, 4),
    ("5 to 10", 5, 10),
    ("11 to 15", 11, 15),
    ("16 to 17", 16, 17),
)


def _la(actor) -> int:
    decision = policy.can_read_reports(actor, actor.local_authority_id)
    if not decision:
        raise PermissionDenied(decision.message)
    return actor.local_authority_id


def _audit(
    actor,
    *,
    report: str,
    export: bool,
    children: Iterable[str] = (),
    shown: dict[str, Any] | None = None,
    **detail: Any,
):
    audit_record(
        actor=actor,
        action=Action.EXPORT if export else REPORT_VIEW,
        children=children,
        shown=shown,
        detail={"report": report, **detail},
    )


def age_band(age: int) -> str | None:
    for label, low, high in AGE_BANDS:
        if low <= age <= high:
            return label
    return None


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
    """The worklist's rows. A shielded child is listed (the LA's index team must follow up a
    shielded child missing education as much as any other) with what a shield leaves visible
    to every user, name, date of birth and index number, and no postcode district: nothing on
    a list locates the child. Opening the record from the list is the access the shield's
    alert is for (``policy.record_access``)."""
    ids = [c.pk for c in children]
    located = [c.pk for c in children if not c.shielded]
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
    for start in range(0, len(located), 5000):
        districts.update(
            (child_id, postcode.split(" ")[0])
            for child_id, postcode in ChildAddress.objects.filter(
                child_id__in=located[start : start + 5000], lived_until__isnull=True
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
            "" if c.shielded else districts.get(c.pk, ""),
            c.shielded,
        )
        for c in children
    ]


@replica_reads
def data_quality_summary(
    *, actor, months: int = DEFAULT_STALE_MONTHS, export: bool = False
) -> dict[str, Any]:
    """The count on each worklist (stored, as of the LA's last count; the stale one is counted
    live for any other number of months), the review queue by age and row problems per
    source."""
    la = _la(actor)
    counts = stored.counts_for(la)
    numbers = counts.by(stored.WORKLIST, "category")
    if months != DEFAULT_STALE_MONTHS:
        today = timezone.localdate()
        numbers["stale"] = worklist_children(la, "stale", today=today, months=months).count()
    summary = {
        "worklists": [(w, Count(numbers.get(slug, 0))) for slug, w in WORKLISTS.items()],
        "review_ages": _review_ages(la),
        "row_problems": _row_problems(la),
        "months": months,
        "as_of": counts.taken_at,
    }
    _audit(actor, report="data_quality", export=export, months=months, as_of=counts.taken_at)
    return summary


@replica_reads
def worklist(
    *, actor, slug: str, page: int = 1, months: int = DEFAULT_STALE_MONTHS, export: bool = False
) -> WorklistPage:
    """One worklist, counted live: its count and a page of its children (every child, for a
    download), oldest first."""
    la = _la(actor)
    today = timezone.localdate()
    children = worklist_children(la, slug, today=today, months=months)
    ordered = children.order_by("date_of_birth", "pk")
    if export:  # every child, in batches of the list's ids
        ids = list(ordered.values_list("pk", flat=True))
        by_id: dict[int, Child] = {}
        for start in range(0, len(ids), 5000):
            by_id.update(Child.objects.in_bulk(ids[start : start + 5000]))
        chosen = [by_id[pk] for pk in ids]
        total = len(chosen)
        page, pages = 1, max(1, -(-total // WORKLIST_PAGE))
    else:
        # One pass for a short list (its ids give the count and the page: the filter, the
        # costly part, runs once); a long list is counted, then one page is read.
        ids = list(ordered.values_list("pk", flat=True)[: ONE_PASS_IDS + 1])
        total = len(ids) if len(ids) <= ONE_PASS_IDS else children.count()
        pages = max(1, -(-total // WORKLIST_PAGE))
        page = min(max(1, page), pages)
        window = slice((page - 1) * WORKLIST_PAGE, page * WORKLIST_PAGE)
        if len(ids) <= ONE_PASS_IDS or window.stop <= len(ids):
            by_id = Child.objects.in_bulk(ids[window])
            chosen = [by_id[pk] for pk in ids[window]]
        else:
            chosen = list(ordered[window])
    rows = _rows(chosen, today)
    _audit(
        actor,
        report=f"worklist:{slug}",
        export=export,
        children=[r.index_number for r in rows],
        page=page,
        months=months,
        rows=len(rows),
        shown={"shielded": sum(r.shielded for r in rows), "shielded_location": "withheld"},
    )
    return WorklistPage(WORKLISTS[slug], Count(total), rows, page, pages, months)


REVIEW_AGE_BANDS = (("Up to 7 days", 0, 7), ("8 to 30 days", 8, 30), ("31 to 90 days", 31, 90))


def _review_ages(la: int) -> list[tuple[str, Count]]:
    now = timezone.now()
    bands: Counter[str] = Counter()
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
    """A source's row problems in its last run (the file as it stands): rows rejected, row
    problems kept with a warning (a value dropped), and the commonest reasons by column."""

    feed: Feed
    last_run: ImportRun | None
    rejected: Count
    warnings: Count
    top_reasons: list[tuple[str, Count]]

    @property
    def rows(self) -> Count:  # every row problem, for the download's single count
        return Count(self.rejected.value + self.warnings.value)


def _reason(column: str, reason: str) -> str:
    """A reason without its details (the first words, before a colon), with its column."""
    short = reason.split(":")[0][:80]
    return f"{column}: {short}" if column else short


def _row_problems(la: int) -> list[RowProblems]:
    """Per source, the row problems report of its last run (``sources.RowProblem``: severity
    rejected or warning, row, column, reason); the run's page lists every row."""
    feeds = list(Feed.objects.filter(local_authority_id=la).order_by("name"))
    last: dict[int, ImportRun] = {}
    for run in ImportRun.objects.filter(feed__in=feeds).order_by("feed_id", "started_at", "id"):
        last[run.feed_id] = run
    counted: dict[int, Counter[str]] = defaultdict(Counter)
    reasons: dict[int, Counter[str]] = defaultdict(Counter)
    for run_id, severity, column, reason, n in (
        RowProblem.objects.filter(run_id__in=[r.pk for r in last.values()])
        .values("run_id", "severity", "column", "reason")
        .annotate(n=DbCount("id"))
        .values_list("run_id", "severity", "column", "reason", "n")
        .order_by()
    ):
        counted[run_id][severity] += n
        reasons[run_id][_reason(column, reason)] += n
    out = []
    for feed in feeds:
        latest = last.get(feed.pk)
        pk = latest.pk if latest else 0
        out.append(
            RowProblems(
                feed,
                latest,
                Count(counted[pk][ProblemSeverity.REJECTED]),
                Count(counted[pk][ProblemSeverity.WARNING]),
                [(r, Count(n)) for r, n in reasons[pk].most_common(3)],
            )
        )
    return out


# --- Coverage -------------------------------------------------------------------------------


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
    as_of: dt.datetime


@replica_reads
def coverage(*, actor, year: int | None = None, export: bool = False) -> Coverage:
    """Children in the index against the LA's child population estimate, by single year of
    age at the estimate's mid-year (30 June), by age band, by postcode district, over time
    (from the LA's stored counts)."""
    la = _la(actor)
    estimates = PopulationEstimate.objects.filter(local_authority_id=la)
    years = sorted(set(estimates.values_list("year", flat=True).order_by()), reverse=True)
    if year not in years:
        year = years[0] if years else None
    counts = stored.counts_for(la)
    if any(reference_date(y) not in counts.by(stored.COVERAGE_CREATED, "month") for y in years):
        counts = stored.counts_refresh(la)  # estimates loaded since the last count
    if year:
        ages = counts.by(stored.COVERAGE_AGE, "age", month=reference_date(year))
    else:
        ages = counts.by(stored.AGE_TODAY, "age")
    estimate = dict(estimates.filter(year=year).values_list("age", "population")) if year else {}

    def row(label: str, low: int, high: int) -> CoverageRow:
        n = sum(ages.get(a, 0) for a in range(low, high + 1))
        est = [estimate[a] for a in range(low, high + 1) if a in estimate]
        return CoverageRow(label, Count(n), Count(sum(est)) if est else None)

    by_age = [row(str(a), a, a) for a in range(MAX_CHILD_AGE + 1)]
    by_band = [row(label, low, high) for label, low, high in AGE_BANDS]
    total = row("All children (0 to 17)", 0, MAX_CHILD_AGE)

    districts = counts.by(stored.DISTRICT_CHILDREN, "district")
    with_gp = counts.by(stored.DISTRICT_GP, "district")
    with_school = counts.by(stored.DISTRICT_SCHOOL, "district")
    by_district = []
    for district in sorted(districts):
        n = Count(districts[district])
        gp = Count(with_gp.get(district, 0))
        school = Count(with_school.get(district, 0))
        by_district.append((district, n, gp, school, share(gp, n)))

    created = counts.by(stored.COVERAGE_CREATED, "month")
    population: Counter[int] = Counter()
    for y, people in estimates.values_list("year", "population").order_by():
        population[y] += people
    over_time = [
        CoverageRow(f"mid-{y}", Count(created.get(reference_date(y), 0)), Count(population[y]))
        for y in sorted(years)
    ]
    _audit(actor, report="coverage", export=export, year=year, as_of=counts.taken_at)
    return Coverage(
        year, by_age, by_band, total, by_district, over_time, years, as_of=counts.taken_at
    )


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
    as_of: dt.datetime


@replica_reads
def planning(*, actor, months: int = PLANNING_MONTHS, export: bool = False) -> Planning:
    """Children and their current involvements by age band, postcode district and service
    category, and involvements started and ended each month (the last ``months``, at most
    the 24 stored), from the LA's stored counts (ages on the day they were counted)."""
    la = _la(actor)
    counts = stored.counts_for(la)
    categories = list(ServiceCategory.choices)
    band_children: Counter = Counter()
    for age, n in counts.by(stored.AGE_TODAY_ACTIVE, "age").items():
        band = age_band(age)
        if band:
            band_children[band] += n
    band_cat: Counter = Counter()
    for _, age, _, category, _, n in counts.of(stored.AGE_CATEGORY):
        band = age_band(age) if age is not None else None
        if band:
            band_cat[band, category] += n
    by_band = [
        (label, Count(band_children[label]), [Count(band_cat[label, c]) for c, _ in categories])
        for label, _, _ in AGE_BANDS
    ]
    children = counts.by(stored.CATEGORY_CHILDREN, "category")
    involvements = counts.by(stored.CATEGORY_INVOLVEMENTS, "category")
    by_category = [
        (label, Count(children.get(value, 0)), Count(involvements.get(value, 0)))
        for value, label in categories
    ]
    district_cat: Counter = Counter()
    for _, _, district, category, _, n in counts.of(stored.DISTRICT_CATEGORY):
        district_cat[district, category] += n
    by_district = [
        (d, Count(n), [Count(district_cat[d, c]) for c, _ in categories])
        for d, n in sorted(counts.by(stored.DISTRICT_CHILDREN, "district").items())
    ]

    all_starts = month_starts(counts.as_of, PLANNING_MONTHS)
    starts = all_starts[-min(max(1, months), PLANNING_MONTHS) :]
    started = counts.by(stored.STARTED, "month")
    ended = counts.by(stored.ENDED, "month")
    running = counts.total(stored.OPEN_BEFORE)
    current_by_month = []
    for m in all_starts:
        running += started.get(m, 0)
        if m in starts:
            current_by_month.append(Count(running))
        running -= ended.get(m, 0)
    _audit(actor, report="planning", export=export, months=months, as_of=counts.taken_at)
    return Planning(
        categories=categories,
        by_band=by_band,
        by_category=by_category,
        by_district=by_district,
        months=[m.strftime("%b %Y") for m in starts],
        started=[Count(started.get(m, 0)) for m in starts],
        ended=[Count(ended.get(m, 0)) for m in starts],
        current=current_by_month,
        as_of=counts.taken_at,
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
    warned: Count

    @property
    def match_percent(self) -> str:
        return "–" if self.match_rate is None else f"{100 * self.match_rate:.1f}%"


@replica_reads
def feed_history(*, actor, limit: int = 100, export: bool = False) -> dict[str, list[RunHealth]]:
    """Per source, each import run (oldest first, the last ``limit``): rows read, match rate,
    rows sent to review and how many of those still wait, rows rejected and rows kept with a
    warning (the run's row problems)."""
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
                Count(run.warned),
            )
        )
    _audit(actor, report="feed_history", export=export)
    return dict(sorted(out.items()))


@replica_reads
def estimates_loaded(*, actor) -> list[dict[str, Any]]:
    """Which LAs and mid-years have population estimates (the national operator's page)."""
    decision = policy.can_load_population_estimates(actor)
    if not decision:
        raise PermissionDenied(decision.message)
    return [
        dict(row)
        for row in PopulationEstimate.objects.values("local_authority__name", "year")
        .order_by("local_authority__name", "-year")
        .distinct()
    ]
