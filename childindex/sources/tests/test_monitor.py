"""`childindex monitor`: the clock that queues the periodic audit and notification jobs."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command

from childindex.audit.checkpoints import read_checkpoints
from childindex.audit.tests.factories import record_events
from childindex.records.models import ChildStatus
from childindex.records.tests.factories import ChildFactory

pytestmark = pytest.mark.django_db


def test_monitor_runs_every_periodic_job_inline(settings, tmp_path):
    from childindex.audit.checkpoints import generate_key_pair

    key = tmp_path / "key.pem"
    generate_key_pair(key)
    settings.AUDIT_CHECKPOINT_DIR = tmp_path / "checkpoints"
    settings.AUDIT_SIGNING_KEY = key
    record_events(3)
    out = io.StringIO()
    call_command("monitor", "--inline", stdout=out)
    output = out.getvalue()
    for job in (
        "audit_checkpoint",
        "raise_policy_alerts",
        "detect_irregular_use",
        "notify_many_viewers",
        "notify_no_lead_professional",
    ):
        assert job in output
    assert "own_address" in output  # the detector says the address check is skipped
    assert [c.event_id for c in read_checkpoints(settings.AUDIT_CHECKPOINT_DIR)] == [3]


def test_monitor_queues_the_jobs_for_the_worker(settings):
    settings.AUDIT_CHECKPOINT_DIR = None
    out = io.StringIO()
    call_command("monitor", stdout=out)
    # four every run, the reports' counts (registered by the reports app), and two daily ones
    assert "queued 7 jobs" in out.getvalue()


def test_monitor_refuses_a_silly_interval():
    with pytest.raises(CommandError, match="at least 10 seconds"):
        call_command("monitor", "--every", "1")


def test_the_clock_runs_the_lifecycle_once_a_day(settings):
    settings.AUDIT_CHECKPOINT_DIR = None
    adult = ChildFactory(date_of_birth=dt.date(2000, 1, 1))
    call_command("monitor", "--inline", stdout=io.StringIO())
    adult.refresh_from_db()
    assert adult.status == ChildStatus.ARCHIVED
