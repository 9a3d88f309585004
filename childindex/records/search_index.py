"""Keeping the search-key table in step with names and addresses.

``search_keys_refresh`` is called by every service that writes a child's names, date of birth
or addresses, in the same transaction. ``search_index_rebuild`` rebuilds the whole table in
batches after a bulk load (the generator's ``--load``, an initial import), which is much faster
than refreshing child by child.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable

from django.db import connection, transaction

from childindex.core.postcodes import postcode_district
from childindex.records.models import Child, ChildAddress, ChildName
from childindex.records.search_models import ChildSearchKey
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


def search_keys_refresh(*, child_ids: Iterable[int]) -> None:
    """Re-derive the search keys of these children (call inside the writing transaction)."""
    ids = sorted(set(child_ids))
    if not ids:
        return
    with transaction.atomic():
        ChildSearchKey.objects.filter(child_id__in=ids).delete()
        _insert(_keys_for(ids))


def search_keys_add(
    *, children: Iterable[tuple[int, Iterable[tuple[str, str]], dt.date, Iterable[str]]]
) -> int:
    """The search keys of children just created, from the values written for them: (child id,
    its names as (given, family), date of birth, postcodes). The same keys as
    ``search_keys_refresh`` derives from the database, without deleting keys a new child cannot
    have or reading back what the caller holds (a feed's first load creates thousands)."""
    keys: dict[int, set[str]] = {}
    for child_id, names, born, postcodes in children:
        tokens: list[str] = []
        for given, family in names:
            tokens += name_tokens(given) + name_tokens(family)
        districts = {postcode_district(p) for p in postcodes if p}
        keys[child_id] = child_keys(tokens, date_of_birth=born, districts=districts)
    return _insert(keys)


def search_index_rebuild(
    *, batch: int = REBUILD_BATCH, progress: Callable[[int, int], None] | None = None
) -> int:
    """Rebuild every child's search keys; returns the number of keys written.

    One transaction, so a search never sees a half-built table; batches keep memory flat.
    """
    total_keys = 0
    with transaction.atomic():
        ChildSearchKey.objects.all().delete()
        ids = list(Child.objects.order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(ids), batch):
            total_keys += _insert(_keys_for(ids[start : start + batch]))
            if progress:
                progress(min(start + batch, len(ids)), len(ids))
    return total_keys
