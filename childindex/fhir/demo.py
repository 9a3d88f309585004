"""The demo's API clients: one per kind of system, each with a fresh secret on every start
(only its hash is kept, so a restarted demo issues a new one)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from childindex.directory.models import LocalAuthority, Organisation, OrganisationType
from childindex.fhir.models import ApiClient, ClientKind
from childindex.fhir.services import api_client_create

DEMO_CLIENTS = (
    ("gp-system", ClientKind.GP_SYSTEM, OrganisationType.GP_PRACTICE),
    ("school-feed", ClientKind.FEED, OrganisationType.SCHOOL),
    ("assessment-system", ClientKind.ASSESSMENT, OrganisationType.LOCAL_AUTHORITY),
    ("auditor-tool", ClientKind.AUDITOR, None),
)


@dataclass(frozen=True)
class DemoClient:
    name: str
    client_id: str
    client_secret: str
    scopes: str

    @property
    def line(self) -> str:
        return (
            f"api client {self.name}: client_id={self.client_id} "
            f"client_secret={self.client_secret} scopes={self.scopes}"
        )


def create_demo_clients(la: LocalAuthority) -> list[DemoClient]:
    made = []
    for name, kind, organisation_type in DEMO_CLIENTS:
        existing = ApiClient.objects.filter(name=name, revoked_at__isnull=True).first()
        if existing is not None and existing.application is not None:
            secret = secrets.token_urlsafe(32)
            application = existing.application
            application.client_secret = secret  # hashed on save
            application.save()
            made.append(DemoClient(name, application.client_id, secret, existing.scopes))
            continue
        organisation = None
        if organisation_type is not None:
            organisation = (
                Organisation.objects.filter(local_authority=la, type=organisation_type)
                .order_by("pk")
                .first()
            )
        issued = api_client_create(
            actor_label="childindex demo",
            name=name,
            kind=kind,
            local_authority=la,
            organisation=organisation,
        )
        made.append(DemoClient(name, issued.client_id, issued.client_secret, issued.client.scopes))
    return made
