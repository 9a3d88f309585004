"""Making and revoking API clients (``childindex api-client create|list|revoke``)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from oauth2_provider.models import AccessToken, Application

from childindex.access.models import Role, User
from childindex.access.policy import Purpose
from childindex.audit.models import Action
from childindex.audit.services import audit_record
from childindex.directory.models import LocalAuthority, Organisation
from childindex.fhir.models import ApiClient, ClientKind, Scope

# What each kind of system does, and so the role its account acts in and its purpose.
KIND_ROLE = {
    ClientKind.GP_SYSTEM: Role.PRACTITIONER,
    ClientKind.FEED: Role.PRACTITIONER,
    ClientKind.ASSESSMENT: Role.PRACTITIONER,
    ClientKind.AUDITOR: Role.AUDITOR,
}
KIND_PURPOSE = {
    ClientKind.GP_SYSTEM: Purpose.PROVIDING_SERVICE,
    ClientKind.FEED: Purpose.PROVIDING_SERVICE,
    ClientKind.ASSESSMENT: Purpose.PROVIDING_SERVICE,
    ClientKind.AUDITOR: "",
}
KIND_SCOPES = {
    ClientKind.GP_SYSTEM: [Scope.READ, Scope.MATCH, Scope.CONSENT_WRITE],
    ClientKind.FEED: [Scope.FEED_WRITE, Scope.MATCH],
    ClientKind.ASSESSMENT: [Scope.INDICATOR_WRITE, Scope.READ, Scope.MATCH],
    ClientKind.AUDITOR: [Scope.AUDIT_READ],
}


class ApiClientError(ValueError):
    """The client cannot be made or changed; the message says what to fix."""


@dataclass(frozen=True)
class IssuedClient:
    """A new client with its secret: shown once, never stored in the clear."""

    client: ApiClient
    client_id: str
    client_secret: str


def api_client_create(
    *,
    actor_label: str,
    name: str,
    kind: str,
    local_authority: LocalAuthority,
    organisation: Organisation | None = None,
    scopes: list[str] | None = None,
    rate_limit_per_minute: int | None = None,
) -> IssuedClient:
    """Make a client of one organisation (or, with none, the LA's index team).

    A client's organisation must be in its LA: a feed client writes only for its own
    organisation's services. The account it acts as is a system account in the role of its
    kind (an LA client acts as the LA's index team), approved now; it has no password."""
    if kind not in ClientKind.values:
        raise ApiClientError(f"kind must be one of {', '.join(ClientKind.values)}, not {kind!r}")
    wanted = list(dict.fromkeys(scopes or KIND_SCOPES[ClientKind(kind)]))
    unknown = [s for s in wanted if s not in Scope.values]
    if unknown:
        raise ApiClientError(
            f"unknown scope {unknown[0]!r}: the scopes are {', '.join(Scope.values)}"
        )
    if organisation is not None and organisation.local_authority_id != local_authority.pk:
        raise ApiClientError(f"organisation {organisation.code} is not in {local_authority.code}")
    if ApiClient.objects.filter(name=name).exists():
        raise ApiClientError(f"there is already an API client called {name}")
    role = KIND_ROLE[ClientKind(kind)]
    if organisation is None and role == Role.PRACTITIONER:
        role = Role.INDEX_TEAM
    purpose = KIND_PURPOSE[ClientKind(kind)]
    if role == Role.INDEX_TEAM and purpose:
        purpose = Purpose.DATA_QUALITY
    secret = secrets.token_urlsafe(32)
    with transaction.atomic():
        account = User.objects.create(
            username=f"api:{name}"[:150],
            first_name="API client",
            last_name=name,
            role=role,
            local_authority=local_authority,
            organisation=organisation,
            approved_on=timezone.localdate(),
            system_account=True,
        )
        account.set_unusable_password()
        account.save(update_fields=["password"])
        application = Application.objects.create(
            name=name,
            client_type=Application.CLIENT_CONFIDENTIAL,
            authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
            client_secret=secret,
            hash_client_secret=True,
            skip_authorization=True,
        )
        extra = (
            {}
            if rate_limit_per_minute is None
            else {"rate_limit_per_minute": rate_limit_per_minute}
        )
        client = ApiClient.objects.create(
            name=name,
            kind=kind,
            application=application,
            account=account,
            organisation=organisation,
            local_authority=local_authority,
            scopes=" ".join(wanted),
            purpose=purpose,
            created_at=timezone.now(),
            **extra,
        )
        audit_record(
            actor=None,
            actor_label=actor_label,
            action=Action.API_CLIENT_CREATE,
            detail={
                "client": name,
                "kind": kind,
                "scopes": wanted,
                "organisation": organisation.code if organisation else None,
                "local_authority": local_authority.code,
            },
        )
    return IssuedClient(client=client, client_id=application.client_id, client_secret=secret)


def api_client_revoke(*, actor_label: str, name: str) -> ApiClient:
    """Revoke a client at once: its tokens and credentials go, its account is deactivated;
    its row stays (the audit trail names it)."""
    with transaction.atomic():
        client = ApiClient.objects.select_for_update().filter(name=name).first()
        if client is None:
            raise ApiClientError(f"there is no API client called {name}")
        if client.revoked_at is not None:
            raise ApiClientError(f"API client {name} was already revoked")
        application = client.application
        client.application = None
        client.revoked_at = timezone.now()
        client.save(update_fields=["application", "revoked_at"])
        if application is not None:
            AccessToken.objects.filter(application=application).delete()
            application.delete()
        client.account.is_active = False
        client.account.save(update_fields=["is_active"])
        audit_record(
            actor=None,
            actor_label=actor_label,
            action=Action.API_CLIENT_REVOKE,
            detail={"client": name},
        )
    return client


def api_clients() -> list[ApiClient]:
    return list(ApiClient.objects.select_related("application", "organisation", "local_authority"))
