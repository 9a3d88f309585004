"""Test support: the append-only triggers versus the test runner's flush.

Transactional tests (``transactional_db``, ``live_server``) empty every table after each test
with ``flush``, which the audit tables' triggers refuse. This pytest plugin (registered in the
root ``conftest.py``) drops the triggers for the flush alone and puts them back at once. It is
test-only: in production nothing may empty the audit trail.
"""

from __future__ import annotations

import contextlib

import pytest

from childindex.audit.triggers import create_statements, drop_statements


@contextlib.contextmanager
def append_only_suspended(connection):
    """Drop the audit triggers, run the block, recreate them (tests and tamper drills only)."""
    vendor = connection.vendor
    with connection.cursor() as cursor:
        for statement in drop_statements(vendor):
            cursor.execute(statement)
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for statement in create_statements(vendor):
                cursor.execute(statement)


@pytest.fixture(scope="session", autouse=True)
def _audit_tables_flushable():
    from django.db.backends.base.operations import BaseDatabaseOperations

    original = BaseDatabaseOperations.execute_sql_flush

    def execute_sql_flush(self, sql_list):
        with append_only_suspended(self.connection):
            return original(self, sql_list)

    BaseDatabaseOperations.execute_sql_flush = execute_sql_flush
    yield
    BaseDatabaseOperations.execute_sql_flush = original
