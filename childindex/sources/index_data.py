"""The index's children as linkage records (what a feed row is compared with).

Read in a few flat queries (children, names, addresses, identifiers), not per child, so the
whole index of a county (250,000 children) is read in seconds. Merged records are left out:
their successor holds what they held.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Any

from django.db import connection

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

FETCH = 10_000


def _stream(sql: str, params: list[Any]) -> Iterator[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(FETCH):
            yield from rows


def _grouped(rows: Iterator[tuple]) -> Iterator[tuple[int, list[tuple]]]:
    """(child id, its rows) from rows ordered by child id (the first column)."""
    current, group = None, []
    for row in rows:
        if row[0] != current:
            if current is not None:
                yield current, group
            current, group = row[0], []
        group.append(row[1:])
    if current is not None:
        yield current, group


def index_records(*, child_ids: Iterable[int] | None = None) -> Iterator[dict]:
    """Linkage rows (``LinkRecord.row()``) for the index's children, in id order."""
    for record in index_link_records(child_ids=child_ids):
        yield record.row()


def index_link_records(*, child_ids: Iterable[int] | None = None) -> Iterator[LinkRecord]:
    """The index's children as LinkRecords, in id order (``linkage.model.link_table`` makes
    the linkage table of a batch of them).

    Four ordered scans (children, names, addresses, identifiers) merged as they stream, so
    memory stays flat however large the index."""
    table = {m: m._meta.db_table for m in (Child, ChildName, ChildAddress, ChildIdentifier)}
    where, params = "", []
    if child_ids is not None:
        ids = sorted(set(child_ids))
        if not ids:
            return
        where = f" WHERE child_id IN ({', '.join(['%s'] * len(ids))})"
        params = ids
    children = _stream(  # dates as text: each distinct one parsed once, below
        f"SELECT id, CAST(date_of_birth AS TEXT), gender FROM {table[Child]} "  # noqa: S608
        "WHERE status <> %s"
        + (f" AND id IN ({', '.join(['%s'] * len(params))})" if params else "")
        + " ORDER BY id", [ChildStatus.MERGED, *params])
    names = _grouped(_stream(
        f"SELECT child_id, kind, given_names, family_name FROM {table[ChildName]}{where} "  # noqa: S608
        "ORDER BY child_id, id", params))
    addresses = _grouped(_stream(
        f"SELECT child_id, lived_until IS NULL, postcode, line_1 FROM {table[ChildAddress]}"  # noqa: S608
        f"{where} ORDER BY child_id, id", params))
    identifiers = _grouped(_stream(
        f"SELECT child_id, type, issuer, value FROM {table[ChildIdentifier]}{where} "  # noqa: S608
        "ORDER BY child_id, id", params))
    heads: dict[str, tuple[int, list[tuple]] | None] = {
        "names": next(names, None), "addresses": next(addresses, None),
        "identifiers": next(identifiers, None)}
    streams = {"names": names, "addresses": addresses, "identifiers": identifiers}

    def take(kind: str, pk: int) -> list[tuple]:
        head = heads[kind]
        while head is not None and head[0] < pk:
            head = next(streams[kind], None)
        heads[kind] = head
        if head is not None and head[0] == pk:
            heads[kind] = next(streams[kind], None)
            return head[1]
        return []

    dates: dict[str | None, dt.date | None] = {None: None}
    for pk, text, gender in children:
        dob = dates.get(text) if text in dates else dates.setdefault(
            text, dt.date.fromisoformat(text))
        yield child_record(pk, dob=dob, gender=gender, names=take("names", pk),
                           addresses=take("addresses", pk),
                           identifiers=take("identifiers", pk))


def child_record(pk: int, *, dob, gender: str, names: list[tuple[str, str, str]],
                 addresses: list[tuple[bool, str, str]],
                 identifiers: list[tuple[str, str, str]]) -> LinkRecord:
    """A child as a LinkRecord: ``names`` (kind, given, family), ``addresses`` (current,
    postcode, line 1), ``identifiers`` (type, issuer, value)."""
    given = family = ""
    other_given: list[str] = []
    other_family: list[str] = []
    for kind, g, f in names:
        if kind == NameKind.CURRENT and not given and not family:
            given, family = g, f
        else:
            other_given.append(g)
            other_family.append(f)
    if not given and not family and other_given:
        given, family = other_given.pop(0), other_family.pop(0)
    postcode = line_1 = None
    previous: list[str] = []
    for is_current, p, line in addresses:
        if is_current:
            postcode, line_1 = p or None, line or None
        elif p:
            previous.append(p)
    national: dict[str, str] = {}
    local: list[str] = []
    for kind, issuer, value in identifiers:
        if kind == "local":
            local.append(f"{issuer}:{value}")
        elif kind not in national:
            national[kind] = value
    return LinkRecord(str(pk), given, family, dob, gender, postcode, line_1, national, local,
                      other_family, other_given, previous)


def row_record(unique_id: str, row: ParsedRow) -> LinkRecord:
    """A feed row as a LinkRecord."""
    return LinkRecord(  # positional: a feed has a row per child (the order of LinkRecord)
        unique_id, row.given_names, row.family_name, row.date_of_birth, row.gender,
        row.postcode or None, row.address_line_1 or None, row.identifiers,
        [f"{issuer}:{value}" for issuer, value in row.local_identifiers]
        if row.local_identifiers else ())
