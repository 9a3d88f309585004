"""What the trail tells the apps above it, without importing them.

``policy_alert_recorded`` is sent after the commit of an audit event with action "alert" written
for a signed-in user (the access policy's alerts: a shielded record, a shield override, a
break-glass opening). ``monitoring`` connects ``policy_alerts_queue`` in
``MonitoringConfig.ready``, which queues the job that turns such events into alerts for the
LA's auditors at once. Sent from ``transaction.on_commit(..., robust=True)``, as the job was
queued before: a failure to queue is logged and never undoes the event.
"""

from __future__ import annotations

from django.dispatch import Signal

policy_alert_recorded = Signal()
