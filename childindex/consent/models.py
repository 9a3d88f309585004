"""Consent to show an involvement (§2, §3).

Additional and specialist services are shown only while consent stands: consent to
"additional services in general", or — for a sensitive service — the young person's (or, where
the child cannot understand, a parent's) explicit consent to that one named service. A
withdrawn consent stops showing the involvements that relied on it.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q

from childindex.consent.choices import Scope
from childindex.core.models import TimestampedModel


class GivenBy(models.TextChoices):
    YOUNG_PERSON = "young_person", "The young person"
    PARENT_CARER = "parent_carer", "A parent or carer"


INVOLVEMENT_SCOPES = (Scope.ADDITIONAL_SERVICES, Scope.NAMED_SERVICE)


class Consent(TimestampedModel):
    """Who consented to what, when, recorded by whom; withdrawn when (if ever)."""

    child = models.ForeignKey("records.Child", on_delete=models.PROTECT, related_name="consents")
    given_by = models.CharField(max_length=20, choices=GivenBy.choices)
    carer = models.ForeignKey(
        "records.Carer", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    scope = models.CharField(max_length=20, choices=Scope.choices)
    service = models.ForeignKey(
        "directory.Service", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    given_on = models.DateField()
    withdrawn_on = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey("access.User", on_delete=models.PROTECT, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["child", "withdrawn_on"], name="consent_child_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(given_by__in=GivenBy.values), name="consent_given_by_known"
            ),
            models.CheckConstraint(condition=Q(scope__in=Scope.values), name="consent_scope_known"),
            models.CheckConstraint(
                condition=(Q(scope=Scope.NAMED_SERVICE) & Q(service__isnull=False))
                | (Q(scope=Scope.ADDITIONAL_SERVICES) & Q(service__isnull=True))
                | (
                    Q(scope=Scope.RETENTION_TO_25)
                    & Q(service__isnull=True)
                    & Q(given_by=GivenBy.YOUNG_PERSON)
                ),
                name="consent_names_service_iff_scope_named",
            ),
            models.CheckConstraint(
                condition=(Q(given_by=GivenBy.PARENT_CARER) & Q(carer__isnull=False))
                | (Q(given_by=GivenBy.YOUNG_PERSON) & Q(carer__isnull=True)),
                name="consent_parent_names_carer",
            ),
            models.CheckConstraint(
                condition=Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gte=F("given_on")),
                name="consent_withdrawn_after_given",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_scope_display()} ({self.get_given_by_display()}, {self.given_on})"
