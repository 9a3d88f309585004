"""After each import of one of an LA's feeds, its stored report counts are counted again (in
the background, once the import has committed)."""

from __future__ import annotations

from django.db import transaction

from childindex.sources.models import ImportRun, RunStatus


def import_run_saved(sender, instance: ImportRun, **kwargs) -> None:
    if instance.status != RunStatus.FINISHED:
        return
    la = instance.feed.local_authority_id
    finished = (instance.finished_at or instance.started_at).isoformat()

    def queue() -> None:
        from childindex.reports.tasks import refresh_la_report_counts

        refresh_la_report_counts.enqueue(la, finished)

    transaction.on_commit(queue, robust=True)
