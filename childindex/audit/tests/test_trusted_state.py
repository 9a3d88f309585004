"""Trusted state for the audit trail (issue 15, finding 2): rolling back or emptying the
checkpoint folder, a fresh install's first verify, and checkpoints bound to their trail."""

from __future__ import annotations

import datetime as dt
import io
import json
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from childindex.audit.chain import event_hash
from childindex.audit.models import AuditEvent, AuditEventChild, TrailOrigin
from childindex.audit.services import checkpoint_write, hashed_fields, trail_origin
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


def _rechain_after_an_edit(event_id: int) -> None:
    with append_only_suspended(connection):
        AuditEvent.objects.filter(id=event_id).update(purpose="data_quality")
        previous = AuditEvent.objects.get(id=event_id - 1).hash
        for event in AuditEvent.objects.filter(id__gte=event_id).order_by("id"):
            event.prev_hash = previous
            event.hash = event_hash(hashed_fields(event))
            AuditEvent.objects.filter(id=event.id).update(
                prev_hash=event.prev_hash, hash=event.hash
            )
            previous = event.hash


def _record_events_at(count: int, when: dt.datetime) -> None:
    with mock.patch("childindex.audit.services.timezone.now", return_value=when):
        record_events(count)


def _seven_checkpoints() -> None:
    for _ in range(7):
        record_events(3)
        checkpoint_write()
    verify()


def test_rechained_then_checkpoint_folder_emptied_is_found(checkpointing):
    _seven_checkpoints()
    _rechain_after_an_edit(5)
    for path in checkpointing.glob("*.json"):
        path.unlink()
    message = broken()
    assert "checkpoint 7" in message and "rolled back" in message


def test_rechained_then_the_newest_four_of_seven_checkpoints_deleted_is_found(checkpointing):
    _seven_checkpoints()
    _rechain_after_an_edit(12)
    for path in sorted(checkpointing.glob("*.json"))[3:]:
        path.unlink()
    message = broken()
    assert "checkpoint 7" in message and "rolled back" in message


def test_most_of_the_trail_and_the_newest_checkpoints_deleted_is_found(checkpointing):
    _seven_checkpoints()
    with append_only_suspended(connection):
        AuditEventChild.objects.filter(event_id__gt=5).delete()
        AuditEvent.objects.filter(id__gt=5).delete()
    for path in sorted(checkpointing.glob("*.json"))[1:]:
        path.unlink()
    assert "rolled back" in broken()


def test_a_checkpoint_replaced_with_another_signed_one_is_found_by_the_witness(
    checkpointing, settings
):
    _seven_checkpoints()
    witness = json.loads(settings.AUDIT_WITNESS_FILES[0].read_text())
    assert witness["sequence"] == 7 and witness["event_id"] == 21
    witness["digest"] = "0" * 64
    settings.AUDIT_WITNESS_FILES[0].write_text(json.dumps(witness))
    assert "differs from the one verified" in broken()


def test_a_missing_copy_of_the_witness_is_found(checkpointing, settings, tmp_path):
    settings.AUDIT_WITNESS_FILES = [*settings.AUDIT_WITNESS_FILES, tmp_path / "second" / "w.json"]
    _seven_checkpoints()
    settings.AUDIT_WITNESS_FILES[1].unlink()
    for path in sorted(checkpointing.glob("*.json"))[3:]:
        path.unlink()
    message = broken()  # the first copy still remembers checkpoint 7
    assert "is missing while another copy remembers checkpoint 7" in message
    settings.AUDIT_WITNESS_FILES[0].unlink()
    settings.AUDIT_WITNESS_FILES[1].write_text("{}")
    assert "witness file" in broken() and "cannot be read" in broken()


def test_a_witness_inside_the_checkpoint_folder_is_refused(checkpointing, settings):
    settings.AUDIT_WITNESS_FILES = [checkpointing / "witness.json"]
    record_events(2)
    assert "outside the checkpoint folder" in broken()


def test_events_older_than_the_checkpoint_interval_left_unsigned_fail(checkpointing, settings):
    record_events(3)
    checkpoint_write()
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=3 * settings.AUDIT_CHECKPOINT_MINUTES)
    _record_events_at(2, long_ago)
    message = broken()
    assert "events 4 to 5" in message and "unsigned" in message
    checkpoint_write()
    assert "audit trail whole: 5 events" in verify()


# --- A fresh install ------------------------------------------------------------------------


def test_a_fresh_install_says_no_checkpoint_yet_and_exits_0(settings, tmp_path):
    settings.AUDIT_CHECKPOINT_DIR = tmp_path / "not-made-yet"
    settings.AUDIT_SIGNING_KEY = tmp_path / "no-key.pem"
    settings.AUDIT_PUBLIC_KEYS = [tmp_path / "no-key.pem.pub"]
    settings.AUDIT_WITNESS_FILES = [tmp_path / "witness.json"]
    record_events(3)
    out = verify()
    assert "whole: 3 events, no checkpoint yet; run `childindex audit checkpoint`" in out
    assert "does not exist" not in out


def test_a_fresh_install_with_old_unsigned_events_exits_with_its_own_code(settings, tmp_path):
    settings.AUDIT_CHECKPOINT_DIR = tmp_path / "not-made-yet"
    settings.AUDIT_PUBLIC_KEYS = [tmp_path / "no-key.pem.pub"]
    settings.AUDIT_WITNESS_FILES = [tmp_path / "witness.json"]
    _record_events_at(2, dt.datetime.now(dt.UTC) - dt.timedelta(days=1))
    with pytest.raises(CommandError) as raised:
        verify()
    assert raised.value.returncode == 3
    assert "no checkpoint yet; run `childindex audit checkpoint`" in str(raised.value)


# --- Checkpoints name their trail -----------------------------------------------------------


def test_a_checkpoint_names_its_trail_in_an_origin_line(checkpointing):
    record_events(2)
    written = checkpoint_write()
    origin = trail_origin()
    assert written.origin == f"childindex audit trail {origin}"
    assert len(origin) == 32
    [path] = checkpointing.glob("*.json")
    assert json.loads(path.read_text())["origin"] == written.origin


def test_the_trail_id_is_made_once_and_kept(db):
    assert trail_origin() == trail_origin() == TrailOrigin.objects.get().trail_id


def test_checkpoints_of_another_trail_are_refused_with_that_reason(checkpointing):
    record_events(17)
    checkpoint_write()
    TrailOrigin.objects.all().delete()
    TrailOrigin.objects.create(trail_id="f" * 32, created_at=dt.datetime.now(dt.UTC))
    message = broken()
    assert "another audit trail" in message
    assert "truncated" not in message
