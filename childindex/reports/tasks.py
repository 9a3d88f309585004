"""Background jobs of the reports (django.tasks; run by `childindex db_worker`)."""

from __future__ import annotations

import datetime as dt

from django.tasks import task

from childindex.reports import counts


@task
def refresh_report_counts() -> dict[str, float]:
    """The clock's job: count again every LA whose stored counts are due (``counts.las_due``)."""
    return {str(la): s for la, s in counts.refresh_many(counts.las_due()).items()}


@task
def refresh_la_report_counts(local_authority_id: int, finished_at: str) -> float | None:
    """After an import that finished at ``finished_at``: count one LA again, unless it has been
    counted since (a run saved twice queues this twice); how long it took (seconds)."""
    if counts.counted_since(local_authority_id, dt.datetime.fromisoformat(finished_at)):
        return None
    return counts.refresh_many([local_authority_id])[local_authority_id]
