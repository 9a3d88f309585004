"""Background jobs of the audit trail (django.tasks; run by `childindex db_worker`)."""

from __future__ import annotations

import logging

from django.tasks import task

from childindex.audit import health
from childindex.audit.checkpoints import CheckpointError
from childindex.audit.services import checkpoint_write

logger = logging.getLogger(__name__)


@task
def audit_checkpoint() -> int | None:
    """Sign the chain's head (every N events, and every M minutes from `childindex monitor`)."""
    try:
        written = checkpoint_write()
    except CheckpointError as exc:
        logger.error("Audit checkpoint not written: %s", exc)
        raise
    except OSError as exc:  # a full or read-only checkpoint folder: the operator must act
        health.alert_operator_checkpoint_failed(exc)
        raise
    if written is None:
        health.alert_operator_if_folder_unwritable()
        return None
    return written.event_id
