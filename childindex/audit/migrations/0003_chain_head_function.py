"""PostgreSQL: take the chain lock and read the chain's head in one round trip.

``audit_chain_head(lock_key)`` takes the transaction-scoped advisory lock, then reads the last
event with a fresh snapshot (a VOLATILE function's queries each see what was committed before
them), so an append holds the lock for two short statements and its commit. SQLite needs none.
"""

from django.db import migrations

from childindex.audit.triggers import RunSQLForVendor

FUNCTION = """
CREATE OR REPLACE FUNCTION audit_chain_head(lock_key bigint)
RETURNS TABLE (head_id bigint, head_hash varchar) LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(lock_key);
  RETURN QUERY SELECT e.id, e.hash FROM audit_auditevent e ORDER BY e.id DESC LIMIT 1;
END
$$
"""


def create(vendor):
    return [FUNCTION] if vendor == "postgresql" else []


def drop(vendor):
    return ["DROP FUNCTION IF EXISTS audit_chain_head(bigint)"] if vendor == "postgresql" else []


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_chain_side_table_alerts")]

    operations = [RunSQLForVendor(forwards=create, backwards=drop)]
