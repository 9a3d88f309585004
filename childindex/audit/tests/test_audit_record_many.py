"""audit_record_many: a batch of events, each the event audit_record would write, in one chain."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from childindex.access.tests.factories import UserFactory
from childindex.audit.chain import GENESIS, event_hash
from childindex.audit.models import AuditEvent, AuditEventChild
from childindex.audit.services import (
    UnknownAction,
    audit_record,
    audit_record_many,
    hashed_fields,
)
from childindex.audit.testing import append_only_suspended

pytestmark = pytest.mark.django_db

ENTRIES = [
    (["12345678901"], {"feed": "gp", "run": 1, "key": "a", "row": 1, "changes": ["x"]}),
    (["123 4567 8902", "12345678902"], {"feed": "gp", "row": 2, "weight": 12.5}),
    ([], {"feed": "gp", "row": 3, "changes": []}),
]

# What differs between two events of the same content: their moment and place in the chain.
_PLACE = {"id", "at", "prev_hash", "hash"}


def _content(event: AuditEvent) -> dict:
    return {k: v for k, v in hashed_fields(event).items() if k not in _PLACE}


def test_a_batch_writes_one_event_per_entry_each_as_audit_record_would():
    user = UserFactory(with_practitioner=True)
    singles = [
        audit_record(actor=user, action="feed_record_applied", children=c, detail=d, purpose="p")
        for c, d in ENTRIES
    ]
    assert audit_record_many(
        actor=user, action="feed_record_applied", entries=ENTRIES, purpose="p"
    ) == len(ENTRIES)
    batch = list(AuditEvent.objects.filter(id__gt=singles[-1].id).order_by("id"))
    assert len(batch) == len(ENTRIES)
    for single, batched in zip(singles, batch, strict=True):
        single.refresh_from_db()
        assert _content(batched) == _content(single)
    assert batch[1].children == ["12345678902"]
    assert sorted(
        AuditEventChild.objects.filter(event__in=batch).values_list("index_number", "event_id")
    ) == [("12345678901", batch[0].id), ("12345678902", batch[1].id)]


def test_batched_events_continue_the_chain_and_the_chain_continues_after_them():
    first = audit_record(actor=None, action="sign_in_failed", actor_label="nobody")
    audit_record_many(
        actor=None, action="feed_record_applied", actor_label="import", entries=ENTRIES
    )
    last = audit_record(actor=None, action="sign_in_failed", actor_label="nobody")
    events = list(AuditEvent.objects.order_by("id"))
    assert [e.id for e in events] == [1, 2, 3, 4, 5] and last.id == 5 and first.id == 1
    previous = GENESIS
    for event in events:  # what the database gives back hashes to what was stored
        assert event.prev_hash == previous
        assert event_hash(hashed_fields(event)) == event.hash
        previous = event.hash


def verify() -> str:
    out = io.StringIO()
    call_command("audit", "verify", "--no-checkpoints", stdout=out)
    return out.getvalue()


def test_a_trail_with_batches_verifies_and_an_edited_batched_event_is_named():
    audit_record(actor=None, action="sign_in_failed", actor_label="nobody")
    audit_record_many(actor=None, action="feed_record_applied", actor_label="i", entries=ENTRIES)
    audit_record_many(actor=None, action="feed_record_applied", actor_label="i", entries=ENTRIES)
    assert "audit trail whole: 7 events" in verify()
    with append_only_suspended(connection):
        AuditEvent.objects.filter(id=6).update(detail={"feed": "gp", "row": 99})
    with pytest.raises(CommandError) as raised:
        verify()
    assert str(raised.value).startswith("audit trail broken at event 6:")


def test_a_batch_rolled_back_with_its_transaction_leaves_no_event_and_no_gap():
    with pytest.raises(RuntimeError), transaction.atomic():
        audit_record_many(actor=None, action="feed_record_applied", entries=ENTRIES)
        raise RuntimeError("the chunk failed")
    assert not AuditEvent.objects.exists() and not AuditEventChild.objects.exists()
    assert audit_record(actor=None, action="sign_in_failed", actor_label="x").id == 1


def test_a_batch_with_an_unknown_action_writes_nothing():
    with pytest.raises(UnknownAction):
        audit_record_many(actor=None, action="feed_record_aplied", entries=ENTRIES)
    assert not AuditEvent.objects.exists()


def test_an_empty_batch_writes_nothing():
    assert audit_record_many(actor=None, action="feed_record_applied", entries=[]) == 0
    assert not AuditEvent.objects.exists()
