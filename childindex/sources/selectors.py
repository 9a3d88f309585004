"""Reads for the LA index team's feed pages: the review queue, one review item with its
evidence and candidates, feed health, an import's progress, merges.

Only the user's own LA's feeds and queue (``policy.can_maintain_la``). A candidate child's
details are shown as the access policy allows: a shielded child of another LA shows only what
a shield leaves visible. Opening a review item shows children, so it is an audit event.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Min, Q
from django.utils import timezone

from childindex.access import policy
from childindex.audit.models import Action
from childindex.audit.services import audit_record
from childindex.core.routers import replica_reads
from childindex.records.models import Child, ChildStatus, NameKind
from childindex.records.selectors import child_lookup_refused
from childindex.sources.models import (
    REASONS_FOR,
    Feed,
    ImportRun,
    Merge,
    RecordStatus,
    RejectedRow,
    ReviewItem,
    ReviewStatus,
    RowProblem,
    SourceRecord,
)

COMPARISON_LABELS = {
    "given_name": "Given name",
    "family_name": "Family name",
    "dob": "Date of birth",
    "gender": "Gender",
    "postcode": "Postcode",
    "address": "Address line",
    "town": "Town",
    "nhs": "NHS number",
    "chi": "CHI number",
    "hc": "Health and Care number",
    "upn": "Unique Pupil Number",
    "local_ids": "Source's own identifier",
}
CAUSE_LABELS = {
    "between_thresholds": "Scored between the thresholds",
    "fits_two_children": "Fits two children",
    "may_be_shielded_child": "May be a shielded child",
    "no_candidate_source_may_not_create": "No match, and this source may not add children",
    "may_be_new_child": "May be the same as another new row",
    "incomplete_row": "No match, and the row is too incomplete to add a child",
    "given_name_differs": "A different given name, and nothing shows a second child",
    "conflicts_with_new_child": "Matches a new row that is clearly another child",
    "given_name_missing": "No given name, and the match may be a twin",
    "may_be_waiting_row": "Incomplete, and may be the same child as another waiting row",
    "child_made_by_another_feed": "A child another feed added since matches it",
}
QUEUE_PAGE = 100
# Comparisons of fields a shield hides: for a candidate whose details the user may not see,
# which of them agreed with the row would say where the child lives or who they are.
LOCATING_COMPARISONS = frozenset(
    {"postcode", "address", "town", "nhs", "chi", "hc", "upn", "local_ids"}
)


def _own_la(actor) -> int:
    decision = policy.can_maintain_la(actor, actor.local_authority_id)
    if not decision:
        raise PermissionDenied(decision.message)
    return actor.local_authority_id


@dataclass(frozen=True)
class QueueRow:
    item: ReviewItem
    age_days: int
    cause: str
    best_weight: float | None


@dataclass(frozen=True)
class Queue:
    rows: list[QueueRow]
    total: int
    oldest_days: int | None


def _details_visible(actor, child_ids: Iterable[int]) -> set[int]:
    """Of these candidates, those whose details (former names, locating fields) the user may
    see: everyone but another LA's shielded children."""
    return set(
        Child.objects.filter(
            policy.sees_shielded_details(actor), pk__in=set(child_ids)
        ).values_list("pk", flat=True)
    )


def _hidden(evidence: dict[str, Any], details_visible: bool) -> bool:
    """A shield hides which locating fields agreed with the row."""
    return not details_visible and evidence["comparison"] in LOCATING_COMPARISONS


def _shown_evidence(candidate: dict[str, Any], details_visible: bool) -> list[dict[str, Any]]:
    return [e for e in candidate.get("evidence", []) if not _hidden(e, details_visible)]


def _shown_score(candidate: dict[str, Any], details_visible: bool) -> tuple[float, float]:
    """The candidate's match weight and probability as the user may see them. Where a shield
    hides the locating evidence, the score counts only the evidence shown: the total less the
    hidden fields' weights (the model's prior plus the visible fields'). The full total would
    tell how well the hidden fields agreed."""
    if details_visible:
        return candidate["weight"], candidate.get("probability", 0.0)
    weight = candidate["weight"] - sum(
        e["weight"] for e in candidate.get("evidence", []) if _hidden(e, details_visible)
    )
    return weight, 1 / (1 + 2.0**-weight)


