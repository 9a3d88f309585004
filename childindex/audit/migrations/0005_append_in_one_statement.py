"""PostgreSQL: an append is one statement under the chain lock.

``audit_append(lock_key, event, canon, children)`` takes the transaction-scoped advisory lock,
reads the head with a fresh snapshot (a VOLATILE function's queries each see what was committed
before them), gives the event its id and previous hash, computes its SHA-256 from the
canonical pieces the writer prepared before the lock (``audit.chain.HashTemplate``), inserts the
event and its child-index rows, and turns ``synchronous_commit`` off for the transaction (early
lock release, as in 0004). The lock is then held for this one statement and the commit, where
before it was held over three round trips (head, insert, commit). SQLite needs none.

The event's other columns come as one JSON object, read into a row of the table by
``jsonb_populate_record``, so the function does not repeat the table's column list.
"""

from importlib import import_module

from django.db import migrations

from childindex.audit.triggers import RunSQLForVendor

FUNCTION = """
CREATE OR REPLACE FUNCTION audit_append(lock_key bigint, event jsonb, canon text[],
                                        children varchar[])
RETURNS TABLE (new_id bigint, new_prev_hash varchar, new_hash varchar)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  head_id bigint;
  head_hash varchar;
BEGIN
  IF array_length(canon, 1) IS DISTINCT FROM 3 THEN
    RAISE EXCEPTION 'audit_append: canon must hold 3 pieces';
  END IF;
  PERFORM pg_advisory_xact_lock(lock_key);
  PERFORM set_config('synchronous_commit', 'off', true);
  SELECT e.id, e.hash INTO head_id, head_hash FROM audit_auditevent e ORDER BY e.id DESC LIMIT 1;
  new_id := coalesce(head_id, 0) + 1;
  new_prev_hash := coalesce(head_hash, repeat('0', 64));
  new_hash := encode(sha256(convert_to(
    canon[1] || new_id::text || canon[2] || new_prev_hash || canon[3], 'UTF8')), 'hex');
  INSERT INTO audit_auditevent
    SELECT * FROM jsonb_populate_record(NULL::audit_auditevent, event || jsonb_build_object(
      'id', new_id, 'prev_hash', new_prev_hash, 'hash', new_hash));
  INSERT INTO audit_auditeventchild (index_number, event_id)
    SELECT number, new_id FROM unnest(children) AS number;
  RETURN NEXT;
END
$$
"""

DROP = "DROP FUNCTION IF EXISTS audit_append(bigint, jsonb, text[], varchar[])"
# audit_chain_head as 0004 left it: nothing calls it now.
PREVIOUS = import_module("childindex.audit.migrations.0004_early_lock_release").FUNCTION


def forwards(vendor):
    if vendor != "postgresql":
        return []
    return [FUNCTION, "DROP FUNCTION IF EXISTS audit_chain_head(bigint)"]


def backwards(vendor):
    return [DROP, PREVIOUS] if vendor == "postgresql" else []


class Migration(migrations.Migration):
    dependencies = [("audit", "0004_early_lock_release")]

    operations = [RunSQLForVendor(forwards=forwards, backwards=backwards)]
