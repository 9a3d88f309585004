"""The audit trail and the alerts raised from it (§4 of the design).

- ``AuditEvent``: one append-only row per search, record view, change, export, sign-in and failed
  sign-in: who (and their role, organisation and LA), when (UTC), from where, what, why, the
  children concerned (index numbers), the search criteria, which shielded, sensitive or hidden
  items were shown, the outcome and the request id. Each row carries a SHA-256 hash chained to
  the previous row (``audit.chain``). Written only by ``audit.services.audit_record``; the
  database refuses UPDATE and DELETE on it (triggers, migration 0002).
- ``AuditEventChild``: the children of each event as rows, so "who accessed this child" is an
  index lookup rather than a scan of JSON. Derived from the event; ``audit verify`` checks the
  two agree.
- ``Alert`` and ``AlertReview``: irregular use raised for one LA's auditors, and their review
  outcome. Both append-only: a review is a new row, never an update of the alert or the event.
- ``UsageThresholds``: each LA's levels for the irregular-use detectors (defaults when unset).

None of this holds a child's personal details: children are named by index number.
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Q


class Outcome(models.TextChoices):
    ALLOWED = "allowed", "Allowed"
    DENIED = "denied", "Denied"
    FAILED = "failed", "Failed"


class Action(models.TextChoices):
    """The actions the monitoring reads. Services may record other actions (``child_create``,
    ``consent_withdraw``, ...): they are kept as given."""

    SEARCH = "child_search", "Search"
    RECORD_VIEW = "record_view", "Record opened"
    CHANGE = "change", "Change"
    EXPORT = "export", "Export"
    SIGN_IN = "sign_in", "Signed in"
    SIGN_IN_FAILED = "sign_in_failed", "Sign-in failed"
    ALERT = "alert", "Alert raised"
    AUDIT_READ = "audit_read", "Audit trail read"
    ALERT_REVIEW = "alert_review", "Alert reviewed"
    NOTIFICATION = "notification", "Notification sent"


class AuditEvent(models.Model):
    """Who, organisation, role, when, from where, what, which children, why, outcome.

    ``id`` is the event's place in the chain: 1, 2, 3, ... with no gaps, assigned under the
    chain lock, so a missing id is a deleted event. ``prev_hash`` is the hash of event id-1
    (64 zeros for the first); ``hash`` covers every other field and ``prev_hash``.
    """

    id = models.BigIntegerField(primary_key=True)
    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        "access.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # audit_actor_at_idx leads with the actor
    )
    actor_label = models.CharField(max_length=150)
    actor_role = models.CharField(max_length=20, blank=True)
    actor_organisation = models.ForeignKey(
        "directory.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    actor_local_authority = models.ForeignKey(
        "directory.LocalAuthority",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    action = models.CharField(max_length=40)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.ALLOWED)
    purpose = models.CharField(max_length=30, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    request_id = models.CharField(max_length=36, blank=True)
    children = models.JSONField(default=list, blank=True)
    criteria = models.JSONField(default=dict, blank=True)
    shown = models.JSONField(default=dict, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["actor", "at"], name="audit_actor_at_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(id__gte=1), name="audit_event_id_positive"),
            models.CheckConstraint(
                condition=Q(outcome__in=Outcome.values), name="audit_event_outcome_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.action} {self.outcome}"

    @property
    def action_label(self) -> str:
        return Action(self.action).label if self.action in Action.values else self.action


class AuditEventChild(models.Model):
    """One child concerned by one event: the index behind "who accessed this child"."""

    pk = models.CompositePrimaryKey("index_number", "event")
    index_number = models.CharField(max_length=11)
    event = models.ForeignKey(AuditEvent, on_delete=models.PROTECT, related_name="child_links")

    def __str__(self) -> str:
        return f"{self.index_number} in event {self.event_id}"


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
        ordering = ["-reviewed_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome__in=ReviewOutcome.values), name="review_outcome_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} ({self.reviewed_at:%Y-%m-%d})"


class UsageThresholds(models.Model):
    """An LA's alert levels for irregular use. An LA without a row uses the defaults.

    The levels decide when auditors are asked to look, nothing more.
    """

    local_authority = models.OneToOneField(
        "directory.LocalAuthority", on_delete=models.PROTECT, related_name="usage_thresholds"
    )
    searches_per_day = models.PositiveIntegerField(
        default=40, help_text="A user's searches in a day at or above which peers are compared."
    )
    times_peer_median = models.PositiveIntegerField(
        default=3, help_text="Alert when a user searches this many times the peers' median."
    )
    minimum_peers = models.PositiveIntegerField(
        default=3, help_text="With fewer peers, the daily level alone decides."
    )
    working_day_starts = models.TimeField(default=dt.time(7, 0))
    working_day_ends = models.TimeField(default=dt.time(19, 0))
    out_of_hours_accesses = models.PositiveIntegerField(
        default=20,
        help_text="Searches and record views outside working hours (or at weekends) in a day.",
    )
    repeat_views = models.PositiveIntegerField(
        default=3,
        help_text="Views of one child, by a user whose organisation has no involvement with "
        "them, within the window.",
    )
    repeat_window_days = models.PositiveIntegerField(default=7)
    search_limit_per_minute = models.PositiveIntegerField(
        default=30,
        help_text="Searches one user may make in a minute; past it searching is refused until "
        "the next minute and the auditors are alerted.",
    )
    search_limit_per_day = models.PositiveIntegerField(
        default=300,
        help_text="Searches one user may make in a day; past it searching is refused until "
        "midnight and the auditors are alerted.",
    )

    class Meta:
        verbose_name_plural = "usage thresholds"
        constraints = [
            models.CheckConstraint(
                condition=Q(working_day_ends__gt=models.F("working_day_starts")),
                name="working_day_ends_after_it_starts",
            ),
            models.CheckConstraint(
                condition=Q(times_peer_median__gte=1)
                & Q(repeat_views__gte=2)
                & Q(repeat_window_days__gte=1)
                & Q(search_limit_per_minute__gte=1)
                & Q(search_limit_per_day__gte=1),
                name="usage_thresholds_sensible",
            ),
        ]

    def __str__(self) -> str:
        return f"Usage alert levels for LA {self.local_authority_id}"
