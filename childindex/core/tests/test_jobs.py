"""A job whose worker died is queued again, once; a job whose worker lives is left alone."""

from __future__ import annotations

import datetime as dt

import psycopg
import pytest
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, TaskResultStatus

from childindex.core import jobs

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the worker's lock is a PostgreSQL advisory lock"
    ),
]


def _running(started_ago: dt.timedelta) -> DBTaskResult:
    now = timezone.now()
    return DBTaskResult.objects.create(
        status=TaskResultStatus.RUNNING,
        started_at=now - started_ago,
        args_kwargs={"args": [], "kwargs": {}},
        task_path="childindex.audit.tasks.audit_checkpoint",
        backend_name="default",
        run_after=now - started_ago,
        worker_ids=["dead-worker"],
        exception_class_path="",
        traceback="",
    )


def _another_session():
    settings = connection.settings_dict
    return psycopg.connect(
        host=settings["HOST"], port=settings["PORT"] or 5432, user=settings["USER"],
        dbname=connection.settings_dict["NAME"], autocommit=True,
    )  # fmt: skip


def test_a_running_job_whose_worker_is_gone_is_queued_again_once():
    job = _running(dt.timedelta(minutes=5))
    assert jobs.orphaned_jobs_requeue() == [str(job.id)]
    job.refresh_from_db()
    assert (job.status, job.started_at) == (TaskResultStatus.READY, None)
    assert jobs.orphaned_jobs_requeue() == []  # READY now: nothing more to do


def test_a_running_job_whose_worker_holds_its_lock_is_left_running():
    job = _running(dt.timedelta(minutes=5))
    with _another_session() as worker:  # the live worker's session holds the job's lock
        worker.execute("SELECT pg_advisory_lock(%s)", (jobs._lock_key(job.id),))
        assert jobs.orphaned_jobs_requeue() == []
    job.refresh_from_db()
    assert job.status == TaskResultStatus.RUNNING
    # ... and once that worker's session has ended (killed), the job is queued again.
    assert jobs.orphaned_jobs_requeue() == [str(job.id)]


def test_a_job_claimed_moments_ago_is_not_requeued_before_its_worker_takes_the_lock():
    _running(dt.timedelta(seconds=5))
    assert jobs.orphaned_jobs_requeue() == []
