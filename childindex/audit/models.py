"""The audit trail: one append-only row per search, view, change, export, sign-in (§4).

Written by ``audit.services.audit_record`` only. (Hash chaining, database triggers that refuse
UPDATE and DELETE, and signed checkpoints harden this table in the audit issue.)
"""

from __future__ import annotations

from django.db import models


class Outcome(models.TextChoices):
    ALLOWED = "allowed", "Allowed"
    DENIED = "denied", "Denied"
    FAILED = "failed", "Failed"


class AuditEvent(models.Model):
    """Who, when, from where, what, why, outcome. Never holds a child's personal details:
    children are named by index number, search criteria are kept as entered."""

    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        "access.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(max_length=150)
    action = models.CharField(max_length=40)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.ALLOWED)
    purpose = models.CharField(max_length=30, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    request_id = models.CharField(max_length=36, blank=True)
    children = models.JSONField(default=list, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["actor", "at"], name="audit_actor_at_idx")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.action} {self.outcome}"
