"""Notifications to people: the index's prompts to talk to each other (§4 of the design).

A notification tells a practitioner (or an LA's safeguarding contact) something about the team
around a child and why they are told. It is never a verdict on the child and never shows a
person an involvement they may not see: what each recipient is told is decided with the access
policy (``policy.involvement_view``).

- many practitioners opened a child's record within a window (a sign of shared concern):
  the lead professional, or the LA's safeguarding contact;
- several additional or specialist services and no lead professional: the team around the child;
- team changes (someone joins or leaves, the lead professional changes, an assessment is
  recorded, the child moves LA): the rest of the team.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class NotificationKind(models.TextChoices):
    MANY_VIEWERS = "many_viewers", "Many practitioners opened a child's record"
    NO_LEAD_PROFESSIONAL = "no_lead_professional", "Several services and no lead professional"
    TEAM_JOINED = "team_joined", "Someone joined the team around a child"
    TEAM_LEFT = "team_left", "Someone left the team around a child"
    LEAD_CHANGED = "lead_changed", "The lead professional changed"
    ASSESSMENT_RECORDED = "assessment_recorded", "An assessment was recorded"
    MOVED_LA = "moved_la", "A child moved to another local authority"


class Notification(models.Model):
    """One message to one person (or to an LA's safeguarding mailbox), with why it was sent.

    ``recipient`` is a user of the index; without one, ``email`` is an LA's safeguarding
    contact. The message names the child by index number only. ``key`` (when set) stops the
    same prompt being sent twice.
    """

    recipient = models.ForeignKey(
        "access.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="notifications",
    )
    email = models.EmailField(blank=True)
    kind = models.CharField(max_length=30, choices=NotificationKind.choices)
    index_number = models.CharField(max_length=11)
    message = models.TextField()
    created_at = models.DateTimeField()
    emailed_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    key = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "created_at"], name="notification_recipient_idx")
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(recipient__isnull=False) | ~Q(email=""),
                name="notification_has_somewhere_to_go",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=NotificationKind.values), name="notification_kind_known"
            ),
            models.UniqueConstraint(
                fields=["recipient", "key"],
                condition=Q(recipient__isnull=False) & ~Q(key=""),
                name="notification_sent_once_to_a_user",
            ),
            models.UniqueConstraint(
                fields=["email", "key"],
                condition=Q(recipient__isnull=True) & ~Q(key=""),
                name="notification_sent_once_to_a_mailbox",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.created_at:%Y-%m-%d})"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class NotificationThresholds(models.Model):
    """An LA's levels for the notifications. An LA without a row uses the defaults."""

    local_authority = models.OneToOneField(
        "directory.LocalAuthority",
        on_delete=models.PROTECT,
        related_name="notification_thresholds",
    )
    distinct_viewers = models.PositiveIntegerField(
        default=5,
        help_text="Different practitioners opening one child's record within the window.",
    )
    viewers_window_days = models.PositiveIntegerField(default=7)
    services_without_lead = models.PositiveIntegerField(
        default=3,
        help_text="Current additional or specialist services with no lead professional.",
    )

    class Meta:
        verbose_name_plural = "notification thresholds"
        constraints = [
            models.CheckConstraint(
                condition=Q(distinct_viewers__gte=2)
                & Q(viewers_window_days__gte=1)
                & Q(services_without_lead__gte=2),
                name="notification_thresholds_sensible",
            ),
        ]

    def __str__(self) -> str:
        return f"Notification levels for LA {self.local_authority_id}"
