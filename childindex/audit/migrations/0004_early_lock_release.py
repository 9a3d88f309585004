"""PostgreSQL: an append's transaction commits without waiting for the flush under the lock.

``audit_chain_head(lock_key)`` now also sets ``synchronous_commit`` off for the calling
transaction, so its commit releases the chain lock as soon as the commit record is in the WAL
buffers. ``audit.services`` then waits for the flush after the commit and before anything is
shown (``durability_wait``). Same function, same round trip; SQLite needs none.
"""

from importlib import import_module

from django.db import migrations

from childindex.audit.triggers import RunSQLForVendor

FUNCTION = """
CREATE OR REPLACE FUNCTION audit_chain_head(lock_key bigint)
RETURNS TABLE (head_id bigint, head_hash varchar) LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(lock_key);
  PERFORM set_config('synchronous_commit', 'off', true);
  RETURN QUERY SELECT e.id, e.hash FROM audit_auditevent e ORDER BY e.id DESC LIMIT 1;
END
$$
"""

# The function as migration 0003 made it, for going back.
PREVIOUS = import_module("childindex.audit.migrations.0003_chain_head_function").FUNCTION


def forwards(vendor):
    return [FUNCTION] if vendor == "postgresql" else []


def backwards(vendor):
    return [PREVIOUS] if vendor == "postgresql" else []


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_chain_head_function")]

    operations = [RunSQLForVendor(forwards=forwards, backwards=backwards)]