def review_queue(*, actor, limit: int = QUEUE_PAGE) -> Queue:
    """The LA's open review items, oldest first."""
    la = _own_la(actor)
    items = ReviewItem.objects.filter(local_authority_id=la, status=ReviewStatus.OPEN)
    total = items.count()
    now = timezone.now()
    page = list(items.select_related("source_record__feed").order_by("created_at", "id")[:limit])
    visible = _details_visible(
        actor, (c["child_id"] for item in page for c in item.candidates if c.get("child_id"))
    )
    rows = []
    for item in page:
        weights = [
            _shown_score(c, c.get("child_id") in visible)[0]
            for c in item.candidates
            if not c.get("twin_rule")
        ]
        rows.append(
            QueueRow(
                item,
                (now - item.created_at).days,
                CAUSE_LABELS.get(item.cause, item.cause),
                max(weights) if weights else None,
            )
        )
    return Queue(rows, total, rows[0].age_days if rows else None)


@dataclass
class CandidateView:
    child: Child
    index_number: str
    names: list[str]
    date_of_birth: dt.date
    gender: str
    details_visible: bool
    postcode: str = ""
    identifiers: list[str] = field(default_factory=list)
    weight: float = 0.0
    probability: float = 0.0
    evidence: list[dict[str, Any]] = field(default_factory=list)
    twin_rule: bool = False
    merged: bool = False


@dataclass(frozen=True)
class WaitingRowView:
    """A candidate that is another row of the LA's feeds, waiting for a person too (two
    incomplete rows of one child, neither of which may make a child alone)."""

    record: SourceRecord
    values: list[tuple[str, str]]
    weight: float
    probability: float
    evidence: list[dict[str, Any]]


@dataclass
class ItemView:
    item: ReviewItem
    record: SourceRecord
    values: list[tuple[str, str]]
    candidates: list[CandidateView]
    cause: str
    decisions: dict[str, list[tuple[str, str]]]
    waiting_rows: list[WaitingRowView] = field(default_factory=list)


