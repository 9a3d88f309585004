"""The national operator's view of the index: the LAs and nations with their index-team
contacts, national counts by nation and LA, feed health across LAs, and accounts by LA and
role. Counts and contacts only: nothing here names, dates or locates a child, and the pages
built on it open no record. Each read is audited (with no child in it)."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Count

from childindex.access import policy
from childindex.access.models import Role, User
from childindex.audit.models import Action
from childindex.audit.services import audit_record
from childindex.core.models import Nation
from childindex.directory.models import LocalAuthority
from childindex.records.models import Child, ChildStatus
from childindex.sources.selectors import FeedHealth, feed_health_of

STATUSES = (ChildStatus.ACTIVE, ChildStatus.DECEASED, ChildStatus.ARCHIVED)


@dataclass(frozen=True, slots=True)
class LaRow:
    la: LocalAuthority
    counts: dict[str, int]  # by child status (active, deceased, archived)
    districts: int

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True, slots=True)
class NationRow:
    nation: str
    label: str
    las: int
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True, slots=True)
class NationalOverview:
    nations: tuple[NationRow, ...]
    las: tuple[LaRow, ...]
    totals: dict[str, int]


@dataclass(frozen=True, slots=True)
class UserCounts:
    roles: tuple[tuple[str, str], ...]  # (value, label)
    rows: tuple[tuple[LocalAuthority | None, dict[str, int]], ...]  # None: national accounts
    totals: dict[str, int]


def _check(actor: User, page: str) -> None:
    decision = policy.can_read_national(actor)
    if not decision:
        raise PermissionDenied(decision.message)
    audit_record(actor=actor, action=Action.NATIONAL_READ, detail={"page": page})


def national_overview(*, actor: User) -> NationalOverview:
    _check(actor, "overview")
    by_la: dict[int, Counter[str]] = defaultdict(Counter)
    for la_id, status, n in (
        Child.objects.filter(status__in=STATUSES)
        .values("responsible_la", "status")
        .annotate(n=Count("id"))
        .values_list("responsible_la", "status", "n")
    ):
        by_la[la_id][status] = n
    las = LocalAuthority.objects.annotate(district_count=Count("postcode_districts")).order_by(
        "nation", "name"
    )
    rows = tuple(
        LaRow(
            la=la,
            counts={s.value: by_la[la.pk][s.value] for s in STATUSES},
            districts=la.district_count,
        )
        for la in las
    )
    nations = []
    for nation in Nation:
        mine = [r for r in rows if r.la.nation == nation.value]
        nations.append(
            NationRow(
                nation=nation.value,
                label=nation.label,
                las=len(mine),
                counts={s.value: sum(r.counts[s.value] for r in mine) for s in STATUSES},
            )
        )
    totals = {s.value: sum(n.counts[s.value] for n in nations) for s in STATUSES}
    return NationalOverview(nations=tuple(nations), las=rows, totals=totals)


def national_feed_health(*, actor: User) -> list[FeedHealth]:
    _check(actor, "feeds")
    return feed_health_of(local_authority_ids=None)


def national_user_counts(*, actor: User) -> UserCounts:
    _check(actor, "users")
    counts: dict[int | None, Counter[str]] = defaultdict(Counter)
    for la_id, role, n in (
        User.objects.filter(is_active=True)
        .values("local_authority", "role")
        .annotate(n=Count("id"))
        .values_list("local_authority", "role", "n")
    ):
        counts[la_id][role] = n
    las = {la.pk: la for la in LocalAuthority.objects.order_by("name")}
    roles = tuple((r.value, r.label) for r in Role)
    rows: list[tuple[LocalAuthority | None, dict[str, int]]] = [
        (la, {r: counts[pk][r] for r, _l in roles}) for pk, la in las.items()
    ]
    if counts.get(None):
        rows.append((None, {r: counts[None][r] for r, _l in roles}))
    totals = {r: sum(row[r] for _la, row in rows) for r, _l in roles}
    return UserCounts(roles=roles, rows=tuple(rows), totals=totals)
