"""PostgreSQL: the chain lock is released before the commit's flush; the caller waits for it.

An append commits with ``synchronous_commit`` off, so the advisory lock is released as soon as
the commit record is in the WAL buffers, not after the disk flush; the next writer can append
meanwhile. Before anything is shown, the writer then waits until the WAL is flushed past its
commit (``durability_wait``): a later synchronous commit flushes everything before it. WAL is
flushed in order, so an event is never durable before the one it chains on.
"""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext

from childindex.audit.models import AuditEvent
from childindex.audit.services import audit_record, checkpoint_write

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite commits are synchronous and serialised by its write lock")


def setting(name: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SHOW {name}")  # noqa: S608 - the names below are constants
        return cursor.fetchone()[0]


def wal_flushed_past(lsn: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_flush_lsn() >= %s::pg_lsn", [lsn])
        return cursor.fetchone()[0]


def test_an_append_commits_without_waiting_for_the_flush_under_the_lock():
    with transaction.atomic():
        assert setting("synchronous_commit") == "on"
        audit_record(actor=None, action="record_view", actor_label="x")
        assert setting("synchronous_commit") == "off"  # for this transaction only
    assert setting("synchronous_commit") == "on"


def test_the_writer_waits_for_the_flush_after_commit_before_returning():
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        audit_record(actor=None, action="record_view", actor_label="x", children=["1"])
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_current_wal_insert_lsn()::text")
            before_commit = cursor.fetchone()[0]
        in_transaction = len(queries.captured_queries)
    statements = [q["sql"] for q in queries.captured_queries]
    waits = [i for i, sql in enumerate(statements) if "pg_logical_emit_message" in sql]
    assert waits and waits[0] >= in_transaction, statements  # after the commit
    assert wal_flushed_past(before_commit)


def test_an_append_outside_a_transaction_is_its_own_transaction_and_also_waits():
    with CaptureQueriesContext(connection) as queries:
        audit_record(actor=None, action="sign_in_failed", actor_label="x", children=["1"])
    statements = [q["sql"] for q in queries.captured_queries]
    # One statement, committed on its own (autocommit, no BEGIN or COMMIT round trips), then
    # the wait for the flush.
    assert len(statements) == 2, statements
    assert "audit_append" in statements[0]
    assert "pg_logical_emit_message" in statements[1]
    assert AuditEvent.objects.count() == 1
    assert setting("synchronous_commit") == "on"  # the append's setting ended with it


def test_if_the_wait_fails_the_caller_fails_and_is_shown_nothing(monkeypatch):
    monkeypatch.setattr(
        "childindex.audit.services._DURABILITY_WAIT", "SELECT no_such_function_childindex()"
    )
    shown = []
    with pytest.raises(DatabaseError):
        with transaction.atomic():
            audit_record(actor=None, action="record_view", actor_label="x")
        shown.append("the record")  # what a view would do next
    assert shown == []


def test_a_checkpoint_signs_only_a_head_that_is_durable(checkpointing):
    audit_record(actor=None, action="record_view", actor_label="x")
    with CaptureQueriesContext(connection) as queries:
        checkpoint = checkpoint_write()
    assert checkpoint is not None
    statements = [q["sql"] for q in queries.captured_queries]
    head = next(i for i, sql in enumerate(statements) if "audit_auditevent" in sql)
    assert any("pg_logical_emit_message" in sql for sql in statements[head + 1 :]), statements
