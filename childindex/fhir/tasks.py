"""Background jobs of the FHIR API (django.tasks; run by `childindex db_worker`)."""

from __future__ import annotations

import uuid

from django.tasks import task

from childindex.fhir.intake import bundle_job_import


@task
def bundle_job_run(job_id: str) -> str:
    """Import one accepted transaction Bundle (``intake.bundle_job_import``), then start the
    client's next waiting one (Bundles of one client apply in the order they were sent)."""
    job, following = bundle_job_import(job_id=uuid.UUID(job_id))
    if following is not None:
        bundle_job_run.enqueue(str(following))
    return job.status if job is not None else "unknown"
