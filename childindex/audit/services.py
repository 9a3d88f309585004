"""Writing the audit trail. Every service and selector that touches a child calls ``audit_record``.

The rules (§4 of the design):

- An event is written in the same transaction as the change it records, and before a read
  returns data. If the write fails the caller's transaction fails with it: nothing is shown or
  changed without its audit event.
- Events form one hash chain. Appends are serialised: on PostgreSQL by a transaction-scoped
  advisory lock (released at commit or rollback, so a killed process leaves no partial event
  and no stuck lock); on SQLite by the database's write lock, which every transaction takes at
  BEGIN (``transaction_mode`` IMMEDIATE in the settings). Call ``audit_record`` last in a
  service's transaction: the chain is locked from then until the commit.
- Early lock release (PostgreSQL): the appending transaction commits with
  ``synchronous_commit`` off, so the lock is released once the commit record is in the WAL
  buffers instead of after the disk flush, and the next append need not wait for this one's
  flush. Then, before the caller can show anything, ``durability_wait`` makes a synchronous
  commit of its own, which flushes the WAL up to it and so past this transaction's commit.
  WAL is flushed in order, so an event can never be durable while one it chains on is not;
  a crash before the flush loses the transaction whole (its change and its event together)
  and nobody was shown it. If the wait fails, the caller gets the error, not the data.
- Every ``AUDIT_CHECKPOINT_EVERY`` events a signed checkpoint is queued (and the periodic
  monitor writes one every ``AUDIT_CHECKPOINT_MINUTES`` when there are new events).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import json
import logging
import secrets
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from childindex.audit import checkpoints, context, witness
from childindex.audit.chain import (
    GENESIS,
    HashTemplate,
    SharedTemplate,
    hash_template,
    plain,
)
from childindex.audit.models import (
    Action,
    AuditEvent,
    EventOutcome,
    TrailOrigin,
)
from childindex.audit.signals import policy_alert_recorded
from childindex.core import routers

logger = logging.getLogger(__name__)

# pg_advisory_xact_lock key for appends to the chain: "childidx" as a 64-bit integer.
CHAIN_LOCK_KEY = int.from_bytes(b"childidx", "big") & 0x7FFF_FFFF_FFFF_FFFF


def _read_head_sqlite() -> tuple[int, str]:
    """The head (id, hash) the new event follows. The transaction already holds SQLite's write
    lock (BEGIN IMMEDIATE), which serialises appends."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, hash FROM audit_auditevent ORDER BY id DESC LIMIT 1")
        row = cursor.fetchone()
    return (0, GENESIS) if row is None else (int(row[0]), row[1])


_COLUMNS = (
    "id", "at", "actor_id", "actor_label", "actor_role", "actor_organisation_id",
    "actor_local_authority_id", "action", "outcome", "purpose", "ip_address", "request_id",
    "children", "criteria", "shown", "detail", "prev_hash", "hash",
)  # fmt: skip
_CHAIN_COLUMNS = frozenset({"id", "prev_hash", "hash"})  # filled in under the lock
_JSON_COLUMNS = frozenset({"children", "criteria", "shown", "detail"})
_INSERT_SQLITE = (  # column names are the constants above: nothing here comes from outside
    f"INSERT INTO audit_auditevent ({', '.join(_COLUMNS)}) "  # noqa: S608
    f"VALUES ({', '.join('%s' for _ in _COLUMNS)})"
)
# PostgreSQL: one statement, one round trip under the lock (migration audit.0005).
_APPEND_POSTGRESQL = (
    "SELECT new_id, new_prev_hash, new_hash "
    "FROM audit_append(%s, %s::jsonb, %s::text[], %s::varchar[])"
)


# A synchronous commit that writes WAL (a transactional logical-decoding message, which any
# role may emit and nothing stores), so committing it flushes the WAL up to this point.
_DURABILITY_WAIT = "SELECT pg_logical_emit_message(true, 'childindex-audit', '')"


