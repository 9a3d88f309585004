"""Fast inserts for the import's many rows: one prepared INSERT run with executemany (COPY on
PostgreSQL).

Django's ``bulk_create`` compiles every batch of rows afresh (a quarter of an import's time at
250,000 rows); an import writes tens of thousands of rows of a few fixed shapes, so it prepares
each shape once. Values are the database's own (ids, dates, strings; dicts are written as JSON).
Used inside the import's transaction, like any other write; model validation is the importer's
job (the database constraints still apply).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from typing import Any, cast

from django.db import connection
from django.db.models import Field, Model


class JsonText(str):
    """A value already written as JSON text: inserted as it is."""


def moment(value: Any) -> Any:
    """A datetime as the database stores it (for ``insert_rows(..., adapted=True)``)."""
    return connection.ops.adapt_datetimefield_value(value)


@lru_cache(maxsize=64)
def _statement(
    model: type[Model], fields: tuple[str, ...], vendor: str
) -> tuple[str, str, frozenset[int], frozenset[int]]:
    """(INSERT, COPY, JSON columns, datetime columns) for these fields."""
    meta = model._meta
    columns: list[str] = []
    json_fields: set[int] = set()
    moments: set[int] = set()
    for position, name in enumerate(fields):
        field = cast(
            "Field[Any, Any]",
            meta.get_field(name.removesuffix("_id"))
            if name.endswith("_id")
            else meta.get_field(name),
        )
        columns.append(cast(str, field.column))
        if field.get_internal_type() == "JSONField":
            json_fields.add(position)
        elif field.get_internal_type() == "DateTimeField":
            moments.add(position)
    quote = connection.ops.quote_name
    placeholders = ", ".join(
        "%s::jsonb" if i in json_fields and vendor == "postgresql" else "%s"
        for i in range(len(columns))
    )
    names = ", ".join(quote(c) for c in columns)
    insert = f"INSERT INTO {quote(meta.db_table)} ({names}) VALUES ({placeholders})"  # noqa: S608
    copy = f"COPY {quote(meta.db_table)} ({names}) FROM STDIN"
    return insert, copy, frozenset(json_fields), frozenset(moments)


def insert_rows(
    model: type[Model],
    fields: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    adapted: bool = False,
) -> int:
    """INSERT ``rows`` (values in ``fields`` order, ``fields`` by attribute name: ``child_id``).

    ``adapted``: the caller has written JSON values as ``JsonText`` and datetimes with
    ``moment``, so rows go to the database as they are (no per-row work here). On PostgreSQL
    the rows are sent by ``COPY``; elsewhere by one prepared INSERT run by ``executemany``."""
    insert, copy, json_fields, moments = _statement(model, tuple(fields), connection.vendor)
    if not adapted:
        rows = list(_adapt(rows, json_fields, moments))
    elif not isinstance(rows, list):
        rows = list(rows)
    if not rows:
        return 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(copy) as stream:
                for row in rows:
                    stream.write_row(row)
        else:
            cursor.executemany(insert, rows)
    return len(rows)


def _adapt(
    rows: Iterable[Sequence[Any]], json_fields: frozenset[int], moments: frozenset[int]
) -> Iterator[list[Any]]:
    adapted: dict[Any, Any] = {}  # each distinct datetime adapted once
    for row in rows:
        values = list(row)
        for i in json_fields:
            if not isinstance(values[i], JsonText):
                values[i] = JsonText(json.dumps(values[i]))
        for i in moments:
            value = values[i]
            if value not in adapted:
                adapted[value] = moment(value)
            values[i] = adapted[value]
        yield values


def select_in(
    sql: str, values: Iterable[Any], *, params: Sequence[Any] = (), batch: int = 5000
) -> list[tuple]:
    """Rows of ``sql`` (which ends ``IN ({})``) for every value, in batches of ``batch``."""
    wanted = list(values)
    rows: list[tuple] = []
    with connection.cursor() as cursor:
        for start in range(0, len(wanted), batch):
            part = wanted[start : start + batch]
            cursor.execute(sql.format(", ".join(["%s"] * len(part))), [*params, *part])
            rows.extend(cursor.fetchall())
    return rows


def table(model: type[Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


# Rows an SQLite ANALYZE reads per index: a sample, so keeping statistics costs milliseconds
# at any size (SQLite's own advice for PRAGMA optimize: 400 to 1,000).
SQLITE_ANALYSIS_LIMIT = 1000


class PlannerStatistics:
    """Keeps the database's table statistics fit for the index's look-ups by key.

    Both databases plan each query from their tables' statistics, and a table never analysed
    (a bulk load a moment ago, or autovacuum off) is planned from guesses:

    - PostgreSQL: at 1,000,000 children the import's look-ups by child and by record key
      became scans of whole tables, once per 5,000 keys, half of its time;
    - SQLite, which never analyses by itself: the stale-records worklist (children with no
      source record seen by a recent run) looked each child's records up by the run, not by
      the child, a scan of every source record per child. At 20,000 children its count took
      38 s after the LA's first import, 25 ms once analysed.

    So: the tables are analysed at the start when they have never been (an empty SQLite table
    keeps no statistics, so it is looked at again each time until it has rows), and a table a
    run fills (its source records) again whenever the run has added more rows than the
    statistics know of (a first import doubles it chunk by chunk: a handful of ANALYZEs, each
    a sample: 30,000 rows on PostgreSQL, ``SQLITE_ANALYSIS_LIMIT`` per index on SQLite).
    ANALYZE of a table the user does not own is skipped by PostgreSQL with a warning."""

    def __init__(self, models: Sequence[type[Model]]) -> None:
        self.tables = [m._meta.db_table for m in models]
        self.added: dict[str, int] = {}

    @staticmethod
    def _known(cursor, table: str) -> float:
        """The rows the statistics know of, or -1 where the table was never analysed."""
        if connection.vendor == "postgresql":
            cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [table])
            row = cursor.fetchone()
            return -1.0 if row is None else float(row[0])
        cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'")
        if cursor.fetchone() is None:
            return -1.0
        cursor.execute("SELECT stat FROM sqlite_stat1 WHERE tbl = %s LIMIT 1", [table])
        row = cursor.fetchone()
        return -1.0 if row is None else float(row[0].split()[0])

    def keep(self, added: dict[type[Model], int] | None = None) -> list[str]:
        """ANALYZE what needs it; returns the tables analysed."""
        if connection.vendor not in ("postgresql", "sqlite"):
            return []
        for model, count in (added or {}).items():
            table = model._meta.db_table
            self.added[table] = self.added.get(table, 0) + count
        analysed = []
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute(f"PRAGMA analysis_limit = {SQLITE_ANALYSIS_LIMIT}")
            for table in self.tables:
                known = self._known(cursor, table)
                if known < 0 or self.added.get(table, 0) > max(known, 1000.0):
                    cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
                    self.added[table] = 0
                    analysed.append(table)
        return analysed
