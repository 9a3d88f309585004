"""The index's children as linkage records (what a feed row is compared with).

Read in a few flat queries (children, names, addresses, identifiers), not per child, so the
whole index of a county (250,000 children) is read in seconds. Merged records are left out:
their successor holds what they held.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence

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
from childindex.records.search_models import ChildLinkageKeys
from childindex.sources.bulk import select_in
from childindex.sources.mapping import ParsedRow

LOOKUP_BATCH = 500  # keys a query (a bound parameter each, several a key)
# The count of every value not asked for, under a value no linkage key can be (a key is None
# or holds letters and digits).
OTHER_VALUES = ""


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


def index_blocking_matches(rules: Iterable[tuple[Sequence[str], Iterable[tuple]]]) -> set[int]:
    """The children (merged records left out) whose linkage keys (``ChildLinkageKeys``) equal
    one of a rule's keys on all of its columns: each rule as (its index-side columns, the keys
    sought, each a tuple of values in those columns' order; a key holding None pairs nothing).
    Found through the table's indexes, a few hundred keys a query: never every child."""
    found: set[int] = set()
    keys_table = connection.ops.quote_name(ChildLinkageKeys._meta.db_table)
    with connection.cursor() as cursor:
        for columns, keys in rules:
            wanted = sorted({key for key in keys if None not in key})
            names = [connection.ops.quote_name(c) for c in columns]
            on = " AND ".join(f"t.{n} = k.{n}" for n in names)
            for start in range(0, len(wanted), LOOKUP_BATCH):
                part = wanted[start : start + LOOKUP_BATCH]
                row = f"({', '.join(['%s'] * len(columns))})"
                cursor.execute(
                    f"WITH k ({', '.join(names)}) AS (VALUES {', '.join([row] * len(part))}) "  # noqa: S608 - own names
                    f"SELECT DISTINCT t.child_id FROM k JOIN {keys_table} AS t ON {on}",
                    [value for key in part for value in key],
                )
                found.update(child_id for (child_id,) in cursor.fetchall())
    return found


def index_value_counts(values: dict[str, Iterable[str]]) -> dict[str, dict[str, int]]:
    """How many children of the whole index (merged records left out) hold each of these
    values of a linkage key column, by column; plus, under ``OTHER_VALUES``, how many hold
    any other value (not None), so the counts add up to the index's total as counting every
    child's value would (the term-frequency shares' denominator)."""
    keys_table = connection.ops.quote_name(ChildLinkageKeys._meta.db_table)
    counts: dict[str, dict[str, int]] = {}
    with connection.cursor() as cursor:
        for column, wanted in values.items():
            name = connection.ops.quote_name(column)
            cursor.execute(f"SELECT COUNT({name}) FROM {keys_table}")  # noqa: S608 - own names
            total = cursor.fetchone()[0]
            seen = {
                value: n
                for value, n in select_in(
                    f"SELECT {name}, COUNT(*) FROM {keys_table} "  # noqa: S608 - own names
                    f"WHERE {name} IN ({{}}) GROUP BY {name}",
                    sorted({v for v in wanted if v is not None}),
                    batch=LOOKUP_BATCH,
                )
            }
            rest = total - sum(seen.values())
            counts[column] = {**seen, OTHER_VALUES: rest} if rest else seen
    return counts


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