def durability_wait() -> None:
    """Return once everything this connection has committed is flushed to disk (PostgreSQL).

    Runs after the commit (``transaction.on_commit``, not robust: a failure reaches the caller,
    who then shows nothing), in autocommit, so the statement is its own synchronous commit: one
    round trip. Concurrent waits share flushes (group commit)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(_DURABILITY_WAIT)


def _append(event: AuditEvent, template: HashTemplate) -> None:
    """Chain the event onto the head and insert it with its child-index rows.

    PostgreSQL: one round trip to ``audit_append`` (migration audit.0005), which takes the
    transaction-scoped advisory lock, reads the head with a fresh snapshot, sets the event's id
    and previous hash, computes its hash from ``template`` in SQL, inserts the event
    and its child rows, and turns ``synchronous_commit`` off for this transaction (early lock
    release). The lock is held from that statement to the commit. SQLite: the same steps in
    Python under the database's write lock.
    """
    if connection.vendor == "postgresql":
        row = {c: plain(getattr(event, c)) for c in _COLUMNS if c not in _CHAIN_COLUMNS}
        with connection.cursor() as cursor:
            cursor.execute(
                _APPEND_POSTGRESQL,
                [CHAIN_LOCK_KEY, json.dumps(row), list(template.pieces), event.children],
            )
            event.id, event.prev_hash, event.hash = cursor.fetchone()
        return
    head_id, event.prev_hash = _read_head_sqlite()
    event.id = head_id + 1
    event.hash = template.digest(event_id=event.id, prev_hash=event.prev_hash)
    fields = {f.attname: f for f in AuditEvent._meta.concrete_fields}
    values = [
        json.dumps(getattr(event, column))
        if column in _JSON_COLUMNS
        else fields[column].get_db_prep_save(getattr(event, column), connection)
        for column in _COLUMNS
    ]
    with connection.cursor() as cursor:
        cursor.execute(_INSERT_SQLITE, values)
        if event.children:
            cursor.executemany(
                "INSERT INTO audit_auditeventchild (index_number, event_id) VALUES (%s, %s)",
                [(number, event.id) for number in event.children],
            )


def hashed_fields(event: AuditEvent) -> dict[str, Any]:
    """The fields an event's hash covers, as ``audit.chain`` expects them."""
    return {
        "id": event.id,
        "at": event.at,
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "actor_role": event.actor_role,
        "actor_organisation_id": event.actor_organisation_id,
        "actor_local_authority_id": event.actor_local_authority_id,
        "action": event.action,
        "outcome": event.outcome,
        "purpose": event.purpose,
        "ip_address": event.ip_address,
        "request_id": event.request_id,
        "children": event.children,
        "criteria": event.criteria,
        "shown": event.shown,
        "detail": event.detail,
        "prev_hash": event.prev_hash,
    }


def _ip(address: str | None) -> str | None:
    """The address as the database gives it back (IPv6 compressed, IPv4-mapped as a.b.c.d)."""
    if not address:
        return None
    try:
        ipaddress.ip_address(address)
        return AuditEvent._meta.get_field("ip_address").to_python(address)
    except (ValueError, ValidationError):
        return None


def index_numbers(children: Iterable[Any]) -> list[str]:
    """Index numbers as stored: digits only, each once, in the order given."""
    numbers = (_digits(str(child)) for child in children)
    return list(dict.fromkeys(n for n in numbers if n))


def _digits(text: str) -> str:
    # An index number as stored is already digits (ASCII): kept as it is, not rebuilt.
    if text.isascii() and text.isdigit():
        return text
    return "".join(ch for ch in text if ch.isdigit())


_ACTIONS = frozenset(Action.values)  # built once: ``Action.values`` makes a new list each time


class UnknownAction(ValueError):
    """An action that is not a member of ``Action`` (the trail's closed list)."""


