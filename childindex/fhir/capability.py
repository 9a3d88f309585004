"""The CapabilityStatement and the OpenAPI document, built from one table of what the API
supports, so neither can claim more (or less) than the URL conf serves."""

from __future__ import annotations

from typing import Any

from childindex.fhir.consents import CONSENT_SCOPE
from childindex.fhir.mapping import IDENTIFIER_SYSTEMS, MATCH_GRADE
from childindex.fhir.models import Scope
from childindex.fhir.team import INDICATOR_EXTENSIONS, SENSITIVE, TEAM_RESOURCES

CONSENT_DOC = (
    "A family's consents to sharing (category: " + CONSENT_SCOPE + " additional_services, "
    "named_service or retention_to_25; performer: the Patient or a RelatedPerson; status "
    "active or inactive once withdrawn). A consent to a sensitive service the client does not "
    "see in full says only 'A sensitive service'. create: a practitioner system whose "
    "organisation works with the child records one (a named service: provision.actor "
    "HealthcareService/<id> of its own). update: PUT status 'inactive' (provision.period.end "
    "the day) withdraws it; nothing else changes."
)
SEARCH_PARAMS = {
    "identifier": ("token", "system|value; systems: see the identifier extension"),
    "name": ("string", "the child's name (with birthdate or address-postalcode)"),
    "family": ("string", "family name (with given, and birthdate or address-postalcode)"),
    "given": ("string", "given names"),
    "birthdate": ("date", "YYYY-MM-DD, or a year YYYY"),
    "address-postalcode": ("string", "a full postcode or a postcode district"),
    "gender": ("token", "female, male or unknown"),
}
RESOURCES: list[dict[str, Any]] = [
    {
        "type": "Patient",
        "interaction": ["read", "search-type"],
        "operation": [("match", "http://hl7.org/fhir/OperationDefinition/Patient-match")],
        "searchParam": SEARCH_PARAMS,
        "scope": {"read": Scope.READ, "search-type": Scope.MATCH, "match": Scope.MATCH},
    },
    *(
        {
            "type": kind,
            "interaction": ["search-type", "update"]
            if kind == "EpisodeOfCare"
            else ["search-type"],
            "operation": [],
            "searchParam": {"patient": ("reference", "the child: Patient/<id> or <id>")},
            "scope": {"search-type": Scope.READ, "update": Scope.INDICATOR_WRITE},
        }
        for kind in TEAM_RESOURCES
    ),
    {
        "type": "Consent",
        "interaction": ["read", "search-type", "create", "update"],
        "operation": [],
        "searchParam": {"patient": ("reference", "the child: Patient/<id> or <id>")},
        "scope": {
            "read": Scope.READ,
            "search-type": Scope.READ,
            "create": Scope.CONSENT_WRITE,
            "update": Scope.CONSENT_WRITE,
        },
        "documentation": CONSENT_DOC,
    },
    {
        "type": "AuditEvent",
        "interaction": ["search-type"],
        "operation": [],
        "searchParam": {
            "patient": ("reference", "the child: Patient/<id> or <id> (required)"),
            "date": ("date", "geYYYY-MM-DD and/or ltYYYY-MM-DD"),
            "_count": ("number", "at most 200 (the default), newest first"),
        },
        "scope": {"search-type": Scope.AUDIT_READ},
        "documentation": (
            "Who accessed the child: when (recorded), who and in which role and organisation "
            "(agent), for what purpose (purposeOfEvent), what (subtype, in "
            "https://fhir.childindex.uk/CodeSystem/audit-action) and the outcome. For an "
            "auditor's tool of the child's own LA only; the read is itself audited."
        ),
    },
]
FHIR_VERSION = "4.0.1"
TRANSACTION_DOC = (
    "POST /fhir: a transaction Bundle of Patient + EpisodeOfCare entries from a source "
    "system (scope feed.write), imported like a CSV feed row; the Patient carries the "
    "source's own key as an identifier with system "
    "https://fhir.childindex.uk/Id/source/<client name>, and each EpisodeOfCare the "
    "client's own organisation code in managingOrganization.identifier. A client's first "
    "Bundle of 500 or more records, any Bundle sent while an earlier one still waits, and "
    "any sent with 'Prefer: respond-async' are answered 202 Accepted (FHIR's asynchronous "
    "pattern): the worker imports it, its first Bundle scored by a linkage model estimated "
    "for it on the LA's data; GET the Content-Location URL (/fhir/_bundle/<id>, scope "
    "feed.write) for 202 while it waits, then a batch-response Bundle holding the "
    "transaction-response."
)
OAUTH_URIS = "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris"
IDENTIFIER_EXTENSION = "https://fhir.childindex.uk/StructureDefinition/identifier-systems"


