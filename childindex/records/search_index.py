"""Keeping the search-key table in step with names and addresses.

``search_keys_refresh`` is called by every service that writes a child's names, date of birth
or addresses, in the same transaction. ``search_index_rebuild`` rebuilds the whole table in
batches after a bulk load (the generator's ``--load``, an initial import), which is much faster
than refreshing child by child.

The same three keep each child's linkage keys (``ChildLinkageKeys``: what the feeds' blocking
rules compare), so whatever writes search keys writes them too, and a child merged into another
has none (the linkage leaves merged records out).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable

from django.db import connection, transaction

from childindex.core.postcodes import postcode_district
from childindex.linkage.normalise import (
    dob_columns,
    family_key_columns,
    given_key_columns,
    postcode_key_columns,
)
from childindex.records.models import Child, ChildAddress, ChildName, ChildStatus, NameKind
from childindex.records.search_models import ChildLinkageKeys, ChildSearchKey
from childindex.records.search_text import child_keys, name_tokens

REBUILD_BATCH = 5000


def _keys_for(child_ids: list[int]) -> dict[int, set[str]]:
    tokens: dict[int, list[str]] = defaultdict(list)
    for child_id, given, family in ChildName.objects.filter(child_id__in=child_ids).values_list(
        "child_id", "given_names", "family_name"
    ):
        tokens[child_id] += name_tokens(given) + name_tokens(family)
    districts: dict[int, set[str]] = defaultdict(set)
    for child_id, postcode in (
        ChildAddress.objects.filter(child_id__in=child_ids)
        .exclude(postcode="")
        .values_list("child_id", "postcode")
    ):
        districts[child_id].add(postcode_district(postcode))
    keys: dict[int, set[str]] = {}
    for child_id, born in Child.objects.filter(pk__in=child_ids).values_list("pk", "date_of_birth"):
        keys[child_id] = child_keys(
            tokens.get(child_id, ()), date_of_birth=born, districts=districts.get(child_id, ())
        )
    return keys


def _insert(keys: dict[int, set[str]]) -> int:
    """Write these keys: with COPY on PostgreSQL (several times faster than INSERTs for the
    millions of rows of a rebuild), one prepared INSERT on SQLite."""
    table = connection.ops.quote_name(ChildSearchKey._meta.db_table)
    # In the unique index's order (key, child): each insert lands next to the one before
    # instead of anywhere in the index (a first load writes hundreds of thousands of keys).
    rows = sorted((key, child_id) for child_id, child_keys_ in keys.items() for key in child_keys_)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.copy(f"COPY {table} (key, child_id) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            cursor.executemany(
                f"INSERT INTO {table} (key, child_id) VALUES (%s, %s)",  # noqa: S608 - table name only
                rows,
            )
    return len(rows)


# The columns of ``ChildLinkageKeys`` in the order ``linkage_key_values`` gives them.
LINKAGE_KEY_COLUMNS = (
    "given_name", "given_phonetic", "family_name", "family_phonetic",
    "dob", "dob_swapped", "birth_year", "postcode", "sector",
)  # fmt: skip
LinkageKeys = tuple[
    str | None, str | None, str | None, str | None, str | None, str | None, int | None,
    str | None, str | None,
]  # fmt: skip


def linkage_key_values(
    given_names: str, family_name: str, born: dt.date | None, postcode: str | None
) -> LinkageKeys:
    """A child's linkage keys (``LINKAGE_KEY_COLUMNS``) from its chosen name, date of birth and
    current postcode, by the linkage's own (cached) functions, as ``link_table`` computes them:
    the first given name, the family name and the postcode do not depend on other names or
    previous addresses."""
    given = given_key_columns(given_names or "", ())
    family = family_key_columns(family_name or "", ())
    day = dob_columns(born)
    place = postcode_key_columns(postcode or None, ())
    return (given[0], given[3], family[0], family[2], *day, place[0], place[2])


def _chosen(
    where: str, params: list[int]
) -> dict[int, tuple[str, str, dt.date | None, str | None]]:
    """Each live (not merged) child of ``where`` (on the child's id) as linkage reads it: the
    first current name that holds one, else its first other name; its date of birth; the last
    current address's postcode (None when it has none)."""
    table = {
        m: connection.ops.quote_name(m._meta.db_table) for m in (Child, ChildName, ChildAddress)
    }
    current = NameKind.CURRENT
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, date_of_birth FROM {table[Child]} "  # noqa: S608 - own table names
            f"WHERE status <> %s AND id {where}",
            [ChildStatus.MERGED, *params],
        )
        born = dict(cursor.fetchall())
        cursor.execute(
            f"SELECT child_id, kind, given_names, family_name FROM {table[ChildName]} "  # noqa: S608
            f"WHERE child_id {where} ORDER BY child_id, id",
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
            f"WHERE child_id {where} AND lived_until IS NULL ORDER BY child_id, id",
            params,
        )
        postcodes = {child_id: postcode or None for child_id, postcode in cursor.fetchall()}
    found = {}
    for pk, day in born.items():
        given, family = chosen.get(pk) or other.get(pk) or ("", "")
        if isinstance(day, str):  # SQLite's raw cursor gives dates as text
            day = dt.date.fromisoformat(day)
        found[pk] = (given or "", family or "", day, postcodes.get(pk))
    return found