def review_item(*, actor, pk: int) -> ItemView:
    """One review item: the row as received, each candidate with its evidence. Audited."""
    la = _own_la(actor)
    item = ReviewItem.objects.select_related("source_record__feed", "run").get(
        pk=pk, local_authority_id=la
    )
    # A candidate that is another row: that row's child once it has one, else the row.
    rows = {
        r.pk: r
        for r in SourceRecord.objects.filter(
            pk__in=[c["source_record_id"] for c in item.candidates if c.get("source_record_id")],
            feed__local_authority_id=la,
        ).select_related("feed")
    }
    waiting: list[WaitingRowView] = []
    offered: list[dict[str, Any]] = []  # candidates that are children
    for data in item.candidates:
        row = rows.get(data.get("source_record_id"))
        if row is not None and row.child_id is not None:
            offered.append({**data, "child_id": row.child_id})
        elif row is not None and row.status == RecordStatus.REVIEW:
            waiting.append(
                WaitingRowView(
                    record=row,
                    values=sorted(row.values.items()),
                    weight=data["weight"],
                    probability=data.get("probability", 0.0),
                    evidence=[
                        {**e, "label": COMPARISON_LABELS.get(e["comparison"], e["comparison"])}
                        for e in data.get("evidence", [])
                    ],
                )
            )
        elif row is None:
            offered.append(data)
    ids = [c["child_id"] for c in offered if c.get("child_id")]
    visible = _details_visible(actor, ids)
    children = {
        c.pk: c
        for c in Child.objects.filter(pk__in=ids).prefetch_related(
            "names", "addresses", "identifiers"
        )
    }
    candidates = []
    for data in offered:
        child = children.get(data.get("child_id") or 0)
        if child is None:
            continue
        details_visible = child.pk in visible
        weight, probability = _shown_score(data, details_visible)
        # A shield leaves only the current name visible (a former name may be an adopted
        # child's birth name), and hides which locating fields agreed with the row.
        names = [
            f"{n.given_names} {n.family_name}"
            + ("" if n.kind == NameKind.CURRENT else f" ({n.get_kind_display()})")
            for n in child.names.all()
            if details_visible or n.kind == NameKind.CURRENT
        ]
        view = CandidateView(
            child=child,
            index_number=child.formatted_index_number,
            names=names,
            date_of_birth=child.date_of_birth,
            gender=child.get_gender_display(),
            details_visible=details_visible,
            weight=weight,
            probability=probability,
            twin_rule=bool(data.get("twin_rule")),
            merged=child.status == ChildStatus.MERGED,
            evidence=[
                {**e, "label": COMPARISON_LABELS.get(e["comparison"], e["comparison"])}
                for e in _shown_evidence(data, details_visible)
            ],
        )
        if view.details_visible:
            current = next((a for a in child.addresses.all() if a.is_current), None)
            view.postcode = current.postcode if current else ""
            view.identifiers = [str(i) for i in child.identifiers.all()]
        candidates.append(view)
    candidates.sort(key=lambda c: -c.weight)  # by the score shown, which is all a user sees
    audit_record(
        actor=actor,
        action=Action.REVIEW_ITEM_VIEW,
        children=[c.child.index_number for c in candidates],
        purpose=policy.Purpose.DATA_QUALITY,
        detail={
            "review_item": item.pk,
            "shielded": item.shielded,
            **({"waiting_rows": [w.record.pk for w in waiting]} if waiting else {}),
        },
    )
    record = item.source_record
    return ItemView(
        item=item,
        record=record,
        values=sorted(record.values.items()),
        candidates=candidates,
        cause=CAUSE_LABELS.get(item.cause, item.cause),
        decisions={
            d.value: [(r.value, r.label) for r in reasons] for d, reasons in REASONS_FOR.items()
        },
        waiting_rows=sorted(waiting, key=lambda w: -w.weight),
    )


@dataclass(frozen=True)
class FeedHealth:
    feed: Feed
    last_run: ImportRun | None
    match_rate: float | None
    backlog: int
    oldest_days: int | None
    rejected_last_run: int
    warned_last_run: int  # rows kept with a warning
    records: int


@replica_reads
def feed_health(*, actor) -> list[FeedHealth]:
    """Per source: last run, rows, match rate, review backlog and its age, and the last
    run's row problems (rows rejected, rows kept with a warning)."""
    return feed_health_of(local_authority_ids=[_own_la(actor)])


def feed_health_of(*, local_authority_ids: list[int] | None) -> list[FeedHealth]:
    """Feed health of these LAs' feeds (every LA's for None), by LA then feed name. Counts
    only: the caller has decided the reader may see them."""
    now = timezone.now()
    items = ReviewItem.objects.filter(status=ReviewStatus.OPEN)
    records_q = SourceRecord.objects.all()
    feeds = Feed.objects.select_related("local_authority").order_by("local_authority__name", "name")
    if local_authority_ids is not None:
        items = items.filter(local_authority_id__in=local_authority_ids)
        records_q = records_q.filter(feed__local_authority_id__in=local_authority_ids)
        feeds = feeds.filter(local_authority_id__in=local_authority_ids)
    backlog = {
        row["source_record__feed"]: row
        for row in items.values("source_record__feed").annotate(
            count=Count("id"), oldest=Min("created_at")
        )
    }
    records = dict(records_q.values("feed").annotate(n=Count("id")).values_list("feed", "n"))
    out = []
    for feed in feeds:
        last = ImportRun.objects.filter(feed=feed).order_by("-started_at", "-id").first()
        rate = None
        if last is not None and last.read:
            matched = last.linked + last.created + last.unchanged
            rate = matched / last.read
        queue = backlog.get(feed.pk)
        out.append(
            FeedHealth(
                feed=feed,
                last_run=last,
                match_rate=rate,
                backlog=queue["count"] if queue else 0,
                oldest_days=(now - queue["oldest"]).days if queue else None,
                rejected_last_run=last.rejected if last else 0,
                warned_last_run=last.warned if last else 0,
                records=records.get(feed.pk, 0),
            )
        )
    return out


