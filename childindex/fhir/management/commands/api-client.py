"""`childindex api-client create|list|revoke`: the systems that may call the FHIR API.

    childindex api-client create NAME --kind gp_system --la E06000001 [--organisation TYPE:CODE]
                                      [--scopes "read match"] [--rate-limit 600]
    childindex api-client list
    childindex api-client revoke NAME

The secret is printed once, at creation; the index keeps only its hash.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from childindex.directory.models import LocalAuthority, Organisation
from childindex.fhir.models import ClientKind
from childindex.fhir.services import (
    ApiClientError,
    api_client_create,
    api_client_revoke,
    api_clients,
)

LABEL = "childindex api-client"


def client_line(name: str, client_id: str, secret: str, scopes: str) -> str:
    return f"api client {name}: client_id={client_id} client_secret={secret} scopes={scopes}"


class Command(BaseCommand):
    help = "Create, list or revoke the clients of the FHIR API."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="make a client and print its secret once")
        create.add_argument("name")
        create.add_argument("--kind", required=True, choices=ClientKind.values)
        create.add_argument("--la", required=True, help="the LA's ONS code")
        create.add_argument(
            "--organisation", help="TYPE:CODE of the client's organisation (none: the LA team)"
        )
        create.add_argument("--scopes", help="space-separated scopes (default: the kind's)")
        create.add_argument("--rate-limit", type=int, help="calls a minute (default 600)")
        sub.add_parser("list", help="every client, active or revoked")
        revoke = sub.add_parser("revoke", help="revoke a client at once")
        revoke.add_argument("name")

    def handle(self, *args, **options) -> None:
        try:
            getattr(self, f"_{options['action']}")(options)
        except ApiClientError as error:
            raise CommandError(str(error)) from error

    def _create(self, options) -> None:
        la = LocalAuthority.objects.filter(code=options["la"]).first()
        if la is None:
            raise CommandError(f"no local authority {options['la']} in the index")
        organisation = None
        if options["organisation"]:
            kind, _, code = options["organisation"].partition(":")
            organisation = Organisation.objects.filter(type=kind, code=code).first()
            if organisation is None:
                raise CommandError(f"no organisation {options['organisation']} (TYPE:CODE)")
        issued = api_client_create(
            actor_label=LABEL,
            name=options["name"],
            kind=options["kind"],
            local_authority=la,
            organisation=organisation,
            scopes=options["scopes"].split() if options["scopes"] else None,
            rate_limit_per_minute=options["rate_limit"],
        )
        self.stdout.write(
            client_line(
                issued.client.name, issued.client_id, issued.client_secret, issued.client.scopes
            )
        )

    def _list(self, options) -> None:
        for client in api_clients():
            state = "revoked" if client.revoked_at else "active"
            client_id = client.application.client_id if client.application else "-"
            owner = (
                client.organisation.name
                if client.organisation
                else f"{client.local_authority.name} index team"
            )
            self.stdout.write(
                f"{client.name}\t{client.kind}\t{state}\tclient_id={client_id}\t"
                f"scopes={client.scopes}\t{owner}"
            )

    def _revoke(self, options) -> None:
        client = api_client_revoke(actor_label=LABEL, name=options["name"])
        self.stdout.write(f"api client {client.name} revoked")
