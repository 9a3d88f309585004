"""The index's records as FHIR R4 resources: plain functions from what a selector returned
(already filtered by the access policy) to JSON-able dicts. Nothing here decides who sees what:
a shielded view simply has nothing more to map."""

from __future__ import annotations

from typing import Any, cast

from childindex.core.identifiers import IdentifierType
from childindex.records.search import Match
from childindex.records.selectors import TeamAroundChild

# The identifier systems, stated in the CapabilityStatement.
IDENTIFIER_SYSTEMS = {
    IdentifierType.NHS: "https://fhir.nhs.uk/Id/nhs-number",
    IdentifierType.CHI: "https://fhir.nhs.uk/Id/chi-number",
    IdentifierType.HC: "https://fhir.nhs.uk/Id/hc-number",
    IdentifierType.UPN: "https://fhir.childindex.uk/Id/unique-pupil-number",
    IdentifierType.INDEX: "https://fhir.childindex.uk/Id/index-number",
}
SYSTEM_TYPES = {system: kind for kind, system in IDENTIFIER_SYSTEMS.items()}
MATCH_GRADE = "http://hl7.org/fhir/StructureDefinition/match-grade"
CONFIDENTIALITY = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality"
GENDERS = {"female": "female", "male": "male", "not_specified": "unknown"}
FROM_FHIR_GENDER = {"female": "female", "male": "male", "other": "", "unknown": ""}


def _index_identifier(index_number: str) -> dict[str, str]:
    return {"system": IDENTIFIER_SYSTEMS[IdentifierType.INDEX], "value": index_number}


def index_team_contact(la) -> dict[str, Any]:
    """How to reach the responsible LA's index team (shown to everyone, shielded or not)."""
    return {
        "name": f"{la.name} children's index team",
        "telecom": [
            {"system": "phone", "value": la.index_team_phone, "use": "work"},
            {"system": "email", "value": la.index_team_email, "use": "work"},
        ],
    }


def patient_from_match(match: Match) -> dict[str, Any]:
    """A search or $match result: enough to tell children apart (never an address)."""
    return {
        "resourceType": "Patient",
        "id": match.index_number,
        "identifier": [_index_identifier(match.index_number)],
        "name": [
            {"use": "official", "family": match.family_name, "given": match.given_names.split()}
        ],
        "gender": GENDERS.get(match.gender, "unknown"),
        "birthDate": match.date_of_birth.isoformat(),
    }


def patient_from_team(team: TeamAroundChild) -> dict[str, Any]:
    """A read: what the policy's view of the record holds. A shielded view holds only the
    name, gender, date of birth, index number, the parents' names and the index team."""
    child = team.child
    patient: dict[str, Any] = {
        "resourceType": "Patient",
        "id": child.index_number,
        "identifier": [_index_identifier(child.index_number)],
        "name": [
            {"use": "official", "family": team.family_name, "given": team.given_names.split()}
        ],
        "gender": GENDERS.get(child.gender, "unknown"),
        "birthDate": child.date_of_birth.isoformat(),
    }
    if team.shielded_view:
        patient["meta"] = {"security": [{"system": CONFIDENTIALITY, "code": "R"}]}
    for identifier in team.identifiers:
        system = IDENTIFIER_SYSTEMS.get(cast(IdentifierType, identifier.type))
        if system and identifier.type != IdentifierType.INDEX:
            patient["identifier"].append({"system": system, "value": identifier.value})
    for name in team.other_names:
        patient["name"].append(
            {"use": "old", "family": name.family_name, "given": name.given_names.split()}
        )
    if not team.shielded_view and child.date_of_death:
        patient["deceasedDateTime"] = child.date_of_death.isoformat()
    if team.address is not None:
        address = team.address
        patient["address"] = [
            {
                "use": "home",
                "line": [line for line in (address.line_1, address.line_2) if line],
                "city": address.town or None,
                "postalCode": address.postcode or None,
                "country": address.country or None,
            }
        ]
        patient["address"][0] = {k: v for k, v in patient["address"][0].items() if v}
    contacts = []
    for carer in team.carers:
        contact: dict[str, Any] = {
            "relationship": [{"text": carer.relationship}],
            "name": {"text": carer.name},
        }
        telecom = [
            {"system": s, "value": v}
            for s, v in (("phone", carer.phone), ("email", carer.email))
            if v
        ]
        if telecom:
            contact["telecom"] = telecom
        contacts.append(contact)
    team_contact = index_team_contact(team.index_team)
    contacts.append(
        {
            "relationship": [{"text": "Responsible LA's children's index team"}],
            "name": {"text": team_contact["name"]},
            "telecom": team_contact["telecom"],
        }
    )
    patient["contact"] = contacts
    return patient


def searchset(entries: list[dict[str, Any]], *, base: str) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(entries),
        "entry": [
            {"fullUrl": f"{base}/{e['resource']['resourceType']}/{e['resource']['id']}", **e}
            for e in entries
        ],
    }
