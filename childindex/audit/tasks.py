"""Background jobs of the audit trail (django.tasks; run by `childindex db_worker`)."""

from __future__ import annotations

import datetime as dt
import logging

from django.tasks import task

from childindex.audit import detectors, health
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


@task
def detect_irregular_use(day: str | None = None) -> dict[str, int]:
    """Run every irregular-use detector over one day (ISO date; default today) and turn the
    access policy's alert events into alerts for auditors."""
    return detectors.run_all(day=dt.date.fromisoformat(day) if day else None)


@task
def raise_policy_alerts() -> int:
    """Turn the access policy's alert events (shield override, break-glass, shielded record)
    into alerts for the LA's auditors; queued as each such event commits."""
    return detectors.alerts_from_policy_events()
