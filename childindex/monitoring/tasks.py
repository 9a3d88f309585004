"""Background jobs of monitoring (django.tasks; run by `childindex db_worker`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.tasks import task

from childindex.monitoring import detectors


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


def policy_alerts_queue(**kwargs: Any) -> None:
    """``audit.signals.policy_alert_recorded``'s receiver (connected in
    ``MonitoringConfig.ready``): queue ``raise_policy_alerts`` once the alert event commits."""
    raise_policy_alerts.enqueue()
