"""A child's consents as FHIR R4 ``Consent`` resources, from ``team_around_child``'s
``consents`` (what ``policy.consent_view`` lets this client see), and a posted ``Consent`` read
back into the values ``consent.services.consent_record`` takes.

- ``id``: ``consent-<n>``; ``status`` ``active`` while it stands, ``inactive`` once withdrawn;
- ``category``: what it covers, in the code system ``CONSENT_SCOPE`` (``additional_services``,
  ``named_service``, ``retention_to_25``);
- ``performer``: who gave it, the ``Patient`` (the young person) or a ``RelatedPerson`` (a
  carer, the same id as ``RelatedPerson?patient=``);
- ``dateTime``: the day it was given; ``provision.period``: from then to its withdrawal;
- ``provision.actor``: for a named service, the service (``display``).

A consent to a sensitive service that the client does not see in full says only "A sensitive
service", with no dates and no performer (``meta.security`` R).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from childindex.consent.models import GivenBy, Scope
from childindex.consent.selectors import ConsentEntry
from childindex.fhir.mapping import CONFIDENTIALITY
from childindex.records.selectors import TeamAroundChild

CONSENT_SCOPE = "https://fhir.childindex.uk/CodeSystem/consent-scope"
CONSENT_ID_PREFIX = "consent-"
_PRIVACY = {
    "coding": [
        {
            "system": "http://terminology.hl7.org/CodeSystem/consentscope",
            "code": "patient-privacy",
        }
    ]
}
_OPT_IN = {
    "coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "OPTIN"}]
}


def consent_id(entry_id: int) -> str:
    return f"{CONSENT_ID_PREFIX}{entry_id}"


def _performer(team: TeamAroundChild, entry: ConsentEntry) -> dict[str, str]:
    patient = f"Patient/{team.child.index_number}"
    if entry.carer_name:
        for n, carer in enumerate(team.carers, start=1):
            if carer.name == entry.carer_name:
                return {
                    "reference": f"RelatedPerson/{team.child.index_number}-carer-{n}",
                    "display": carer.name,
                }
        return {"display": entry.carer_name}
    return {"reference": patient, "display": GivenBy.YOUNG_PERSON.label}


def consent_resource(team: TeamAroundChild, entry: ConsentEntry) -> dict[str, Any]:
    category = [
        {
            "coding": [
                {
                    "system": CONSENT_SCOPE,
                    "code": entry.scope,
                    "display": Scope(entry.scope).label,
                }
            ]
        }
    ]
    resource: dict[str, Any] = {
        "resourceType": "Consent",
        "id": consent_id(entry.consent_id),
        "status": "active" if entry.stands else "inactive",
        "scope": _PRIVACY,
        "category": category,
        "patient": {"reference": f"Patient/{team.child.index_number}"},
        "policyRule": _OPT_IN,
    }
    if entry.is_sensitive_view:
        resource["meta"] = {"security": [{"system": CONFIDENTIALITY, "code": "R"}]}
        resource["provision"] = {"type": "permit", "actor": [_actor(entry.covers)]}
        return resource
    resource["dateTime"] = entry.given_on.isoformat() if entry.given_on else None
    resource["performer"] = [_performer(team, entry)]
    provision: dict[str, Any] = {"type": "permit", "period": {}}
    if entry.given_on:
        provision["period"]["start"] = entry.given_on.isoformat()
    if entry.withdrawn_on:
        provision["period"]["end"] = entry.withdrawn_on.isoformat()
    if entry.service_name:
        provision["actor"] = [_actor(entry.service_name)]
    resource["provision"] = provision
    return {k: v for k, v in resource.items() if v is not None}


def _actor(display: str) -> dict[str, Any]:
    return {
        "role": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
                    "code": "IRCP",
                    "display": "information recipient",
                }
            ]
        },
        "reference": {"display": display},
    }


class ConsentInputError(ValueError):
    """The posted Consent cannot be recorded; the message says what to change."""


def consent_values(consent, *, index_number: str) -> dict[str, Any]:
    """What a posted (validated) R4B ``Consent`` asks to record: ``given_by``, ``carer_ref``
    (a RelatedPerson id), ``scope``, ``service_ref`` (a HealthcareService id) and ``given_on``."""
    if consent.status != "active":
        raise ConsentInputError("A new Consent must have status 'active'.")
    patient = (consent.patient.reference if consent.patient else "") or ""
    if patient.removeprefix("Patient/") != index_number or not patient:
        raise ConsentInputError("patient.reference must be Patient/<the child's id>.")
    codes = [
        coding.code
        for category in consent.category or []
        for coding in category.coding or []
        if coding.system == CONSENT_SCOPE
    ]
    if len(codes) != 1 or codes[0] not in Scope.values:
        raise ConsentInputError(
            f"category must hold one coding of {CONSENT_SCOPE}: {', '.join(Scope.values)}."
        )
    performers = [p.reference or "" for p in consent.performer or []]
    if len(performers) != 1:
        raise ConsentInputError(
            "performer must hold who gave consent: Patient/<id> (the young person) or "
            "RelatedPerson/<id> (a parent or carer, as RelatedPerson?patient= gives)."
        )
    given_by, carer_ref = GivenBy.YOUNG_PERSON, ""
    if performers[0].startswith("RelatedPerson/"):
        given_by, carer_ref = GivenBy.PARENT_CARER, performers[0].removeprefix("RelatedPerson/")
    elif performers[0] != f"Patient/{index_number}":
        raise ConsentInputError("performer must be the Patient or one of their RelatedPersons.")
    service_ref = ""
    if codes[0] == Scope.NAMED_SERVICE:
        actors = (consent.provision.actor or []) if consent.provision else []
        refs = [a.reference.reference or "" for a in actors if a.reference]
        if len(refs) != 1 or not refs[0].startswith("HealthcareService/"):
            raise ConsentInputError(
                "A named-service consent needs provision.actor[0].reference "
                "HealthcareService/<id>: your own service's, as HealthcareService?patient= gives."
            )
        service_ref = refs[0].removeprefix("HealthcareService/")
    given = consent.dateTime
    if given is None:
        raise ConsentInputError("dateTime must say when consent was given (YYYY-MM-DD).")
    given_on = given.date() if isinstance(given, dt.datetime) else given
    return {
        "given_by": given_by,
        "carer_ref": carer_ref,
        "scope": codes[0],
        "service_ref": service_ref,
        "given_on": given_on,
    }
