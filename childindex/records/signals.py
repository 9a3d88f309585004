"""What a records service tells the apps above it, without importing them.

``team_changed`` is sent by the involvement services (``involvement_log``, ``involvement_end``,
``involvement_indicators_set``) inside their transaction, after the audit event, with ``child``,
``change`` (a ``TeamChange``), ``actor`` and ``involvement``. ``notifications`` connects
``notify_team_change`` to it in ``NotificationsConfig.ready``, so ``records`` sits below
``notifications`` (import-linter's layers) and the team is still told in the same transaction. A
receiver's error propagates (``send``, not ``send_robust``): the change and its notifications
stand or fall together, as before.
"""

from __future__ import annotations

from enum import StrEnum

from django.dispatch import Signal


class TeamChange(StrEnum):
    """What changed in the team around a child (the values are
    ``notifications.NotificationKind``'s)."""

    JOINED = "team_joined"
    LEFT = "team_left"
    LEAD_CHANGED = "lead_changed"
    ASSESSMENT_RECORDED = "assessment_recorded"


team_changed = Signal()

# A search refused by the user's search limit (``child_search``), sent after the refusal's audit
# event with ``actor``, ``reached`` (the ``SearchLimitReached``) and ``event`` (that audit
# event). ``monitoring`` connects ``search_limit_alert_raise`` in ``MonitoringConfig.ready`` and
# alerts the LA's auditors at once, in the same transaction; its errors propagate.
search_limit_reached = Signal()
