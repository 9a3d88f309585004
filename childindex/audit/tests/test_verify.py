"""`childindex audit verify` finds every kind of tampering and names the first broken event."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from childindex.audit.chain import event_hash
from childindex.audit.models import AuditEvent, AuditEventChild
from childindex.audit.services import checkpoint_write, hashed_fields
from childindex.audit.testing import append_only_suspended
from childindex.audit.tests.factories import record_events

pytestmark = pytest.mark.django_db


def verify(*args: str) -> str:
    out = io.StringIO()
    call_command("audit", "verify", *args, stdout=out)
    return out.getvalue()


def broken(*args: str) -> str:
    with pytest.raises(CommandError) as raised:
        verify(*args)
    return str(raised.value)


@pytest.fixture
def trail(checkpointing):
    """Ten events, checkpointed at event 10."""
    events = record_events(10)
    checkpoint_write()
    return events


def test_a_whole_trail_verifies(trail):
    assert "audit trail whole: 10 events (last 10), 1 signed checkpoints" in verify()


def test_an_empty_trail_verifies(checkpointing):
    checkpointing.mkdir()
    assert "audit trail whole: 0 events" in verify()


def test_an_edited_field_is_found_and_the_event_named(trail):
    with append_only_suspended(connection):
        AuditEvent.objects.filter(id=5).update(purpose="data_quality")
    message = broken()
    assert message.startswith("audit trail broken at event 5:")
    assert "edited" in message


def test_an_edited_list_of_children_is_found(trail):
    with append_only_suspended(connection):
        AuditEvent.objects.filter(id=4).update(children=[])
        AuditEventChild.objects.filter(event_id=4).delete()
    assert broken().startswith("audit trail broken at event 4:")


def test_an_event_deleted_from_the_middle_is_named(trail):
    with append_only_suspended(connection):
        AuditEventChild.objects.filter(event_id=6).delete()
        AuditEvent.objects.filter(id=6).delete()
    message = broken()
    assert message.startswith("audit trail broken at event 6: event 6 is missing")


def test_a_truncated_tail_is_found_by_the_checkpoint(trail):
    with append_only_suspended(connection):
        AuditEventChild.objects.filter(event_id__gte=8).delete()
        AuditEvent.objects.filter(id__gte=8).delete()
    message = broken()
    assert message.startswith("audit trail broken at event 8: events 8 to 10 are missing")
    assert "truncated" in message


def _recompute_chain_from(first_id: int) -> None:
    previous = AuditEvent.objects.get(id=first_id - 1).hash
    for event in AuditEvent.objects.filter(id__gte=first_id).order_by("id"):
        event.prev_hash = previous
        event.hash = event_hash(hashed_fields(event))
        AuditEvent.objects.filter(id=event.id).update(prev_hash=event.prev_hash, hash=event.hash)
        previous = event.hash


def test_a_whole_chain_recomputed_after_an_edit_is_caught_by_the_signed_checkpoint(trail):
    with append_only_suspended(connection):
        AuditEvent.objects.filter(id=3).update(purpose="data_quality")
        _recompute_chain_from(3)
    assert verify("--no-checkpoints").startswith("note: no checkpoints checked")  # chain fits
    message = broken()
    assert message.startswith("audit trail broken at event 10:")
    assert "checkpoint 1" in message and "rewritten" in message


def test_an_edit_rehashed_in_one_event_only_is_named(trail):
    with append_only_suspended(connection):
        event = AuditEvent.objects.get(id=7)
        event.purpose = "data_quality"
        AuditEvent.objects.filter(id=7).update(
            purpose="data_quality", hash=event_hash(hashed_fields(event))
        )
    assert broken().startswith("audit trail broken at event 7:")


def test_a_child_removed_from_the_who_accessed_index_is_found(trail):
    with append_only_suspended(connection):
        AuditEventChild.objects.filter(event_id=2).delete()
    message = broken()
    assert message.startswith("audit trail broken at event 2:")
    assert "child index" in message


def test_a_forged_checkpoint_is_found(trail, checkpointing):
    [path] = checkpointing.glob("*.json")
    fields = json.loads(path.read_text())
    fields["event_hash"] = "0" * 64
    path.write_text(json.dumps(fields))
    assert "invalid signature" in broken()


def test_a_checkpoint_removed_from_the_middle_is_found(trail, checkpointing):
    record_events(5)
    checkpoint_write()
    record_events(5)
    checkpoint_write()
    first, second, third = sorted(checkpointing.glob("*.json"))
    second.unlink()
    assert "checkpoint 2 is missing" in broken()


def test_checkpoints_signed_with_another_key_are_not_trusted(trail, checkpointing, tmp_path):
    from childindex.audit.checkpoints import generate_key_pair

    other = tmp_path / "other.pem"
    generate_key_pair(other)
    assert "no public key with id" in broken("--public-key", str(other) + ".pub")


def test_new_events_after_the_last_checkpoint_are_reported_as_not_yet_covered(trail):
    record_events(2)
    assert "events 11 to 12 are not yet covered by a signed checkpoint" in verify()


def test_verify_needs_a_checkpoint_folder_unless_told_to_check_the_chain_alone(settings):
    settings.AUDIT_CHECKPOINT_DIR = None
    record_events(2)
    assert "no checkpoint folder" in broken()
    assert "audit trail whole: 2 events" in verify("--no-checkpoints")


def test_a_missing_checkpoint_folder_after_a_checkpoint_is_an_error(trail, checkpointing):
    for path in checkpointing.iterdir():
        path.unlink()
    checkpointing.rmdir()
    assert "rolled back" in broken()  # the witness remembers checkpoint 1


def test_verify_reads_in_small_chunks_just_the_same(trail):
    assert "audit trail whole: 10 events" in verify("--chunk-size", "3")
