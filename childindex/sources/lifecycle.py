"""The life of a record (DESIGN §6): archive at 18 (at 25 with the young person's consent),
a deceased child's record live a year from the date of death then archived, and six years
after archiving (per LA) the personal data deleted, with the audit trail kept.

``lifecycle_run(as_of=...)`` is run daily from the monitor clock (and by
``childindex lifecycle run``). It is idempotent: each step moves a record to a state the same
step never picks again, and the dates it writes are the dates the rules fall due (an 18th
birthday, a date of death plus a year), not the day of the run, so a late or repeated run
writes the same thing. Every change is audited.

A record is never purged while it is shielded (a shield is under review until an index team
removes it) or while an alert of a child-protection enquiry about the child is not yet
reviewed. Purging deletes the child's names, addresses, identifiers, carers (those who care
for no other child), involvements, consents, transfers, search keys, source records and
their links, review items and merges; the audit trail, which names children only by index
number, is kept, and each purge is an audit event saying what went.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import cast

from django.db import transaction
from django.db.models import Exists, OuterRef, Q

from childindex.audit.models import Action
from childindex.audit.services import audit_record
from childindex.consent.models import Consent, GivenBy, Scope
from childindex.directory.models import LocalAuthority
from childindex.monitoring.models import Alert, AlertKind, AlertReview
from childindex.records.models import (
    Carer,
    Child,
    ChildAddress,
    ChildCarer,
    ChildIdentifier,
    ChildName,
    ChildStatus,
    Involvement,
    ResponsibilityTransfer,
)
from childindex.records.search_models import ChildSearchKey
from childindex.sources.models import Merge, NotSameChild, ReviewItem, SourceLink, SourceRecord

RUNNER_LABEL = "childindex lifecycle"
BATCH = 1000
ARCHIVE_AGE, ARCHIVE_AGE_WITH_CONSENT = 18, 25


def years_after(day: dt.date, years: int) -> dt.date:
    """The same day ``years`` later; 29 February becomes 1 March in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return dt.date(day.year + years, 3, 1)


