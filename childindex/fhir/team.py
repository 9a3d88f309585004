"""The team around the child as FHIR resources, from ``records.selectors.team_around_child``
(what the access policy lets this client see; nothing more is there to map).

- each involvement an ``EpisodeOfCare`` (patient, managing organisation, care manager, period,
  basis), with the indicators as extensions (lead professional, assessment undertaken with its
  type and date, information to share, taking action);
- the team a ``CareTeam``; practitioners ``PractitionerRole``; services ``HealthcareService``;
  carers ``RelatedPerson``.

A sensitive involvement is shown only as "a sensitive service is involved", with the LA index
team as the contact: no service, organisation, practitioner or category. A hidden concern is
not in the selector's answer, so it never appears.
"""

from __future__ import annotations

from typing import Any

from childindex.access import policy
from childindex.fhir.mapping import index_team_contact
from childindex.records.selectors import TeamAroundChild, TeamMember

EXTENSION = "https://fhir.childindex.uk/StructureDefinition/"
LEAD_PROFESSIONAL = EXTENSION + "lead-professional"
ASSESSMENT = EXTENSION + "assessment"
INFORMATION_TO_SHARE = EXTENSION + "information-to-share"
TAKING_ACTION = EXTENSION + "taking-action"
INDICATOR_EXTENSIONS = {
    LEAD_PROFESSIONAL: "valueBoolean: this involvement's practitioner is the lead professional",
    ASSESSMENT: "extensions type (valueString) and date (valueDate): an assessment undertaken",
    INFORMATION_TO_SHARE: "valueBoolean: the service has information to share",
    TAKING_ACTION: "valueBoolean: the service is taking action",
}
SENSITIVE = "A sensitive service is involved"
SENSITIVE_ENDED = "A sensitive service was involved"
TEAM_RESOURCES = (
    "EpisodeOfCare",
    "CareTeam",
    "PractitionerRole",
    "HealthcareService",
    "RelatedPerson",
)


def _period(member: TeamMember) -> dict[str, str]:
    period = {}
    if member.started_on:
        period["start"] = member.started_on.isoformat()
    if member.ended_on:
        period["end"] = member.ended_on.isoformat()
    return period


def _members(team: TeamAroundChild) -> list[TeamMember]:
    return [*team.current, *team.ended]


def _index_team_display(team: TeamAroundChild) -> str:
    return index_team_contact(team.index_team)["name"]


def _indicators(member: TeamMember) -> list[dict[str, Any]]:
    extensions: list[dict[str, Any]] = [
        {"url": LEAD_PROFESSIONAL, "valueBoolean": member.is_lead_professional},
        {"url": INFORMATION_TO_SHARE, "valueBoolean": member.has_information_to_share},
        {"url": TAKING_ACTION, "valueBoolean": member.taking_action},
    ]
    if member.assessment_type:
        inner: list[dict[str, Any]] = [{"url": "type", "valueString": member.assessment_type}]
        if member.assessment_on:
            inner.append({"url": "date", "valueDate": member.assessment_on.isoformat()})
        extensions.append({"url": ASSESSMENT, "extension": inner})
    return extensions


def episode_of_care(team: TeamAroundChild, member: TeamMember) -> dict[str, Any]:
    patient = {"reference": f"Patient/{team.child.index_number}"}
    status = "finished" if member.ended_on else "active"
    if member.view == policy.Visibility.SENSITIVE:
        episode: dict[str, Any] = {
            "resourceType": "EpisodeOfCare",
            "id": f"involvement-{member.involvement_id}",
            "status": status,
            "type": [{"text": SENSITIVE_ENDED if member.ended_on else SENSITIVE}],
            "patient": patient,
            "managingOrganization": {"display": _index_team_display(team)},
        }
        if member.ended_on:
            episode["period"] = {"end": member.ended_on.isoformat()}
        return episode
    episode = {
        "resourceType": "EpisodeOfCare",
        "id": f"involvement-{member.involvement_id}",
        "extension": _indicators(member),
        "status": status,
        "type": [{"text": f"{member.service_name} ({member.basis})"}],
        "patient": patient,
        "managingOrganization": {"display": member.organisation},
        "period": _period(member),
    }
    if member.practitioner_name:
        episode["careManager"] = {"display": member.practitioner_name}
    return episode


