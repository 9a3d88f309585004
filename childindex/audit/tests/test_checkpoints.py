"""Signed checkpoints: a key pair command, every N events, nothing when nothing is new."""

from __future__ import annotations

import io
import json
import stat

import pytest
from django.core.management import CommandError, call_command

from childindex.audit.checkpoints import CheckpointError, read_checkpoints
from childindex.audit.services import checkpoint_write
from childindex.audit.tests.factories import record_events

pytestmark = pytest.mark.django_db


def test_keygen_writes_a_private_key_only_its_owner_can_read_and_a_public_key(tmp_path):
    out = io.StringIO()
    key = tmp_path / "k" / "signing.pem"
    call_command("audit", "keygen", "--out", str(key), stdout=out)
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert (tmp_path / "k" / "signing.pem.pub").read_text().startswith("-----BEGIN PUBLIC KEY")
    assert "audit signing key" in out.getvalue()


def test_keygen_never_overwrites_a_key(tmp_path):
    key = tmp_path / "signing.pem"
    call_command("audit", "keygen", "--out", str(key), stdout=io.StringIO())
    with pytest.raises(CommandError, match="refusing to overwrite"):
        call_command("audit", "keygen", "--out", str(key), stdout=io.StringIO())


def test_a_checkpoint_signs_the_head_of_the_chain(checkpointing):
    events = record_events(3)
    written = checkpoint_write()
    assert (written.sequence, written.event_id, written.event_hash) == (1, 3, events[-1].hash)
    [path] = checkpointing.glob("*.json")
    assert json.loads(path.read_text())["signature"] == written.signature


def test_no_checkpoint_is_written_when_nothing_is_new(checkpointing):
    record_events(2)
    assert checkpoint_write() is not None
    assert checkpoint_write() is None
    assert len(read_checkpoints(checkpointing)) == 1


def test_a_checkpoint_is_queued_every_n_events(
    checkpointing, settings, django_capture_on_commit_callbacks
):
    settings.AUDIT_CHECKPOINT_EVERY = 4
    for _ in range(9):  # each event its own transaction, as in a web request
        with django_capture_on_commit_callbacks(execute=True):
            record_events(1)
    assert [c.event_id for c in read_checkpoints(checkpointing)] == [4, 8]


def test_without_a_configured_key_a_checkpoint_is_an_error_not_silence(settings):
    settings.AUDIT_CHECKPOINT_DIR = None
    settings.AUDIT_SIGNING_KEY = None
    record_events(1)
    with pytest.raises(CheckpointError, match="not configured"):
        checkpoint_write()


def test_the_demo_makes_its_own_key_on_first_use(settings, tmp_path):
    settings.AUDIT_CHECKPOINT_DIR = tmp_path / "cp"
    settings.AUDIT_SIGNING_KEY = tmp_path / "demo-key.pem"
    settings.AUDIT_SIGNING_KEY_AUTOCREATE = True
    record_events(1)
    assert checkpoint_write().event_id == 1
    assert (tmp_path / "demo-key.pem.pub").exists()


def test_the_checkpoint_command_says_what_it_did(checkpointing):
    record_events(2)
    out = io.StringIO()
    call_command("audit", "checkpoint", stdout=out)
    assert "checkpoint 1: event 2 signed" in out.getvalue()
