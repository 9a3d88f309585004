"""Fast inserts for the import's many rows: one prepared INSERT run with executemany.

Django's ``bulk_create`` compiles every batch of rows afresh (a quarter of an import's time at
250,000 rows); an import writes tens of thousands of rows of a few fixed shapes, so it prepares
each shape once. Values are the database's own (ids, dates, strings; dicts are written as JSON).
Used inside the import's transaction, like any other write; model validation is the importer's
job (the database constraints still apply).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection
from django.db.models import Model


class JsonText(str):
    """A value already written as JSON text: inserted as it is."""


def insert_rows(model: type[Model], fields: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """INSERT ``rows`` (values in ``fields`` order, ``fields`` by attribute name: ``child_id``)."""
    meta = model._meta
    columns = []
    json_fields = set()
    for name in fields:
        field = meta.get_field(name.removesuffix("_id")) if name.endswith("_id") else \
            meta.get_field(name)
        columns.append(field.column)
        if field.get_internal_type() == "JSONField":
            json_fields.add(len(columns) - 1)
    quote = connection.ops.quote_name
    placeholders = []
    for i in range(len(columns)):
        if i in json_fields and connection.vendor == "postgresql":
            placeholders.append("%s::jsonb")
        else:
            placeholders.append("%s")
    names = ", ".join(quote(c) for c in columns)
    sql = f"INSERT INTO {quote(meta.db_table)} ({names}) VALUES ({', '.join(placeholders)})"  # noqa: S608
    prepared = []
    for row in rows:
        values = list(row)
        for i in json_fields:
            if not isinstance(values[i], JsonText):
                values[i] = json.dumps(values[i])
        prepared.append(values)
    if prepared:
        with connection.cursor() as cursor:
            cursor.executemany(sql, prepared)
    return len(prepared)


def select_in(sql: str, values: Iterable[Any], *, params: Sequence[Any] = (),
              batch: int = 5000) -> list[tuple]:
    """Rows of ``sql`` (which ends ``IN ({})``) for every value, in batches of ``batch``."""
    wanted = list(values)
    rows: list[tuple] = []
    with connection.cursor() as cursor:
        for start in range(0, len(wanted), batch):
            part = wanted[start:start + batch]
            cursor.execute(sql.format(", ".join(["%s"] * len(part))), [*params, *part])
            rows.extend(cursor.fetchall())
    return rows


def table(model: type[Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)
