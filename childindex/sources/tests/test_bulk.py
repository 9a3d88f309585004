"""The import's database helpers: prepared inserts (COPY on PostgreSQL) and the upkeep of
the planner's table statistics (PostgreSQL and SQLite)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from childindex.reports.counts import DEFAULT_STALE_MONTHS, worklist_children
from childindex.sources.bulk import JsonText, PlannerStatistics, insert_rows, moment
from childindex.sources.models import RejectedRow, SourceLink, SourceRecord
from childindex.sources.tests.factories import ImportRunFactory, SourceRecordFactory

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


@pytest.mark.skipif("connection.vendor != 'sqlite'")
def test_sqlite_statistics_are_made_for_tables_never_analysed_and_kept_as_a_run_fills_one():
    table = SourceRecord._meta.db_table
    statistics = PlannerStatistics([SourceRecord])
    assert statistics.keep() == [table]  # never analysed
    assert statistics.keep() == [table]  # an empty table keeps none: looked at again
    SourceRecordFactory.create_batch(3)
    assert statistics.keep() == [table]  # now it has rows, and statistics of them
    assert statistics.keep() == []
    assert statistics.keep({SourceRecord: 10}) == []  # a few rows more: not worth it
    assert statistics.keep({SourceRecord: 5_000}) == [table]  # more than it knows of
    assert statistics.keep() == []


@pytest.mark.skipif("connection.vendor != 'sqlite'")
def test_after_a_first_import_sqlite_looks_a_childs_records_up_by_the_child(feed_county):
    """Without statistics SQLite looked the stale worklist's source records up by their run
    (every record of the run, for each child): 38 s at 20,000 children, 25 ms with them."""
    born = dt.date(2012, 1, 1)
    feed_county.load(  # enough children that a plan is a choice (a few rows are scanned)
        [
            feed_county.row(
                f"K{n}", given, family, (born + dt.timedelta(days=n)).isoformat(), postcode=""
            )
            for n, (given, family) in enumerate(
                (g, f)
                for g in ("Amelia", "Olivia", "Ruby", "Isla", "Poppy", "Grace", "Freya", "Ivy")
                for f in ("Hart", "Shah", "Khan", "Owen", "Reid", "Cole", "Ford", "Lamb", "Moss")
            )
        ]
    )
    stale = worklist_children(
        feed_county.la.pk, "stale", today=dt.date(2026, 12, 4), months=DEFAULT_STALE_MONTHS
    )
    sql, params = stale.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        plan = " / ".join(row[-1] for row in cursor.fetchall())
    record_lookup = next(step for step in plan.split(" / ") if "SEARCH U0" in step)
    assert "(child_id=?)" in record_lookup, plan
