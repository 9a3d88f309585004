"""The import's database helpers: prepared inserts (COPY on PostgreSQL) and the upkeep of
PostgreSQL's table statistics."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from childindex.sources.bulk import JsonText, PlannerStatistics, insert_rows, moment
from childindex.sources.models import RejectedRow, SourceLink, SourceRecord
from childindex.sources.tests.factories import ImportRunFactory

pytestmark = pytest.mark.django_db


def test_rows_are_inserted_as_given_or_adapted_and_read_back_the_same():
    run = ImportRunFactory()
    now = timezone.now()
    insert_rows(
        SourceRecord,
        (
            "feed_id",
            "key",
            "first_run_id",
            "last_run_id",
            "row_number",
            "values",
            "values_sha256",
            "status",
            "child_id",
            "involvement_id",
            "shielded",
            "created_at",
            "updated_at",
        ),
        [
            (
                run.feed_id,
                "A1",
                run.pk,
                run.pk,
                1,
                {"name": "Zoë"},
                "x",
                "review",
                None,
                None,
                False,
                now,
                now,
            ),
            (
                run.feed_id,
                "A2",
                run.pk,
                run.pk,
                2,
                JsonText('{"name": "Ava"}'),
                "y",
                "review",
                None,
                None,
                True,
                now,
                now,
            ),
        ],
    )
    insert_rows(
        SourceRecord,
        (
            "feed_id",
            "key",
            "first_run_id",
            "last_run_id",
            "row_number",
            "values",
            "values_sha256",
            "status",
            "shielded",
            "created_at",
            "updated_at",
        ),
        [
            (
                run.feed_id,
                "A3",
                run.pk,
                run.pk,
                3,
                JsonText('{"name": "Al"}'),
                "z",
                "review",
                False,
                moment(now),
                moment(now),
            )
        ],
        adapted=True,
    )
    records = {r.key: r for r in SourceRecord.objects.filter(feed_id=run.feed_id)}
    assert {k: r.values for k, r in records.items()} == {
        "A1": {"name": "Zoë"},
        "A2": {"name": "Ava"},
        "A3": {"name": "Al"},
    }
    assert {r.created_at for r in records.values()} == {now}
    assert records["A2"].shielded and not records["A1"].shielded
    assert (
        insert_rows(RejectedRow, ("run_id", "row_number", "line_number", "key", "reason"), []) == 0
    )


def test_a_datetime_is_adapted_as_the_database_stores_it():
    now = dt.datetime(2026, 11, 21, 9, 30, 0, 123456, tzinfo=dt.UTC)
    assert moment(now) == connection.ops.adapt_datetimefield_value(now)


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_postgresql_statistics_are_made_for_tables_never_analysed_and_kept_as_a_run_fills_one():
    table = SourceRecord._meta.db_table
    statistics = PlannerStatistics([SourceRecord, SourceLink])
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [table])
        never = cursor.fetchone()[0] < 0
    assert (table in statistics.keep()) == never
    assert statistics.keep() == []  # analysed now (an empty table's count is known: 0)
    assert statistics.keep({SourceRecord: 10}) == []  # a few rows more: not worth it
    assert statistics.keep({SourceRecord: 5_000}) == [table]  # more than it knows of
    assert statistics.keep() == []


def test_sqlite_needs_no_statistics():
    if connection.vendor == "postgresql":
        pytest.skip("SQLite only")
    assert PlannerStatistics([SourceRecord]).keep({SourceRecord: 1_000_000}) == []
