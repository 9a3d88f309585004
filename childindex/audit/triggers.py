"""Database triggers that make the audit tables append-only, on SQLite and PostgreSQL.

The database itself refuses UPDATE and DELETE on the audit events, their child index, alerts
and alert reviews (and, on PostgreSQL, TRUNCATE), whatever code runs. Someone with the rights
to drop a trigger can still alter the table: that is what the hash chain and the signed
checkpoints catch. In production, also grant the application's database role only SELECT
and INSERT on these tables (docs/operations.md).

Migration ``audit.0002`` creates the triggers with ``RunSQLForVendor``. The statements are
frozen here; a later change needs a new migration with new statements.
"""

from __future__ import annotations

from django.db import migrations, router

APPEND_ONLY_TABLES = (
    "audit_auditevent",
    "audit_auditeventchild",
    "audit_alert",
    "audit_alertreview",
)

_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the audit trail is append-only: % on % refused', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege';
END
$$
"""


def create_statements(vendor: str) -> list[str]:
    if vendor == "postgresql":
        statements = [_PG_FUNCTION]
        for table in APPEND_ONLY_TABLES:
            statements += [
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()",
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()",
            ]
        return statements
    if vendor == "sqlite":
        statements = []
        for table in APPEND_ONLY_TABLES:
            for operation in ("UPDATE", "DELETE"):
                statements.append(
                    f"CREATE TRIGGER {table}_no_{operation.lower()} BEFORE {operation} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only: {operation} on "
                    f"{table} refused'); END"
                )
        return statements
    raise NotImplementedError(f"no append-only triggers for the {vendor} database")


def drop_statements(vendor: str) -> list[str]:
    if vendor == "postgresql":
        statements = []
        for table in APPEND_ONLY_TABLES:
            statements += [
                f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}",
                f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}",
            ]
        return [*statements, "DROP FUNCTION IF EXISTS audit_refuse_change()"]
    if vendor == "sqlite":
        return [
            f"DROP TRIGGER IF EXISTS {table}_no_{operation}"
            for table in APPEND_ONLY_TABLES
            for operation in ("update", "delete")
        ]
    raise NotImplementedError(f"no append-only triggers for the {vendor} database")


class RunSQLForVendor(migrations.RunSQL):
    """RunSQL whose statements depend on the database vendor (SQLite or PostgreSQL)."""

    def __init__(self, forwards, backwards) -> None:
        self.forwards = forwards
        self.backwards = backwards
        super().__init__(sql=migrations.RunSQL.noop, reverse_sql=migrations.RunSQL.noop)

    def deconstruct(self):
        return (
            self.__class__.__qualname__,
            [],
            {"forwards": self.forwards, "backwards": self.backwards},
        )

    def database_forwards(self, app_label, schema_editor, from_state, to_state) -> None:
        if router.allow_migrate(schema_editor.connection.alias, app_label, **self.hints):
            self._run_sql(schema_editor, self.forwards(schema_editor.connection.vendor))  # type: ignore[attr-defined]  # RunSQL's runner

    def database_backwards(self, app_label, schema_editor, from_state, to_state) -> None:
        if router.allow_migrate(schema_editor.connection.alias, app_label, **self.hints):
            self._run_sql(schema_editor, self.backwards(schema_editor.connection.vendor))  # type: ignore[attr-defined]  # RunSQL's runner

    def describe(self) -> str:
        return "Make the audit tables append-only (triggers refusing UPDATE and DELETE)"
