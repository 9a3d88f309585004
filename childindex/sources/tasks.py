"""Background jobs of the sources layer (django.tasks; run by `childindex db_worker`)."""

from __future__ import annotations

import datetime as dt

from django.tasks import task

from childindex.sources.lifecycle import lifecycle_run


@task
def run_lifecycle(as_of: str) -> dict[str, int]:
    """The daily archive-and-purge run (``childindex.sources.lifecycle``)."""
    return lifecycle_run(as_of=dt.date.fromisoformat(as_of)).counts
