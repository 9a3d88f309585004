"""The audit trail as FHIR R4 ``AuditEvent`` resources, for an LA's auditor's tool (scope
``audit.read``): who accessed a child, when, in which organisation and role, for what purpose,
with what outcome. From ``monitoring.selectors.child_access_history`` (the policy's ``can_audit``:
the client's own LA only; the read is itself audited). No client address is given out."""

from __future__ import annotations

from typing import Any

from childindex.access.models import Role
from childindex.access.policy import Purpose
from childindex.audit.models import Action, AuditEvent, EventOutcome

AUDIT_ACTION = "https://fhir.childindex.uk/CodeSystem/audit-action"
PURPOSE_OF_ACCESS = "https://fhir.childindex.uk/CodeSystem/purpose-of-access"
_REST = {"system": "http://terminology.hl7.org/CodeSystem/audit-event-type", "code": "rest"}
# FHIR's AuditEventAction: a read, an execute (search and everything else), a create or update.
_ACTIONS: dict[str, str] = {
    Action.RECORD_VIEW: "R",
    Action.SEARCH: "E",
    Action.CONSENT_RECORD: "C",
    Action.INVOLVEMENT_LOG: "C",
    Action.CHILD_CREATE: "C",
}


def _label(choices, value: str) -> str:
    try:
        return choices(value).label
    except ValueError:
        return value


def audit_event_resource(event: AuditEvent, *, index_number: str) -> dict[str, Any]:
    agent: dict[str, Any] = {"who": {"display": event.actor_label}, "requestor": True}
    if event.actor_role:
        agent["role"] = [{"text": _label(Role, event.actor_role)}]
    agents = [agent]
    if event.actor_organisation_id and event.actor_organisation is not None:
        agents.append(
            {
                "who": {"display": event.actor_organisation.name},
                "role": [{"text": "The actor's organisation"}],
                "requestor": False,
            }
        )
    resource: dict[str, Any] = {
        "resourceType": "AuditEvent",
        "id": f"audit-{event.pk}",
        "type": _REST,
        "subtype": [
            {"system": AUDIT_ACTION, "code": event.action, "display": _label(Action, event.action)}
        ],
        "action": _ACTIONS.get(event.action, "E"),
        "recorded": event.at.isoformat(),
        "outcome": "0" if event.outcome == EventOutcome.ALLOWED else "4",
        "agent": agents,
        "source": {"observer": {"display": "childindex"}},
        "entity": [{"what": {"reference": f"Patient/{index_number}"}}],
    }
    if event.outcome != EventOutcome.ALLOWED:
        resource["outcomeDesc"] = _label(EventOutcome, event.outcome)
    if event.purpose:
        resource["purposeOfEvent"] = [
            {
                "coding": [
                    {
                        "system": PURPOSE_OF_ACCESS,
                        "code": event.purpose,
                        "display": _label(Purpose, event.purpose),
                    }
                ]
            }
        ]
    return resource
