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