@dataclass(frozen=True)
class RunView:
    run: ImportRun
    rejected: list[RowProblem]  # its first row problems, rejected and warnings
    rejected_total: int


def import_run(*, actor, pk: int, rejected_limit: int = 200) -> RunView:
    """An import's progress and counts, and its first row problems."""
    la = _own_la(actor)
    run = ImportRun.objects.select_related("feed").get(pk=pk, feed__local_authority_id=la)
    rows = RowProblem.objects.filter(run=run).order_by("row_number", "column")
    return RunView(run, list(rows[:rejected_limit]), rows.count())


class NoSuchRun(LookupError):
    """The source or the import run asked for does not exist (the message says which)."""


@dataclass(frozen=True)
class RowProblemsReport:
    run: ImportRun
    problems: Iterator[RowProblem]  # in row and column order


ROW_PROBLEMS_EXPORT = "row problems (CSV)"
REJECTED_ROWS_EXPORT = "rejected rows (CSV)"


def row_problems_export(
    *, actor_label: str, source: str, run_id: int | None = None, rejected_only: bool = False
) -> RowProblemsReport:
    """A source's row problems (its last run's, or run ``run_id``'s) for the operator's
    report. They quote the source's rows (keys, values that failed a check), so handing them
    out is an export, audited with the operator's command as actor before a row is read."""
    feed = Feed.objects.filter(name=source).first()
    if feed is None:
        raise NoSuchRun(f"no source named {source[:60]}")
    runs = ImportRun.objects.filter(feed=feed)
    run = runs.filter(pk=run_id).first() if run_id else runs.first()
    if run is None:
        raise NoSuchRun(f"no such import run of {feed.name}")
    problems = (RejectedRow if rejected_only else RowProblem).objects.filter(run=run)
    audit_record(
        actor=None,
        actor_label=actor_label,
        action=Action.EXPORT,
        purpose=policy.Purpose.DATA_QUALITY,
        detail={
            "export": REJECTED_ROWS_EXPORT if rejected_only else ROW_PROBLEMS_EXPORT,
            "source": feed.name,
            "run": run.pk,
            "rows": problems.count(),
        },
    )
    ordered = problems.order_by("row_number", "column").iterator(chunk_size=2000)
    return RowProblemsReport(run, ordered)


def recent_runs(*, actor, limit: int = 20) -> list[ImportRun]:
    la = _own_la(actor)
    return list(
        ImportRun.objects.filter(feed__local_authority_id=la)
        .select_related("feed")
        .order_by("-started_at", "-id")[:limit]
    )


def merges(*, actor, limit: int = 50) -> list[Merge]:
    """The LA's latest merges. Each names its two records, so the list is audited as the
    ``merges`` report, naming both children of every merge shown."""
    la = _own_la(actor)
    shown = list(
        Merge.objects.filter(Q(kept__responsible_la_id=la))
        .select_related("kept", "merged", "merged_by", "unmerged_by")
        .order_by("-merged_at")[:limit]
    )
    audit_record(
        actor=actor,
        action=Action.REPORT_VIEW,
        children=dict.fromkeys(c.index_number for m in shown for c in (m.kept, m.merged)),
        detail={"report": "merges", "merges": len(shown)},
    )
    return shown


def la_child(*, actor, index_number: str) -> Child:
    """A child of the user's LA, by index number (for a merge); ``Child.DoesNotExist``
    (audited as a refused merge) for any other."""
    la = _own_la(actor)
    try:
        return Child.objects.get(index_number=index_number, responsible_la_id=la)
    except Child.DoesNotExist:
        child_lookup_refused(
            actor=actor,
            index_number=index_number,
            action=Action.CHILD_MERGE,
            reason="Both index numbers must be records of your LA.",
        )
        raise
