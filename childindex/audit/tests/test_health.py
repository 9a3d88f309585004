"""Readiness of the audit trail: an append works (and leaves nothing), checkpoints keep up, and a
checkpoint folder that cannot be written (a full disk) is reported and told to the operator."""

from __future__ import annotations

import datetime as dt
import logging
import os

import pytest
from django.core import mail
from django.db import OperationalError, connection
from django.utils import timezone

from childindex.audit import health
from childindex.audit.models import AuditEvent
from childindex.audit.services import checkpoint_write
from childindex.audit.tasks import audit_checkpoint
from childindex.audit.tests.factories import record_events

pytestmark = pytest.mark.django_db


def _full_disk_at(path):
    """Writes to ``path`` fail as on a full disk: the kernel's /dev/full answers ENOSPC."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to("/dev/full")


needs_dev_full = pytest.mark.skipif(not os.path.exists("/dev/full"), reason="Linux /dev/full")


def test_the_probe_appends_an_event_and_rolls_it_back_leaving_no_event_and_no_gap():
    record_events(2)
    assert health.audit_append_problem() is None
    assert health.audit_append_problem() is None
    assert list(AuditEvent.objects.values_list("id", flat=True)) == [1, 2]
    [third] = record_events(1)
    assert third.id == 3


def test_an_append_that_fails_is_reported():
    def refuse(execute, sql, params, many, context):
        if "audit_append(" in sql or sql.startswith("INSERT INTO audit_auditevent "):
            raise OperationalError("permission denied for table audit_auditevent")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(refuse):
        problem = health.audit_append_problem()
    assert problem.startswith("an audit event cannot be appended: permission denied")


def test_checkpoints_not_configured_is_a_problem(settings):
    settings.AUDIT_CHECKPOINT_DIR = None
    assert "not configured" in health.checkpoint_problem()


def test_checkpoints_that_keep_up_are_no_problem(checkpointing):
    record_events(3)
    checkpoint_write()
    record_events(2)  # newer than the checkpoint, but only just
    assert health.checkpoint_problem() is None


def test_an_event_waiting_longer_than_two_clock_intervals_for_a_checkpoint_is_a_problem(
    checkpointing, settings
):
    settings.AUDIT_CHECKPOINT_MINUTES = 5
    record_events(3)
    checkpoint_write()
    record_events(1)
    later = timezone.now() + dt.timedelta(minutes=11, seconds=30)
    problem = health.checkpoint_problem(now=later)
    assert problem.startswith("no signed checkpoint for 11 minutes (events after 3 wait")
    assert health.checkpoint_problem(now=timezone.now() + dt.timedelta(minutes=10)) is None


@needs_dev_full
def test_a_full_checkpoint_disk_is_a_problem_before_any_checkpoint_is_lost(checkpointing):
    record_events(1)
    _full_disk_at(checkpointing / f".readyz-{os.getpid()}")
    problem = health.checkpoint_problem()
    assert problem == (
        f"the checkpoint folder {checkpointing} cannot be written: "
        "no space left on the device (the disk is full)"
    )
    assert not list(checkpointing.glob(".readyz-*"))


@needs_dev_full
def test_a_checkpoint_that_cannot_be_written_alerts_the_operator(checkpointing, settings, caplog):
    settings.ADMINS = ["operator@example.invalid"]
    record_events(1)
    # The checkpoint file for event 1 is written aside first: that write meets a full disk.
    _full_disk_at(checkpointing / f".0000000001-1.json.{os.getpid()}.tmp")
    with caplog.at_level(logging.CRITICAL), pytest.raises(OSError):
        audit_checkpoint.call()
    [record] = [r for r in caplog.records if r.levelno == logging.CRITICAL]
    assert "no space left on the device" in record.getMessage()
    assert "/readyz fails" in record.getMessage()
    [message] = mail.outbox
    assert message.to == ["operator@example.invalid"]
    assert "checkpoint" in message.subject


@needs_dev_full
def test_a_full_checkpoint_disk_alerts_the_operator_even_with_nothing_new_to_sign(
    checkpointing, settings, caplog
):
    settings.ADMINS = ["operator@example.invalid"]
    record_events(1)
    checkpoint_write()  # the head is covered: the clock's next run has nothing to sign
    _full_disk_at(checkpointing / f".readyz-{os.getpid()}")
    with caplog.at_level(logging.CRITICAL):
        assert audit_checkpoint.call() is None
    [record] = [r for r in caplog.records if r.levelno == logging.CRITICAL]
    assert "no space left on the device" in record.getMessage()
    assert "/readyz fails" in record.getMessage()
    [message] = mail.outbox
    assert message.to == ["operator@example.invalid"]


def test_nothing_new_to_sign_and_a_writable_folder_alerts_nobody(checkpointing, settings, caplog):
    settings.ADMINS = ["operator@example.invalid"]
    record_events(1)
    checkpoint_write()
    with caplog.at_level(logging.CRITICAL):
        assert audit_checkpoint.call() is None
    assert not [r for r in caplog.records if r.levelno == logging.CRITICAL]
    assert not mail.outbox