def _insert_linkage_keys(rows: Iterable[tuple[int, LinkageKeys]]) -> None:
    table = connection.ops.quote_name(ChildLinkageKeys._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in ("child_id", *LINKAGE_KEY_COLUMNS))
    marks = ", ".join(["%s"] * (1 + len(LINKAGE_KEY_COLUMNS)))
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} ({columns}) VALUES ({marks})",  # noqa: S608 - own names
            [(child_id, *keys) for child_id, keys in rows],
        )


def _linkage_keys_write(where: str, params: list[int]) -> None:
    _insert_linkage_keys(
        (pk, linkage_key_values(*values)) for pk, values in _chosen(where, params).items()
    )


def search_keys_refresh(*, child_ids: Iterable[int]) -> None:
    """Re-derive the search keys and linkage keys of these children (call inside the writing
    transaction)."""
    ids = sorted(set(child_ids))
    if not ids:
        return
    with transaction.atomic():
        ChildSearchKey.objects.filter(child_id__in=ids).delete()
        _insert(_keys_for(ids))
        ChildLinkageKeys.objects.filter(child_id__in=ids).delete()
        for start in range(0, len(ids), REBUILD_BATCH):
            part = ids[start : start + REBUILD_BATCH]
            _linkage_keys_write(f"IN ({', '.join(['%s'] * len(part))})", part)


def search_keys_add(
    *, children: Iterable[tuple[int, Iterable[tuple[str, str]], dt.date, Iterable[str]]]
) -> int:
    """The search keys and linkage keys of children just created, from the values written for
    them: (child id, its names as (given, family), the first its current name, date of birth,
    its current addresses' postcodes in the order written). The same keys as
    ``search_keys_refresh`` derives from the database, without deleting keys a new child cannot
    have or reading back what the caller holds (a feed's first load creates thousands)."""
    keys: dict[int, set[str]] = {}
    linkage: list[tuple[int, LinkageKeys]] = []
    for child_id, names, born, postcodes in children:
        tokens: list[str] = []
        named = ("", "")
        for given, family in names:
            tokens += name_tokens(given) + name_tokens(family)
            if named == ("", "") and (given or family):
                named = (given, family)
        postcodes = list(postcodes)
        districts = {postcode_district(p) for p in postcodes if p}
        keys[child_id] = child_keys(tokens, date_of_birth=born, districts=districts)
        linkage.append(
            (child_id, linkage_key_values(*named, born, postcodes[-1] if postcodes else None))
        )
    _insert_linkage_keys(linkage)
    return _insert(keys)


def search_index_rebuild(
    *, batch: int = REBUILD_BATCH, progress: Callable[[int, int], None] | None = None
) -> int:
    """Rebuild every child's search keys and linkage keys; returns the number of search keys
    written.

    One transaction, so a search never sees a half-built table; batches keep memory flat.
    """
    total_keys = 0
    with transaction.atomic():
        ChildSearchKey.objects.all().delete()
        ChildLinkageKeys.objects.all().delete()
        ids = list(Child.objects.order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(ids), batch):
            part = ids[start : start + batch]
            total_keys += _insert(_keys_for(part))
            _linkage_keys_write("BETWEEN %s AND %s", [part[0], part[-1]])
            if progress:
                progress(min(start + batch, len(ids)), len(ids))
    return total_keys
