"""The systems around the child that call the FHIR API: one ``ApiClient`` per system.

A client is an OAuth2 application (django-oauth-toolkit, client credentials grant) with the
account it acts as: a system account (``User.system_account``) of one organisation (a GP
practice, a school) or of an LA index team. The access policy treats that account as a person
in its role (``access.policy``): a GP system sees what a practitioner sees, no more. Its scopes
say which parts of the API it may call; its purpose of access is recorded on every call.

Deliberately not held: the client secret (django-oauth-toolkit keeps only its hash; it is
shown once, when the client is made).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q


class Scope(models.TextChoices):
    """What a client may call (the OAuth2 scopes, named in the CapabilityStatement)."""

    READ = "read", "Read a child's record and the team around the child"
    MATCH = "match", "Find a child by demographics ($match) or search"
    FEED_WRITE = "feed.write", "Send a source system's records (transaction Bundles)"
    INDICATOR_WRITE = "indicator.write", "Set or clear the indicators the system owns"
    CONSENT_WRITE = "consent.write", "Record or withdraw a family's consent"
    AUDIT_READ = "audit.read", "Read the audit trail of the client's own LA"


class ClientKind(models.TextChoices):
    GP_SYSTEM = "gp_system", "GP system (matches and reads)"
    FEED = "feed", "Source system feed (writes records)"
    ASSESSMENT = "assessment", "Assessment system (sets indicators)"
    AUDITOR = "auditor", "Auditor's tool (reads the audit trail)"


class ApiClient(models.Model):
    """One connected system; revoked clients keep their row (the audit trail names them)."""

    name = models.SlugField(max_length=60, unique=True)
    kind = models.CharField(max_length=20, choices=ClientKind.choices)
    application = models.OneToOneField(
        settings.OAUTH2_PROVIDER_APPLICATION_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="api_client",
    )
    account = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_client"
    )
    organisation = models.ForeignKey(
        "directory.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="api_clients",
        help_text="Empty for an LA index team's client.",
    )
    local_authority = models.ForeignKey(
        "directory.LocalAuthority", on_delete=models.PROTECT, related_name="api_clients"
    )
    scopes = models.CharField(max_length=200, help_text="Space-separated scopes.")
    purpose = models.CharField(max_length=40, blank=True)
    rate_limit_per_minute = models.PositiveIntegerField(default=600)
    created_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=ClientKind.values), name="api_client_kind_is_known"
            ),
            models.CheckConstraint(condition=~Q(scopes=""), name="api_client_holds_a_scope"),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | Q(application__isnull=True),
                name="api_client_revoked_has_no_application",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def scope_list(self) -> list[str]:
        return self.scopes.split()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class BundleJobStatus(models.TextChoices):
    QUEUED = "queued", "Waiting for the worker"
    RUNNING = "running", "Being imported"
    DONE = "done", "Imported"
    FAILED = "failed", "Could not be imported"


class BundleJob(models.Model):
    """A transaction Bundle accepted to be imported after the response (FHIR's asynchronous
    request pattern): a feed client's first Bundle, for which a linkage model is estimated on
    the LA's data (issue 11: tens of seconds, never inside a request), a Bundle sent while an
    earlier one of the client is still waiting (so that records apply in the order sent), or
    one sent with ``Prefer: respond-async``. The worker imports it through the same pipeline
    as any Bundle; the client polls its status URL (its id: a random UUID, no personal data in
    the URL) for the per-entry responses.

    ``rows`` holds the Bundle's records (as its feed's rows) only until they are imported: the
    source records keep them from then on, and the job keeps only the responses."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    client = models.ForeignKey(ApiClient, on_delete=models.PROTECT, related_name="bundle_jobs")
    status = models.CharField(
        max_length=10, choices=BundleJobStatus.choices, default=BundleJobStatus.QUEUED
    )
    entries = models.PositiveIntegerField(help_text="Entries in the Bundle as sent.")
    rows = models.JSONField(default=list, blank=True)
    results = models.JSONField(default=list, blank=True)
    diagnostics = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        indexes = [models.Index(fields=["client", "status"], name="bundle_job_client_status")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=BundleJobStatus.values), name="bundle_job_status_is_known"
            ),
            models.CheckConstraint(
                condition=Q(status__in=[BundleJobStatus.QUEUED, BundleJobStatus.RUNNING])
                | Q(finished_at__isnull=False),
                name="bundle_job_finished_has_finished_at",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.client_id}:{self.pk}"

    @property
    def finished(self) -> bool:
        return self.status in (BundleJobStatus.DONE, BundleJobStatus.FAILED)
