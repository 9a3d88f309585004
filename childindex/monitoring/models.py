"""The alerts raised from the audit trail for an LA's auditors, and their review (§4).

- ``Alert``: possible irregular use, for one LA's auditors, raised by the access policy's alert
  events or by the detectors (``monitoring.detectors``).
- ``AlertReview``: an auditor's outcome for an alert.

Both are append-only: a review is a new row, never an update of the alert or its event. The
models moved here from ``audit`` (issue 18, docs/decisions/0007-monitoring.md); their tables
keep the names ``audit_alert`` and ``audit_alertreview``, which the append-only triggers
(``audit.triggers``) name.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from childindex.audit.models import AuditEvent


class AlertKind(models.TextChoices):
    """Why an alert was raised. The first three come from the access policy (every time); the
    rest from the irregular-use detectors."""

    SHIELDED_RECORD = "shielded_record_access", "Access to a shielded record"
    SHIELD_OVERRIDE = "shield_override", "Shield overridden for one viewing"
    BREAK_GLASS = "child_protection_break_glass", "Opened for a child protection enquiry"
    SEARCH_VOLUME = "search_volume", "Searching far more than peers"
    OUT_OF_HOURS = "out_of_hours_bulk", "Out-of-hours bulk access"
    NO_INVOLVEMENT = "views_without_involvement", "Repeated views without an involvement"
    OWN_SURNAME = "own_surname", "Looking up someone with the user's own surname"
    SEARCH_LIMIT = "search_limit", "Search limit reached"
    OTHER = "other", "Other alert"


class Alert(models.Model):
    """Possible irregular use, for one LA's auditors to look at. Never a verdict on anyone.

    ``event`` is the audit event with action "alert" that raised it (the access policy's, or
    the detector's own). ``reason`` says why it fired in words an auditor can check; it never
    names a child. An event about a child of one LA by a user of another raises one alert for
    each LA. ``key`` stops a detector raising the same alert twice.
    """

    event = models.ForeignKey(AuditEvent, on_delete=models.PROTECT, related_name="alerts")
    local_authority = models.ForeignKey(
        "directory.LocalAuthority", on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=40, choices=AlertKind.choices)
    subject = models.ForeignKey(
        "access.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    children = models.JSONField(default=list, blank=True)
    reason = models.TextField()
    raised_at = models.DateTimeField()
    key = models.CharField(max_length=200)

    class Meta:
        db_table = "audit_alert"
        ordering = ["-raised_at", "-id"]
        indexes = [models.Index(fields=["local_authority", "raised_at"], name="alert_la_idx")]
        constraints = [
            models.UniqueConstraint(fields=["local_authority", "key"], name="alert_raised_once"),
            models.CheckConstraint(condition=Q(kind__in=AlertKind.values), name="alert_kind_known"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.raised_at:%Y-%m-%d})"


class ReviewOutcome(models.TextChoices):
    """What an auditor concluded. A closed list: no free text about anyone's circumstances."""

    APPROPRIATE = "appropriate", "Appropriate use: no further action"
    ADVICE = "advice_given", "Advice or training given to the user"
    REFERRED = "referred_to_manager", "Referred to the user's manager"
    INCIDENT = "ig_incident", "Recorded as an information governance incident"


class AlertReview(models.Model):
    """An auditor's outcome for an alert, with who and when. The newest review stands."""

    alert = models.ForeignKey(Alert, on_delete=models.PROTECT, related_name="reviews")
    outcome = models.CharField(max_length=30, choices=ReviewOutcome.choices)
    reviewed_by = models.ForeignKey("access.User", on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField()

    class Meta:
        db_table = "audit_alertreview"
        ordering = ["-reviewed_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome__in=ReviewOutcome.values), name="review_outcome_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} ({self.reviewed_at:%Y-%m-%d})"