def care_team(team: TeamAroundChild) -> dict[str, Any]:
    participants = []
    for member in team.current:
        if member.view == policy.Visibility.SENSITIVE:
            participants.append(
                {
                    "role": [{"text": SENSITIVE}],
                    "member": {"display": _index_team_display(team)},
                }
            )
            continue
        participant: dict[str, Any] = {
            "role": [
                {
                    "text": "Lead professional"
                    if member.is_lead_professional
                    else (member.practitioner_job_title or member.service_kind or "Service")
                }
            ],
            "onBehalfOf": {"display": member.organisation},
            "period": _period(member),
        }
        participant["member"] = {"display": member.practitioner_name or member.service_name}
        participants.append(participant)
    return {
        "resourceType": "CareTeam",
        "id": f"team-{team.child.index_number}",
        "status": "active",
        "name": "The team around the child",
        "subject": {"reference": f"Patient/{team.child.index_number}"},
        "participant": participants,
    }


def _telecom(phone: str, email: str) -> list[dict[str, str]]:
    return [
        {"system": s, "value": v, "use": "work"}
        for s, v in (("phone", phone), ("email", email))
        if v
    ]


def practitioner_roles(team: TeamAroundChild) -> list[dict[str, Any]]:
    roles = []
    for member in _members(team):
        if member.view != policy.Visibility.FULL or not member.practitioner_name:
            continue
        role: dict[str, Any] = {
            "resourceType": "PractitionerRole",
            "id": f"involvement-{member.involvement_id}",
            "active": member.ended_on is None,
            "practitioner": {"display": member.practitioner_name},
            "organization": {"display": member.organisation},
            "healthcareService": [{"display": member.service_name}],
        }
        if member.practitioner_job_title:
            role["code"] = [{"text": member.practitioner_job_title}]
        telecom = _telecom(member.practitioner_phone, member.practitioner_email)
        if telecom:
            role["telecom"] = telecom
        roles.append(role)
    return roles


def healthcare_services(team: TeamAroundChild) -> list[dict[str, Any]]:
    services = []
    for member in _members(team):
        if member.view != policy.Visibility.FULL:
            continue
        service: dict[str, Any] = {
            "resourceType": "HealthcareService",
            "id": f"involvement-{member.involvement_id}",
            "active": member.ended_on is None,
            "providedBy": {"display": member.organisation},
            "name": member.service_name,
        }
        if member.service_kind:
            service["type"] = [{"text": member.service_kind}]
        telecom = _telecom(member.service_phone, member.service_email)
        if telecom:
            service["telecom"] = telecom
        services.append(service)
    return services


def related_persons(team: TeamAroundChild) -> list[dict[str, Any]]:
    people = []
    for n, carer in enumerate(team.carers, start=1):
        person: dict[str, Any] = {
            "resourceType": "RelatedPerson",
            "id": f"{team.child.index_number}-carer-{n}",
            "patient": {"reference": f"Patient/{team.child.index_number}"},
            "relationship": [{"text": carer.relationship}],
            "name": [{"text": carer.name}],
        }
        telecom = [
            {"system": s, "value": v}
            for s, v in (("phone", carer.phone), ("email", carer.email))
            if v
        ]
        if telecom:
            person["telecom"] = telecom
        people.append(person)
    return people


def team_resources(team: TeamAroundChild, resource_type: str) -> list[dict[str, Any]]:
    if resource_type == "EpisodeOfCare":
        return [episode_of_care(team, m) for m in _members(team)]
    if resource_type == "CareTeam":
        return [care_team(team)]
    if resource_type == "PractitionerRole":
        return practitioner_roles(team)
    if resource_type == "HealthcareService":
        return healthcare_services(team)
    if resource_type == "RelatedPerson":
        return related_persons(team)
    raise ValueError(resource_type)
