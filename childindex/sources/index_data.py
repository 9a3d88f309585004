"""The index's children as linkage records (what a feed row is compared with).

Read in a few flat queries (children, names, addresses, identifiers), not per child, so the
whole index of a county (250,000 children) is read in seconds. Merged records are left out:
their successor holds what they held.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator

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


def index_link_records(
    *, child_ids: Iterable[int] | None = None, batch: int = 20_000
) -> Iterator[LinkRecord]:
    """The index's children as LinkRecords, in id order (``linkage.model.link_table`` makes
    the linkage table of a batch of them).

    ``batch`` children at a time (the next ids, then their names, addresses and identifiers
    by the child's index), so memory stays flat however large the index, on PostgreSQL too
    (whose driver holds a query's whole result)."""
    table = {
        m: connection.ops.quote_name(m._meta.db_table)
        for m in (Child, ChildName, ChildAddress, ChildIdentifier)
    }
    wanted = None if child_ids is None else sorted(set(child_ids))
    after = 0
    dates: dict[str | None, dt.date | None] = {None: None}
    children_sql = (
        f"SELECT id, CAST(date_of_birth AS TEXT), gender FROM {table[Child]} "  # noqa: S608
        "WHERE status <> %s AND "
    )  # dates as text: each one parsed once, below
    with connection.cursor() as cursor:
        while True:
            if wanted is None:  # the next range of the index
                cursor.execute(
                    children_sql + "id > %s ORDER BY id LIMIT %s",
                    [ChildStatus.MERGED, after, batch],
                )
                children = cursor.fetchall()
                where = "BETWEEN %s AND %s"
                params = [children[0][0], children[-1][0]] if children else []
            elif wanted:
                part, wanted = wanted[:batch], wanted[batch:]
                where, params = f"IN ({', '.join(['%s'] * len(part))})", part
                cursor.execute(
                    children_sql + f"id {where} ORDER BY id", [ChildStatus.MERGED, *params]
                )
                children = cursor.fetchall()
            else:
                return
            if not children:
                if wanted is None:
                    return
                continue
            after = children[-1][0]
            grouped = []
            for sql in (
                f"SELECT child_id, kind, given_names, family_name FROM {table[ChildName]} "  # noqa: S608
                f"WHERE child_id {where} ORDER BY child_id, id",
                f"SELECT child_id, lived_until IS NULL, postcode, line_1, town "  # noqa: S608
                f"FROM {table[ChildAddress]} WHERE child_id {where} ORDER BY child_id, id",
                f"SELECT child_id, type, issuer, value FROM {table[ChildIdentifier]} "  # noqa: S608
                f"WHERE child_id {where} ORDER BY child_id, id",
            ):
                cursor.execute(sql, params)
                rows: dict[int, list[tuple]] = {}
                for row in cursor.fetchall():
                    found = rows.get(row[0])
                    if found is None:
                        rows[row[0]] = [row[1:]]
                    else:
                        found.append(row[1:])
                grouped.append(rows)
            names, addresses, identifiers = grouped
            for pk, text, gender in children:
                dob = (
                    dates[text]
                    if text in dates
                    else dates.setdefault(text, dt.date.fromisoformat(text))
                )
                yield child_record(
                    pk,
                    dob=dob,
                    gender=gender,
                    names=names.get(pk, []),
                    addresses=addresses.get(pk, []),
                    identifiers=identifiers.get(pk, []),
                )


def index_blocking_values(
    *, batch: int = 50_000
) -> Iterator[tuple[int, str, str, str | None, str | None]]:
    """Every child of the index (merged records left out) as what blocking and term
    frequencies read: (id, given names, family name, date of birth as ISO text, current
    postcode), the name and postcode chosen exactly as ``child_record`` chooses them: the
    first current name that holds one, else the first other name; the last current address's
    postcode (None when it has none). No previous addresses, identifiers, address lines or
    towns, and no LinkRecord per child: plain tuples, ``batch`` children at a time by id."""
    table = {
        m: connection.ops.quote_name(m._meta.db_table) for m in (Child, ChildName, ChildAddress)
    }
    after = 0
    current = NameKind.CURRENT
    nameless = ("", "")
    with connection.cursor() as cursor:
        while True:
            cursor.execute(
                f"SELECT id, CAST(date_of_birth AS TEXT) FROM {table[Child]} "  # noqa: S608
                "WHERE status <> %s AND id > %s ORDER BY id LIMIT %s",
                [ChildStatus.MERGED, after, batch],
            )
            children = cursor.fetchall()
            if not children:
                return
            params = [children[0][0], children[-1][0]]
            after = children[-1][0]
            cursor.execute(
                f"SELECT child_id, kind, given_names, family_name FROM {table[ChildName]} "  # noqa: S608
                "WHERE child_id BETWEEN %s AND %s ORDER BY child_id, id",
                params,
            )
            chosen: dict[int, tuple[str, str]] = {}
            other: dict[int, tuple[str, str]] = {}
            for child_id, kind, given, family in cursor.fetchall():
                if kind == current:
                    if (given or family) and child_id not in chosen:
                        chosen[child_id] = (given, family)
                elif child_id not in other:
                    other[child_id] = (given, family)
            cursor.execute(
                f"SELECT child_id, postcode FROM {table[ChildAddress]} "  # noqa: S608
                "WHERE child_id BETWEEN %s AND %s AND lived_until IS NULL ORDER BY child_id, id",
                params,
            )
            postcodes = {child_id: postcode or None for child_id, postcode in cursor.fetchall()}
            for pk, text in children:
                given, family = chosen.get(pk) or other.get(pk) or nameless
                yield pk, given or "", family or "", text, postcodes.get(pk)


def child_record(
    pk: int,
    *,
    dob,
    gender: str,
    names: list[tuple[str, str, str]],
    addresses: list[tuple[bool, str, str]],
    identifiers: list[tuple[str, str, str]],
) -> LinkRecord:
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
    postcode = line_1 = town = None
    previous: list[str] = []
    rest: list[str | None]
    for is_current, p, line, *rest in addresses:  # (current, postcode, line 1[, town])
        if is_current:
            postcode, line_1 = p or None, line or None
            town = (rest[0] or None) if rest else None
        elif p:
            previous.append(p)
    national: dict[str, str] = {}
    local: list[str] = []
    for kind, issuer, value in identifiers:
        if kind == "local":
            local.append(f"{issuer}:{value}")
        elif kind not in national:
            national[kind] = value
    return LinkRecord(
        str(pk),
        given,
        family,
        dob,
        gender,
        postcode,
        line_1,
        national,
        local,
        other_family,
        other_given,
        previous,
        town,
    )


def row_record(unique_id: str, row: ParsedRow) -> LinkRecord:
    """A feed row as a LinkRecord."""
    return LinkRecord(  # positional: a feed has a row per child (the order of LinkRecord)
        unique_id,
        row.given_names,
        row.family_name,
        row.date_of_birth,
        row.gender,
        row.postcode or None,
        row.address_line_1 or None,
        row.identifiers,
        [f"{issuer}:{value}" for issuer, value in row.local_identifiers]
        if row.local_identifiers
        else (),
        (),
        (),
        (),
        row.town or None,
    )
