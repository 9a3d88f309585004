"""Every FHIR interaction that reads or writes a child, or refuses to, leaves an audit event
naming the API client (its account) as actor (§4 of the design; the web pages' rule, for
systems).

The walk lists every URL pattern of the API and fails for one that is neither asked here nor
given a reason to need no event. Each one asked is called with a client's token, both as it
succeeds and as it is refused (a child nobody holds, parameters that make no search, a body
that is no resource), and every call must leave at least one event whose actor is the client;
a refused call's event has outcome denied.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from childindex.audit.models import AuditEvent, EventOutcome
from childindex.directory.tests.factories import LocalAuthorityFactory, OrganisationFactory
from childindex.fhir.models import ClientKind
from childindex.fhir.services import IssuedClient, api_client_create
from childindex.fhir.tests.helpers import bearer
from childindex.records.models import Child, ChildName
from childindex.records.search_index import search_keys_refresh
from childindex.records.tests.factories import ChildAddressFactory, ChildFactory

pytestmark = pytest.mark.django_db

NOBODY = "00000000000"  # an index number no child has


@dataclass(frozen=True)
class Call:
    method: str
    path: Callable[[Child], str]
    body: Callable[[Child], object] | None = None
    refused: bool = False
    client: str = ClientKind.GP_SYSTEM  # the kind of client that calls


def _patient(child: Child) -> dict[str, object]:
    return {
        "resourceType": "Parameters",
        "parameter": [
            {
                "name": "resource",
                "resource": {
                    "resourceType": "Patient",
                    "name": [{"given": ["Qzaria"], "family": "Qzenworth"}],
                    "birthDate": child.date_of_birth.isoformat(),
                },
            }
        ],
    }


# URL pattern name -> the calls that must each leave an event naming the client.
CALLS: dict[str, list[Call]] = {
    "fhir:patient-search": [
        Call("get", lambda c: f"/fhir/Patient?name=Qzaria&birthdate={c.date_of_birth}"),
        Call("get", lambda c: "/fhir/Patient?name=Qzaria", refused=True),
        Call("get", lambda c: "/fhir/Patient?colour=blue", refused=True),
    ],
    "fhir:patient-search-post": [
        Call("post", lambda c: "/fhir/Patient/_search", lambda c: {"identifier": "x"}, True),
    ],
    "fhir:patient-match": [
        Call("post", lambda c: "/fhir/Patient/$match", _patient),
        Call("post", lambda c: "/fhir/Patient/$match", lambda c: {"resourceType": "x"}, True),
    ],
    "fhir:patient-read": [
        Call("get", lambda c: f"/fhir/Patient/{c.index_number}"),
        Call("get", lambda c: f"/fhir/Patient/{NOBODY}", refused=True),
    ],
    "fhir:team-search": [
        Call("get", lambda c: f"/fhir/CareTeam?patient={c.index_number}"),
        Call("get", lambda c: f"/fhir/RelatedPerson?patient={NOBODY}", refused=True),
        Call("get", lambda c: "/fhir/EpisodeOfCare", refused=True),
    ],
    "fhir:episode": [
        Call(
            "put",
            lambda c: "/fhir/EpisodeOfCare/involvement-999999",
            lambda c: {"resourceType": "EpisodeOfCare"},
            refused=True,
            client=ClientKind.ASSESSMENT,
        ),
    ],
    "fhir:consent": [
        Call("get", lambda c: f"/fhir/Consent?patient={c.index_number}"),
        Call("get", lambda c: f"/fhir/Consent?patient={NOBODY}", refused=True),
        Call("post", lambda c: "/fhir/Consent", lambda c: {"resourceType": "Consent"}, True),
    ],
    "fhir:consent-instance": [
        Call("get", lambda c: "/fhir/Consent/consent-999999", refused=True),
    ],
    "fhir:audit-event-search": [
        Call(
            "get", lambda c: f"/fhir/AuditEvent?patient={c.index_number}", client=ClientKind.AUDITOR
        ),
        Call(
            "get",
            lambda c: f"/fhir/AuditEvent?patient={NOBODY}",
            refused=True,
            client=ClientKind.AUDITOR,
        ),
    ],
    "fhir:bundle-job": [
        Call(
            "get",
            lambda c: "/fhir/_bundle/00000000-0000-0000-0000-000000000000",
            refused=True,
            client=ClientKind.FEED,
        ),
    ],
    "fhir-root": [
        Call(
            "post", lambda c: "/fhir", lambda c: {"resourceType": "Bundle"}, True, ClientKind.FEED
        ),
    ],
}

NO_EVENT_NEEDED: dict[str, str] = {
    "fhir:metadata": "the CapabilityStatement: what the API offers, no child",
    "fhir:openapi": "the OpenAPI document: what the API offers, no child",
    "fhir:token": "the token endpoint (django-oauth-toolkit): a client's credentials, no child",
    "fhir:base": "the same view as fhir-root (POST /fhir/), asked there",
    "fhir:not-found": "an address the API does not offer: nothing of a child is read",
}


def _walk(patterns, namespace: str = "") -> Iterator[str]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern):
            yield f"{namespace}{entry.name or ''}"


def fhir_patterns() -> set[str]:
    return {name for name in _walk(get_resolver().url_patterns) if name.startswith("fhir")}


def test_every_api_interaction_is_called_here_or_has_a_reason_to_need_no_event():
    patterns = fhir_patterns()
    assert sorted(patterns - set(CALLS) - set(NO_EVENT_NEEDED)) == []
    assert sorted((set(CALLS) | set(NO_EVENT_NEEDED)) - patterns) == []
    assert not set(CALLS) & set(NO_EVENT_NEEDED)


def test_the_walk_catches_an_interaction_nobody_declared():
    patterns = fhir_patterns() | {"fhir:observation-search"}
    assert sorted(patterns - set(CALLS) - set(NO_EVENT_NEEDED)) == ["fhir:observation-search"]


@pytest.fixture
def world():
    la = LocalAuthorityFactory()
    organisation = OrganisationFactory(local_authority=la, type="gp_practice", code="Y99001")
    clients = {
        kind: api_client_create(
            actor_label="test",
            name=f"{kind}-system".replace("_", "-"),
            kind=kind,
            local_authority=la,
            organisation=None if kind == ClientKind.AUDITOR else organisation,
        )
        for kind in ClientKind.values
    }
    child = ChildFactory(responsible_la=la)
    ChildName.objects.filter(child=child).update(given_names="Qzaria", family_name="Qzenworth")
    ChildAddressFactory(
        child=child, postcode="TN34 1AA", line_1="7 Qzline Road", local_authority=la
    )
    search_keys_refresh(child_ids=[child.pk])
    return Child.objects.get(pk=child.pk), clients


def _cases():
    for name, calls in sorted(CALLS.items()):
        for n, call in enumerate(calls):
            yield pytest.param(name, n, id=f"{name}-{n}{'-refused' if call.refused else ''}")


@pytest.mark.parametrize(("name", "n"), list(_cases()))
def test_an_interaction_leaves_an_event_naming_the_client(
    client, world: tuple[Child, dict[str, IssuedClient]], name: str, n: int
):
    child, clients = world
    call = CALLS[name][n]
    issued = clients[call.client]
    headers = bearer(client, issued)
    before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    kwargs: dict[str, object] = dict(headers)
    if call.body is not None:
        kwargs |= {"data": json.dumps(call.body(child)), "content_type": "application/fhir+json"}
    response = getattr(client, call.method)(call.path(child), **kwargs)
    assert response.status_code < 500, response.content
    assert (response.status_code >= 400) == call.refused, (response.status_code, response.content)
    events = list(AuditEvent.objects.filter(id__gt=before))
    mine = [e for e in events if e.actor_id == issued.client.account_id]
    assert mine, (
        f"{name}: no event naming the client; {[(e.action, e.actor_label) for e in events]}"
    )
    if call.refused:
        assert any(e.outcome == EventOutcome.DENIED for e in mine), [
            (e.action, e.outcome) for e in mine
        ]