def capability_statement(*, base: str, token_url: str) -> dict[str, Any]:
    resources = []
    for resource in RESOURCES:
        entry: dict[str, Any] = {
            "type": resource["type"],
            "interaction": [{"code": code} for code in resource["interaction"]],
        }
        if resource["searchParam"]:
            entry["searchParam"] = [
                {"name": name, "type": kind, "documentation": doc}
                for name, (kind, doc) in resource["searchParam"].items()
            ]
        if resource["operation"]:
            entry["operation"] = [
                {"name": name, "definition": definition}
                for name, definition in resource["operation"]
            ]
        scopes = ", ".join(f"{k}: {v}" for k, v in resource["scope"].items())
        entry["documentation"] = f"Scopes needed: {scopes}." + (
            f" {resource['documentation']}" if resource.get("documentation") else ""
        )
        resources.append(entry)
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": "2026-12-02",
        "publisher": "childindex",
        "kind": "instance",
        "software": {"name": "childindex"},
        "implementation": {"description": "childindex FHIR R4 API", "url": base},
        "fhirVersion": FHIR_VERSION,
        "format": ["application/fhir+json"],
        "extension": [
            {
                "url": IDENTIFIER_EXTENSION,
                "extension": [
                    {"url": kind.value, "valueUri": system}
                    for kind, system in IDENTIFIER_SYSTEMS.items()
                ],
            }
        ],
        "rest": [
            {
                "mode": "server",
                "documentation": (
                    "$match returns a searchset Bundle; each entry has search.score and the "
                    f"match-grade extension ({MATCH_GRADE}): certain, probable or possible. "
                    "Every call is audited with the client and its purpose of access. "
                    "The team around the child: an EpisodeOfCare per involvement, its indicators "
                    "as extensions ("
                    + "; ".join(f"{url}: {doc}" for url, doc in INDICATOR_EXTENSIONS.items())
                    + f"). A sensitive involvement appears only as '{SENSITIVE}', with the LA "
                    "index team as the contact; a hidden concern never appears."
                ),
                "security": {
                    "extension": [
                        {
                            "url": OAUTH_URIS,
                            "extension": [{"url": "token", "valueUri": token_url}],
                        }
                    ],
                    "service": [
                        {
                            "coding": [
                                {
                                    "system": "http://terminology.hl7.org/CodeSystem/"
                                    "restful-security-service",
                                    "code": "OAuth",
                                }
                            ]
                        }
                    ],
                    "description": (
                        "OAuth2 client credentials (POST the token endpoint with "
                        "grant_type=client_credentials). Scopes: "
                        + "; ".join(f"{s.value} ({s.label})" for s in Scope)
                    ),
                },
                "interaction": [
                    {
                        "code": "transaction",
                        "documentation": TRANSACTION_DOC,
                    }
                ],
                "resource": resources,
            }
        ],
    }


