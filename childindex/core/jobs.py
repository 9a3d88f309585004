"""A background job whose worker died is run again, once (PostgreSQL).

django-tasks-db marks a job RUNNING when a worker claims it and SUCCESSFUL or FAILED when it
ends; a worker killed in between (SIGKILL, out of memory, a lost host) leaves it RUNNING for
ever. So while a job runs, its worker holds a session-level advisory lock named after the job
(taken when the job starts, released when it ends). The database drops a dead worker's locks
with its session, so a RUNNING job whose lock is free has no worker: ``orphaned_jobs_requeue``
(run by the clock, ``childindex monitor``) puts it back to READY, under a row lock, so that
exactly one worker runs it again. Jobs are idempotent (docs/operations.md), so the part of the
first run that committed does no harm.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from typing import Any

from django.conf import settings
from django.db import connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.tasks import TaskResult
from django.tasks.signals import task_finished, task_started
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, TaskResultStatus

log = logging.getLogger(__name__)


# A job claimed this recently may not have taken its lock yet: never requeued
# (CHILDINDEX_JOB_CLAIM_GRACE_SECONDS, default 60).
def _claim_grace() -> dt.timedelta:
    return dt.timedelta(seconds=settings.JOB_CLAIM_GRACE_SECONDS)


_LOCK_SPACE = b"cijob:"


def _lock_key(job_id: object) -> int:
    digest = hashlib.sha256(_LOCK_SPACE + str(job_id).encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _connection() -> BaseDatabaseWrapper:
    return connections[DBTaskResult.objects.db]


def job_lock_take(sender: object, task_result: TaskResult[..., Any], **kwargs: Any) -> None:
    connection = _connection()
    if connection.vendor != "postgresql" or type(sender).__name__ != "DatabaseBackend":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [_lock_key(task_result.id)])


def job_lock_release(sender: object, task_result: TaskResult[..., Any], **kwargs: Any) -> None:
    connection = _connection()
    if connection.vendor != "postgresql" or type(sender).__name__ != "DatabaseBackend":
        return
    if connection.connection is None:
        return  # the connection (and with it the lock) is gone already
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_unlock(%s)", [_lock_key(task_result.id)])


def connect() -> None:
    task_started.connect(job_lock_take, dispatch_uid="childindex-job-lock-take")
    task_finished.connect(job_lock_release, dispatch_uid="childindex-job-lock-release")


def orphaned_jobs_requeue(*, now: dt.datetime | None = None) -> list[str]:
    """Put each RUNNING job whose worker is gone back to READY; return their ids."""
    connection = _connection()
    if connection.vendor != "postgresql":
        return []
    cutoff = (now or timezone.now()) - _claim_grace()
    requeued = []
    with transaction.atomic(using=connection.alias):
        running = (
            DBTaskResult.objects.select_for_update(skip_locked=True)
            .filter(status=TaskResultStatus.RUNNING, started_at__lt=cutoff)
            .only("id", "status", "started_at", "task_path")
        )
        for job in running:
            with connection.cursor() as cursor:
                # A transaction-level lock: free only if no worker's session holds it.
                cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [_lock_key(job.id)])
                [free] = cursor.fetchone()
            if not free:
                continue
            job.status = TaskResultStatus.READY
            job.started_at = None
            job.save(update_fields=["status", "started_at"])
            requeued.append(str(job.id))
            log.warning("job %s (%s) lost its worker: queued to run again", job.id, job.task_path)
    return requeued


# --- Periodic jobs of the layers above the clock ----------------------------------------------
# The clock (`childindex monitor`, in the sources layer) queues the periodic jobs it can import;
# an app above it (the reports) registers its own here from its AppConfig.ready().
_periodic: list[Any] = []


def periodic_job_register(job: Any) -> None:
    """Have the clock queue ``job`` (a django.tasks task taking no arguments) on every run."""
    if job not in _periodic:
        _periodic.append(job)


def periodic_jobs() -> list[Any]:
    return list(_periodic)
