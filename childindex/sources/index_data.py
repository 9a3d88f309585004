"""The index's children as linkage records (what a feed row is compared with).

Read in a few flat queries (children, names, addresses, identifiers), not per child, so the
whole index of a county (250,000 children) is read in seconds. Merged records are left out:
their successor holds what they held.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator

from childindex.linkage.normalise import LinkRecord
from childindex.records.models import (
    Child,
    ChildAddress,
    ChildIdentifier,
    ChildName,
    ChildStatus,
    NameKind,
)
from childindex.sources.mapping import ParsedRow

BATCH = 20_000


def _batched_ids(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), BATCH):
        yield ids[start:start + BATCH]


def index_records(*, child_ids: Iterable[int] | None = None) -> Iterator[dict]:
    """Linkage rows (``LinkRecord.row()``) for the index's children, in batches' order."""
    children = Child.objects.exclude(status=ChildStatus.MERGED)
    if child_ids is not None:
        children = children.filter(pk__in=list(child_ids))
    all_ids = list(children.order_by("pk").values_list("pk", flat=True))
    for ids in _batched_ids(all_ids):
        yield from _records_for(ids)


def _records_for(ids: list[int]) -> Iterator[dict]:
    low, high = ids[0], ids[-1]
    base = {
        pk: (dob, gender)
        for pk, dob, gender in Child.objects.filter(pk__in=ids).values_list(
            "pk", "date_of_birth", "gender")
    }
    names: dict[int, list[tuple[str, str, str]]] = defaultdict(list)
    for child_id, kind, given, family in ChildName.objects.filter(
            child_id__gte=low, child_id__lte=high).values_list(
            "child_id", "kind", "given_names", "family_name").order_by("child_id", "pk"):
        names[child_id].append((kind, given, family))
    addresses: dict[int, list[tuple[bool, str, str]]] = defaultdict(list)
    for child_id, postcode, line_1, until in ChildAddress.objects.filter(
            child_id__gte=low, child_id__lte=high).values_list(
            "child_id", "postcode", "line_1", "lived_until").order_by("child_id", "pk"):
        addresses[child_id].append((until is None, postcode, line_1))
    identifiers: dict[int, list[tuple[str, str, str]]] = defaultdict(list)
    for child_id, kind, issuer, value in ChildIdentifier.objects.filter(
            child_id__gte=low, child_id__lte=high).values_list(
            "child_id", "type", "issuer", "value").order_by("child_id", "pk"):
        identifiers[child_id].append((kind, issuer, value))
    for pk in ids:
        dob, gender = base[pk]
        yield child_record(pk, dob=dob, gender=gender, names=names.get(pk, []),
                           addresses=addresses.get(pk, []),
                           identifiers=identifiers.get(pk, [])).row()


def child_record(pk: int, *, dob, gender: str, names: list[tuple[str, str, str]],
                 addresses: list[tuple[bool, str, str]],
                 identifiers: list[tuple[str, str, str]]) -> LinkRecord:
    """A child as a LinkRecord: ``names`` (kind, given, family), ``addresses`` (current,
    postcode, line 1), ``identifiers`` (type, issuer, value)."""
    current = next(((g, f) for k, g, f in names if k == NameKind.CURRENT), None)
    others = [(g, f) for k, g, f in names if k != NameKind.CURRENT]
    if current is None and others:
        current, others = others[0], others[1:]
    given, family = current or ("", "")
    home = next(((p, line) for is_current, p, line in addresses if is_current), ("", ""))
    national: dict[str, str] = {}
    local = []
    for kind, issuer, value in identifiers:
        if kind == "local":
            local.append(f"{issuer}:{value}")
        else:
            national.setdefault(kind, value)
    return LinkRecord(
        unique_id=str(pk), given_names=given, family_name=family, date_of_birth=dob,
        gender=gender, postcode=home[0] or None, address_line_1=home[1] or None,
        identifiers=national, local_identifiers=local,
        other_family_names=[f for _, f in others], other_given_names=[g for g, _ in others],
        other_postcodes=[p for is_current, p, _ in addresses if not is_current and p],
    )


def row_record(unique_id: str, row: ParsedRow) -> LinkRecord:
    """A feed row as a LinkRecord."""
    return LinkRecord(
        unique_id=unique_id, given_names=row.given_names, family_name=row.family_name,
        date_of_birth=row.date_of_birth, gender=row.gender, postcode=row.postcode or None,
        address_line_1=row.address_line_1 or None, identifiers=dict(row.identifiers),
        local_identifiers=[f"{issuer}:{value}" for issuer, value in row.local_identifiers],
    )