def openapi_document(*, base: str, token_url: str) -> dict[str, Any]:
    """OpenAPI 3.1 for the same endpoints."""
    fhir_json = {"application/fhir+json": {"schema": {"type": "object"}}}
    errors = {
        str(code): {"description": f"OperationOutcome ({label})", "content": fhir_json}
        for code, label in (
            (400, "invalid resource, missing criteria, unknown parameter"),
            (401, "no valid token"),
            (403, "forbidden scope"),
            (404, "unknown resource, or a child this client may not see"),
            (429, "too many requests"),
        )
    }
    paths: dict[str, Any] = {
        "/metadata": {
            "get": {
                "summary": "CapabilityStatement",
                "responses": {"200": {"description": "CapabilityStatement", "content": fhir_json}},
            }
        }
    }
    id_parameter = [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}]
    paths["/"] = {
        "post": {
            "summary": "A transaction Bundle of a source system's records",
            "security": [{"oauth2": [Scope.FEED_WRITE]}],
            "requestBody": {"content": fhir_json},
            "responses": {
                "200": {"description": "transaction-response", "content": fhir_json},
                "202": {
                    "description": "Accepted for the worker: poll the Content-Location URL",
                    "content": fhir_json,
                },
                **errors,
            },
        }
    }
    paths["/_bundle/{id}"] = {
        "get": {
            "summary": "An accepted Bundle's status (FHIR's asynchronous pattern)",
            "security": [{"oauth2": [Scope.FEED_WRITE]}],
            "parameters": id_parameter,
            "responses": {
                "200": {
                    "description": "batch-response holding the transaction-response",
                    "content": fhir_json,
                },
                "202": {"description": "still waiting or running", "content": fhir_json},
                **errors,
            },
        }
    }
    for resource in RESOURCES:
        kind = resource["type"]
        scope = resource["scope"]
        interactions = resource["interaction"]
        search_parameters = [
            {"name": name, "in": "query", "required": False, "schema": {"type": "string"}}
            for name in resource["searchParam"]
        ]

        def operation(summary, needs, *, ok, body=None, parameters=None):
            found: dict[str, Any] = {
                "summary": summary,
                "security": [{"oauth2": [needs]}],
                "responses": {"200": {"description": ok, "content": fhir_json}, **errors},
            }
            if parameters:
                found["parameters"] = parameters
            if body:
                found["requestBody"] = {"content": body}
            return found

        if "search-type" in interactions:
            paths.setdefault(f"/{kind}", {})["get"] = operation(
                f"Search {kind}", scope["search-type"], ok="searchset", parameters=search_parameters
            )
        if "create" in interactions:
            paths.setdefault(f"/{kind}", {})["post"] = operation(
                f"Create {kind}", scope["create"], ok=f"{kind} (201 Created)", body=fhir_json
            )
        if kind == "Patient":
            paths[f"/{kind}/_search"] = {
                "post": operation(
                    f"Search {kind} (criteria in a form body, not the URL)",
                    scope["search-type"],
                    ok="searchset",
                    body={"application/x-www-form-urlencoded": {"schema": {"type": "object"}}},
                )
            }
        if "read" in interactions:
            paths.setdefault(f"/{kind}/{{id}}", {})["get"] = operation(
                f"Read {kind}", scope["read"], ok=kind, parameters=id_parameter
            )
        if "update" in interactions:
            summary = (
                "Withdraw a consent (status inactive)"
                if kind == "Consent"
                else f"Set or clear the indicators of one's own {kind}"
            )
            paths.setdefault(f"/{kind}/{{id}}", {})["put"] = operation(
                summary, scope["update"], ok=kind, body=fhir_json, parameters=id_parameter
            )
        for name, _definition in resource["operation"]:
            paths[f"/{kind}/${name}"] = {
                "post": operation(
                    f"{kind} ${name} (IHE PDQm)", scope[name], ok="searchset", body=fhir_json
                )
            }
    return {
        "openapi": "3.1.0",
        "info": {"title": "childindex FHIR R4 API", "version": "1"},
        "servers": [{"url": base}],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "oauth2": {
                    "type": "oauth2",
                    "flows": {
                        "clientCredentials": {
                            "tokenUrl": token_url,
                            "scopes": {s.value: s.label for s in Scope},
                        }
                    },
                }
            }
        },
    }