def audit_record(
    *,
    actor: Any | None,
    action: str,
    children: Iterable[str] = (),
    outcome: str = EventOutcome.ALLOWED,
    purpose: str = "",
    detail: dict[str, Any] | None = None,
    ip_address: str | None = None,
    request_id: str = "",
    actor_label: str = "",
    criteria: dict[str, Any] | None = None,
    shown: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one audit event to the chain and return it.

    ``children`` are index numbers, never names; for a search they are the children returned,
    and ``criteria`` the search as entered. ``shown`` says which shielded, sensitive or hidden
    items the user was shown (for example ``{"shielded": true, "hidden_involvements": 2}``).
    The request's id and client address are taken from the current request when not given.
    The actor's role, organisation and LA are copied onto the event as they are now.
    """
    if action not in _ACTIONS:
        raise UnknownAction(
            f"{action!r} is not an audit action: add it to childindex.audit.models.Action"
        )
    request = context.current()
    authenticated = actor is not None and getattr(actor, "pk", None) is not None
    label = actor_label or (getattr(actor, "username", "") if authenticated else "") or "system"
    children = index_numbers(children)
    event = AuditEvent(
        at=timezone.now(),  # when it happened; the chain's order is the ids'
        actor=actor if authenticated else None,
        actor_label=label[:150],
        actor_role=getattr(actor, "role", "") if authenticated else "",
        actor_organisation_id=getattr(actor, "organisation_id", None) if authenticated else None,
        actor_local_authority_id=(
            getattr(actor, "local_authority_id", None) if authenticated else None
        ),
        action=action,
        outcome=outcome,
        purpose=purpose or "",
        ip_address=_ip(ip_address or request.ip_address),
        request_id=request_id or request.request_id,
        children=children,
        criteria=plain(criteria or {}),
        shown=plain(shown or {}),
        detail=plain(detail or {}),
    )
    template = hash_template(hashed_fields(event))
    # Everything above is prepared outside the lock; the lock is held from here to commit. On
    # PostgreSQL the append is one statement, so outside a transaction it is its own (autocommit:
    # no BEGIN and COMMIT round trips); SQLite's append is several.
    one_statement = connection.vendor == "postgresql" and not connection.in_atomic_block
    with contextlib.nullcontext() if one_statement else transaction.atomic(savepoint=False):
        _append(event, template)
    routers.note_effect()  # a selector on a replica that fails now must not run again
    event._state.adding = False
    context.event_written()
    # After the commit: at once when there is no transaction any more, else when the caller's
    # transaction commits (never, if it rolls back).
    if connection.vendor == "postgresql":
        transaction.on_commit(durability_wait)  # before the caller shows anything
    every = settings.AUDIT_CHECKPOINT_EVERY
    if every and event.id % every == 0 and settings.AUDIT_CHECKPOINT_DIR is not None:
        transaction.on_commit(_queue_checkpoint, robust=True)
    if action == Action.ALERT and authenticated:
        # The access policy's alerts (shield override, break-glass) reach auditors at once:
        # monitoring, above the trail, listens (``audit.signals``) and queues its job.
        transaction.on_commit(_policy_alert_recorded, robust=True)
    return event


def audit_record_many(
    *,
    actor: Any | None,
    action: str,
    entries: Iterable[tuple[Iterable[str], dict[str, Any]]],
    actor_label: str = "",
    outcome: str = EventOutcome.ALLOWED,
    purpose: str = "",
) -> int:
    """Append one audit event per entry (its children and detail) to the chain, as one batch.

    The same events, field for field, as calling ``audit_record`` once per entry with the same
    actor, action, outcome and purpose (each with its own moment, id and place in the chain);
    only the writing differs, so a bulk writer (a feed import's chunk) does not pay for the
    chain a statement at a time. Everything but the ids and previous hashes is prepared before
    the chain lock; under it, one head read, the hashes chained in Python (as
    ``audit.chain.HashTemplate.digest``, the same SHA-256 ``audit_append`` computes in SQL) and
    one multi-row insert each for the events and their child-index rows. On PostgreSQL the lock
    is the same transaction-scoped advisory lock ``audit_append`` takes, taken in its own
    statement so that the head read after it sees every append committed before (READ
    COMMITTED), with the same early lock release. Returns the number of events written."""
    if action not in _ACTIONS:
        raise UnknownAction(
            f"{action!r} is not an audit action: add it to childindex.audit.models.Action"
        )
    request = context.current()
    authenticated = actor is not None and getattr(actor, "pk", None) is not None
    label = actor_label or (getattr(actor, "username", "") if authenticated else "") or "system"
    shared: dict[str, Any] = {
        "actor_id": getattr(actor, "pk", None) if authenticated else None,
        "actor_label": label[:150],
        "actor_role": getattr(actor, "role", "") if authenticated else "",
        "actor_organisation_id": (
            getattr(actor, "organisation_id", None) if authenticated else None
        ),
        "actor_local_authority_id": (
            getattr(actor, "local_authority_id", None) if authenticated else None
        ),
        "action": action,
        "outcome": outcome,
        "purpose": purpose or "",
        "ip_address": _ip(request.ip_address),
        "request_id": request.request_id,
        "criteria": {},
        "shown": {},
    }
    # The shared fields' canonical JSON once; each event adds its moment, children and detail.
    templates = SharedTemplate(shared)
    prepared: list[tuple[dt.datetime, list[str], dict[str, Any], HashTemplate]] = []
    for children, detail in entries:
        at = timezone.now()
        numbers = index_numbers(children)
        detail = plain(detail or {})
        prepared.append((at, numbers, detail, templates.template(at, numbers, detail)))
    if not prepared:
        return 0
    with transaction.atomic(savepoint=False):
        first_id = _append_many(shared, prepared)
    last_id = first_id + len(prepared) - 1
    for _ in prepared:
        routers.note_effect()
        context.event_written()
    if connection.vendor == "postgresql":
        transaction.on_commit(durability_wait)
    every = settings.AUDIT_CHECKPOINT_EVERY
    if every and last_id // every > (first_id - 1) // every and settings.AUDIT_CHECKPOINT_DIR:
        transaction.on_commit(_queue_checkpoint, robust=True)
    if action == Action.ALERT and authenticated:
        transaction.on_commit(_policy_alert_recorded, robust=True)
    return len(prepared)


_LOCK_POSTGRESQL = "SELECT pg_advisory_xact_lock(%s), set_config('synchronous_commit', 'off', true)"
_COPY_EVENTS = f"COPY audit_auditevent ({', '.join(_COLUMNS)}) FROM STDIN"
_COPY_CHILDREN = "COPY audit_auditeventchild (index_number, event_id) FROM STDIN"


def _append_many(
    shared: dict[str, Any],
    prepared: list[tuple[dt.datetime, list[str], dict[str, Any], HashTemplate]],
) -> int:
    """Chain and insert a batch under the chain lock; returns the first event's id."""
    postgresql = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        if postgresql:
            cursor.execute(_LOCK_POSTGRESQL, [CHAIN_LOCK_KEY])
            cursor.execute("SELECT id, hash FROM audit_auditevent ORDER BY id DESC LIMIT 1")
            row = cursor.fetchone()
            head_id, prev_hash = (0, GENESIS) if row is None else (int(row[0]), row[1])
        else:
            head_id, prev_hash = _read_head_sqlite()
        adapt = connection.ops.adapt_datetimefield_value
        criteria, shown = json.dumps(shared["criteria"]), json.dumps(shared["shown"])
        before = tuple(shared[c] for c in _COLUMNS[2:12])  # actor_id ... request_id
        events: list[tuple[Any, ...]] = []
        children: list[tuple[str, int]] = []
        event_id = head_id
        for at, numbers, detail, template in prepared:
            event_id += 1
            event_hash = template.digest(event_id=event_id, prev_hash=prev_hash)
            events.append(
                (event_id, at if postgresql else adapt(at), *before, json.dumps(numbers),
                 criteria, shown, json.dumps(detail), prev_hash, event_hash)
            )  # fmt: skip
            children.extend((number, event_id) for number in numbers)
            prev_hash = event_hash
        if postgresql:
            raw = cursor.cursor
            with raw.copy(_COPY_EVENTS) as stream:
                for values in events:
                    stream.write_row(values)
            if children:
                with raw.copy(_COPY_CHILDREN) as stream:
                    for values in children:
                        stream.write_row(values)
        else:
            cursor.executemany(_INSERT_SQLITE, events)
            if children:
                cursor.executemany(
                    "INSERT INTO audit_auditeventchild (index_number, event_id) VALUES (%s, %s)",
                    children,
                )
    return head_id + 1


def _queue_checkpoint() -> None:
    from childindex.audit.tasks import audit_checkpoint

    audit_checkpoint.enqueue()


def _policy_alert_recorded() -> None:
    policy_alert_recorded.send(sender=audit_record)


# --- Checkpoints ------------------------------------------------------------------------------


def _signing_key() -> checkpoints.Ed25519PrivateKey | None:
    path = settings.AUDIT_SIGNING_KEY
    if path is None:
        return None
    path = Path(path)
    if not path.exists() and settings.AUDIT_SIGNING_KEY_AUTOCREATE:
        checkpoints.generate_key_pair(path)
        logger.warning("Created an audit signing key for the demo at %s", path)
    return checkpoints.load_signing_key(path)


def trail_origin() -> str:
    """This trail's id (made by migration ``audit.0008``). A database that has lost it (a test
    database emptied by ``flush``) gets a new one, and its old checkpoints are then refused as
    another trail's, which is the truth about them."""
    origin = TrailOrigin.objects.values_list("trail_id", flat=True).first()
    if origin is None:
        origin = TrailOrigin.objects.create(
            trail_id=secrets.token_hex(16), created_at=timezone.now()
        ).trail_id
    return origin


def checkpoint_write(*, now: dt.datetime | None = None) -> checkpoints.Checkpoint | None:
    """Sign the chain's head into the checkpoint folder (nothing if it is already covered).

    Raises ``CheckpointError`` when the folder or key is not configured or unusable: a
    production trail without checkpoints is not tamper-evident, so this must be loud. The
    witness files (``AUDIT_WITNESS_FILES``) move forward to the checkpoint written.
    """
    directory = settings.AUDIT_CHECKPOINT_DIR
    key = _signing_key()
    if directory is None or key is None:
        raise checkpoints.CheckpointError(
            "audit checkpoints are not configured: set CHILDINDEX_AUDIT_CHECKPOINT_DIR and "
            "CHILDINDEX_AUDIT_SIGNING_KEY (make a key with `childindex audit keygen`)"
        )
    head = AuditEvent.objects.order_by("-id").values_list("id", "hash").first()
    if head is None:
        return None
    durability_wait()  # never sign an event a crash could still take back
    now = now or timezone.now()
    written = checkpoints.write_checkpoint(
        Path(directory),
        key,
        origin=checkpoints.origin_line(trail_origin()),
        event_id=head[0],
        event_hash=head[1],
        now=now,
    )
    if written is not None:
        witness_paths = list(settings.AUDIT_WITNESS_FILES)
        witness.witness_paths_check(witness_paths, Path(directory))
        witness.witness_advance(witness_paths, written, now=now)
    return written