def years_before(day: dt.date, years: int) -> dt.date:
    """The latest date of birth (or event) that is ``years`` old on ``day``."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February: someone born on 29 Feb is n on 1 March in common years
        return dt.date(day.year - years, 2, 28)


@dataclass(frozen=True, slots=True)
class LifecycleResult:
    as_of: dt.date
    counts: dict[str, int]  # archived_at_18, archived_at_25, archived_after_death, purged, ...


def _standing_retention_consent(as_of: dt.date):
    return Consent.objects.filter(
        child=OuterRef("pk"),
        scope=Scope.RETENTION_TO_25,
        given_by=GivenBy.YOUNG_PERSON,
        given_on__lte=as_of,
    ).filter(Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gt=as_of))


def _archive(
    children: Iterable[tuple[int, str]], *, archived_on: dict[int, dt.date], reason: str
) -> int:
    """Archive these children (pk, index number) with their own archive dates; one audit
    event per batch, naming every child."""
    done = 0
    batch: list[tuple[int, str]] = []

    def flush() -> None:
        nonlocal done
        if not batch:
            return
        with transaction.atomic():
            rows = list(
                Child.objects.select_for_update().filter(
                    pk__in=[pk for pk, _ in batch],
                    status__in=[ChildStatus.ACTIVE, ChildStatus.DECEASED],
                )
            )
            for child in rows:
                child.archived_on = archived_on[child.pk]
                child.status = ChildStatus.ARCHIVED
            Child.objects.bulk_update(rows, ["status", "archived_on"], batch_size=BATCH)
            if rows:
                audit_record(
                    actor=None,
                    actor_label=RUNNER_LABEL,
                    action=Action.CHILD_ARCHIVE,
                    children=[c.index_number for c in rows],
                    detail={"reason": reason, "children": len(rows)},
                )
            done += len(rows)
        batch.clear()

    for item in children:
        batch.append(item)
        if len(batch) >= BATCH:
            flush()
    flush()
    return done


def _archive_due(as_of: dt.date, counts: Counter[str]) -> None:
    active = Child.objects.filter(status=ChildStatus.ACTIVE)
    # At 25, whatever was consented.
    at_25 = list(
        active.filter(date_of_birth__lte=years_before(as_of, ARCHIVE_AGE_WITH_CONSENT)).values_list(
            "pk", "index_number", "date_of_birth"
        )
    )
    counts["archived_at_25"] += _archive(
        ((pk, n) for pk, n, _dob in at_25),
        archived_on={pk: years_after(dob, ARCHIVE_AGE_WITH_CONSENT) for pk, _n, dob in at_25},
        reason="25 years old (kept to 25 with the young person's consent)",
    )
    # At 18, unless the young person's consent to keeping it to 25 stands today.
    adults = active.filter(date_of_birth__lte=years_before(as_of, ARCHIVE_AGE))
    at_18 = list(
        adults.exclude(Exists(_standing_retention_consent(as_of))).values_list(
            "pk", "index_number", "date_of_birth"
        )
    )
    # Filtered on withdrawn_on: never None.
    withdrawn = cast(
        "dict[int, dt.date]",
        dict(
            Consent.objects.filter(
                child_id__in=[pk for pk, _n, _d in at_18],
                scope=Scope.RETENTION_TO_25,
                withdrawn_on__lte=as_of,
            ).values_list("child_id", "withdrawn_on")
        ),
    )
    counts["archived_at_18"] += _archive(
        ((pk, n) for pk, n, _dob in at_18),
        archived_on={
            pk: max(years_after(dob, ARCHIVE_AGE), withdrawn.get(pk, dt.date.min))
            for pk, _n, dob in at_18
        },
        reason="18 years old",
    )
    # A year after a death.
    deceased = list(
        Child.objects.filter(
            status=ChildStatus.DECEASED, date_of_death__lte=years_before(as_of, 1)
        ).values_list("pk", "index_number", "date_of_death")
    )
    counts["archived_after_death"] += _archive(
        ((pk, n) for pk, n, _d in deceased),
        archived_on={pk: years_after(cast(dt.date, dod), 1) for pk, _n, dod in deceased},
        reason="a year after the recorded date of death",
    )


def _open_enquiry_children() -> set[str]:
    """Index numbers named by a child-protection enquiry alert no auditor has reviewed."""
    open_alerts = Alert.objects.filter(kind=AlertKind.BREAK_GLASS).exclude(
        Exists(AlertReview.objects.filter(alert=OuterRef("pk")))
    )
    held: set[str] = set()
    for children in open_alerts.values_list("children", flat=True):
        held.update(str(c) for c in children or [])
    return held


def _purge_one(child: Child) -> dict[str, int]:
    """Delete one archived child's personal data (and its merged-away records'); return what
    went, by kind."""
    ids = [child.pk]
    frontier = [child.pk]
    while frontier:
        frontier = list(
            Child.objects.filter(merged_into_id__in=frontier).values_list("pk", flat=True)
        )
        ids += frontier
    records = SourceRecord.objects.filter(child_id__in=ids)
    record_ids = list(records.values_list("pk", flat=True))
    items = ReviewItem.objects.filter(Q(child_id__in=ids) | Q(source_record_id__in=record_ids))
    item_ids = list(items.values_list("pk", flat=True))
    carer_ids = list(ChildCarer.objects.filter(child_id__in=ids).values_list("carer_id", flat=True))
    went: dict[str, int] = {}

    def gone(kind: str, queryset) -> None:
        count, _by_model = queryset.delete()
        if count:
            went[kind] = went.get(kind, 0) + count

    gone(
        "source_links",
        SourceLink.objects.filter(Q(child_id__in=ids) | Q(source_record_id__in=record_ids)),
    )
    gone(
        "not_same_child_decisions",
        NotSameChild.objects.filter(
            Q(child_id__in=ids)
            | Q(source_record_id__in=record_ids)
            | Q(review_item_id__in=item_ids)
        ),
    )
    gone("review_items", ReviewItem.objects.filter(pk__in=item_ids))
    gone("merges", Merge.objects.filter(Q(kept_id__in=ids) | Q(merged_id__in=ids)))
    gone("source_records", SourceRecord.objects.filter(pk__in=record_ids))
    gone("consents", Consent.objects.filter(child_id__in=ids))
    gone("involvements", Involvement.objects.filter(child_id__in=ids))
    gone("names", ChildName.objects.filter(child_id__in=ids))
    gone("addresses", ChildAddress.objects.filter(child_id__in=ids))
    gone("identifiers", ChildIdentifier.objects.filter(child_id__in=ids))
    gone("transfers", ResponsibilityTransfer.objects.filter(child_id__in=ids))
    gone("search_keys", ChildSearchKey.objects.filter(child_id__in=ids))
    gone("carer_links", ChildCarer.objects.filter(child_id__in=ids))
    gone(
        "carers",
        Carer.objects.filter(pk__in=carer_ids).exclude(
            Q(Exists(ChildCarer.objects.filter(carer=OuterRef("pk"))))
            | Q(Exists(Consent.objects.filter(carer=OuterRef("pk"))))
        ),
    )
    merged = [pk for pk in ids if pk != child.pk]
    while merged:  # a merged record points at the one it went into: the outermost first
        leaves = list(
            Child.objects.filter(pk__in=merged)
            .exclude(Exists(Child.objects.filter(merged_into=OuterRef("pk"))))
            .values_list("pk", flat=True)
        )
        gone("merged_records", Child.objects.filter(pk__in=leaves))
        merged = [pk for pk in merged if pk not in leaves]
    Child.objects.filter(pk=child.pk).delete()
    return went


def _purge_due(as_of: dt.date, counts: Counter[str]) -> None:
    held = _open_enquiry_children()
    for la in LocalAuthority.objects.all():
        cutoff = years_before(as_of, la.purge_years_after_archive)
        due = Child.objects.filter(
            responsible_la=la, status=ChildStatus.ARCHIVED, archived_on__lte=cutoff
        ).order_by("pk")
        counts["purge_deferred_shielded"] += due.filter(shielded=True).count()
        for child in due.filter(shielded=False).iterator(chunk_size=BATCH):
            if child.index_number in held:
                counts["purge_deferred_open_enquiry"] += 1
                continue
            with transaction.atomic():
                locked = (
                    Child.objects.select_for_update()
                    .filter(pk=child.pk, status=ChildStatus.ARCHIVED, shielded=False)
                    .first()
                )
                if locked is None:
                    continue
                went = _purge_one(locked)
                audit_record(
                    actor=None,
                    actor_label=RUNNER_LABEL,
                    action=Action.CHILD_PURGE,
                    children=[locked.index_number],
                    detail={
                        "archived_on": cast(dt.date, locked.archived_on).isoformat(),
                        "after_years": la.purge_years_after_archive,
                        "local_authority": la.code,
                        "deleted": went,
                    },
                )
            counts["purged"] += 1


def lifecycle_run(*, as_of: dt.date) -> LifecycleResult:
    """Archive and purge what falls due on ``as_of``. One summary audit event a run."""
    counts: Counter[str] = Counter()
    _archive_due(as_of, counts)
    _purge_due(as_of, counts)
    audit_record(
        actor=None,
        actor_label=RUNNER_LABEL,
        action=Action.LIFECYCLE_RUN,
        detail={"as_of": as_of.isoformat(), "counts": dict(sorted(counts.items()))},
    )
    return LifecycleResult(as_of=as_of, counts=dict(sorted(counts.items())))
