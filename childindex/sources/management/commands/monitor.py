"""`childindex monitor`: queue the periodic jobs of audit and notifications.

The database worker (`childindex db_worker`) runs jobs as they are queued; this command is the
clock that queues the periodic ones. Every run queues: a signed checkpoint of the audit chain
(when there are new events), the access policy's alerts, the irregular-use detectors for today
(and for yesterday, to finish its late hours), and the "many practitioners opened a record"
notifications, and the jobs the apps above register (the reports' stored counts, which count
only the LAs that are due). Once a day it also queues the "several services, no lead
professional" prompts and the lifecycle run (archive at 18 or 25, a year after a death; purge
after archiving). It lives in the sources app, the layer that may import every periodic job.

    childindex monitor                 queue once (for cron or a systemd timer)
    childindex monitor --every         queue every CHILDINDEX_AUDIT_CHECKPOINT_MINUTES (5) minutes
                                       until stopped (the demo's clock)
    childindex monitor --every 60      ... every minute
    childindex monitor --inline        run the jobs here and now instead of queueing them
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.tasks import Task
from django.utils import timezone

from childindex.audit import tasks as audit_tasks
from childindex.core.jobs import orphaned_jobs_requeue, periodic_jobs
from childindex.monitoring import tasks as monitoring_tasks
from childindex.notifications import tasks as notification_tasks
from childindex.sources import tasks as source_tasks


class Command(BaseCommand):
    help = (
        "Queue (or run) the periodic audit checkpoint, irregular-use detectors and notifications."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--every",
            type=int,
            nargs="?",
            default=0,
            const=settings.AUDIT_CHECKPOINT_MINUTES * 60,
            metavar="SECONDS",
            help="Repeat every SECONDS until stopped (without a number: every "
            "CHILDINDEX_AUDIT_CHECKPOINT_MINUTES). Default: once.",
        )
        parser.add_argument(
            "--inline", action="store_true", help="Run the jobs now instead of queueing them."
        )

    def handle(self, *args, **options) -> None:
        every = options["every"]
        if every < 0 or (every and every < 10):
            raise CommandError("--every must be at least 10 seconds")
        last_daily: dt.date | None = None
        while True:
            requeued = orphaned_jobs_requeue()
            if requeued:
                self.stdout.write(f"queued again {len(requeued)} jobs whose worker died")
            today = timezone.localdate()
            jobs: list[tuple[Task[..., Any], tuple[Any, ...]]] = [
                (monitoring_tasks.raise_policy_alerts, ()),
                (monitoring_tasks.detect_irregular_use, (today.isoformat(),)),
                (
                    monitoring_tasks.detect_irregular_use,
                    ((today - dt.timedelta(days=1)).isoformat(),),
                ),
                (notification_tasks.notify_many_viewers, ()),
            ]
            if settings.AUDIT_CHECKPOINT_DIR is not None:
                jobs.insert(0, (audit_tasks.audit_checkpoint, ()))
            jobs += [(job, ()) for job in periodic_jobs()]  # the reports' counts, when due
            if last_daily != today:
                jobs.append((notification_tasks.notify_no_lead_professional, ()))
                jobs.append((source_tasks.run_lifecycle, (today.isoformat(),)))
                last_daily = today
            for job, arguments in jobs:
                if options["inline"]:
                    result = job.call(*arguments)
                    self.stdout.write(f"{job.name}: {result}")
                else:
                    job.enqueue(*arguments)
            if not options["inline"]:
                self.stdout.write(f"queued {len(jobs)} jobs")
            if not every:
                return
            time.sleep(every)
