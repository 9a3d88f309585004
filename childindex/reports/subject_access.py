"""Subject access: everything the index holds about one child, and who accessed the record,
for a request made through the LA (the LA's index team produces it; ``policy.can_read_reports``).

What goes in follows ``policy.subject_access_redaction`` for the requester the index team chose;
this module fetches and applies it, so the HTML page, the PDF and the JSON hold the same thing
(they are rendered from the one ``SubjectAccessExport`` value). Producing one is audited
(``subject_access_export``) and raises no alert: it is the LA answering a legal request, not a
practitioner looking at a shielded record.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from childindex.access import policy
from childindex.access.models import Role
from childindex.access.policy import Purpose, Visibility
from childindex.audit.models import Action, AuditEvent, AuditEventChild
from childindex.audit.services import audit_record
from childindex.consent.models import Consent, Scope
from childindex.core.identifiers import IDENTIFIER_LABELS, IdentifierType
from childindex.core.routers import replica_reads
from childindex.records.models import Child, ChildStatus, Involvement
from childindex.records.selectors import child_lookup_refused
from childindex.reports.models import AccessorNames, SubjectAccessSettings
from childindex.sources.models import SourceLink

ACTION = Action.SUBJECT_ACCESS_EXPORT
WITHHELD = "Withheld"
ACCESS_ACTIONS = {
    "child_search": "Found in a search",
    "record_view": "Record opened",
    "change": "Record changed",
    "export": "Included in an export",
    "report_view": "Listed in a report",
    ACTION: "Subject access export produced",
}


@dataclass(frozen=True)
class SubjectAccessExport:
    produced_at: str
    local_authority: str
    requester: str
    withheld: list[str]
    child: dict[str, Any]
    names: list[dict[str, Any]]
    addresses: list[dict[str, Any]]
    identifiers: list[dict[str, Any]]
    carers: list[dict[str, Any]]
    involvements: list[dict[str, Any]]
    consents: list[dict[str, Any]]
    links: list[dict[str, Any]]
    accesses: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    def sections(self) -> list[dict[str, Any]]:
        """The export as titled tables, for the printable page and the PDF."""

        def yes(value: bool) -> str:
            return "Yes" if value else "No"

        def section(title: str, empty: str, header: list[str], rows: list[list[Any]]):
            return {"title": title, "empty": empty, "header": header, "rows": rows}

        return [
            section(
                "Names",
                "No name is held.",
                ["Kind", "Given names", "Family name", "From", "Until"],
                [
                    [n["kind"], n["given_names"], n["family_name"], n["used_from"], n["used_until"]]
                    for n in self.names
                ],
            ),
            section(
                "Addresses",
                "No address is included.",
                ["Status", "Address", "Postcode", "From", "Until"],
                [
                    [
                        a["status"],
                        ", ".join(
                            x for x in (a["line_1"], a["line_2"], a["town"], a["country"]) if x
                        ),
                        a["postcode"],
                        a["lived_from"],
                        a["lived_until"],
                    ]
                    for a in self.addresses
                ],
            ),
            section(
                "Identifiers",
                "No identifier is held.",
                ["Identifier", "Value"],
                [
                    [i["type"] + (f" ({i['issuer']})" if i.get("issuer") else ""), i["value"]]
                    for i in self.identifiers
                ],
            ),
            section(
                "Parents and carers",
                "No parent or carer is held.",
                ["Name", "Relationship", "Parental responsibility"],
                [
                    [
                        f"{c['given_names']} {c['family_name']}",
                        c["relationship"],
                        yes(c["parental_responsibility"]),
                    ]
                    for c in self.carers
                ],
            ),
            section(
                "Services involved",
                "No service is included.",
                ["Service", "Organisation", "Practitioner", "From", "Until", "Basis", "Indicators"],
                [
                    [
                        f"{i['service_kind']}: {i['service']}",
                        i["organisation"],
                        i["practitioner"],
                        i["started_on"],
                        i["ended_on"],
                        i["basis"],
                        "; ".join(
                            x
                            for x in (
                                "lead professional" if i["lead_professional"] else "",
                                f"{i['assessment']} on {i['assessment_on']}"
                                if i["assessment"]
                                else "",
                                "has information to share" if i["has_information_to_share"] else "",
                                "taking action" if i["taking_action"] else "",
                            )
                            if x
                        ),
                    ]
                    for i in self.involvements
                ],
            ),
            section(
                "Consents",
                "No consent is included.",
                ["Given by", "To", "Service", "Given on", "Withdrawn on"],
                [
                    [c["given_by"], c["scope"], c["service"], c["given_on"], c["withdrawn_on"]]
                    for c in self.consents
                ],
            ),
            section(
                "How the record was linked",
                "No source system's record is linked.",
                ["Source", "How", "Linked", "Unlinked"],
                [[x["source"], x["how"], x["linked_at"], x["unlinked_at"]] for x in self.links],
            ),
            section(
                "Who accessed the record",
                "Nobody has accessed the record.",
                ["When", "What", "Organisation", "Role", "Purpose", "Person", "Outcome"],
                [
                    [
                        a["when"],
                        a["what"],
                        a["organisation"],
                        a["role"],
                        a["purpose"],
                        a["person"],
                        a["outcome"],
                    ]
                    for a in self.accesses
                ],
            ),
        ]


def _d(day: dt.date | None) -> str:
    return day.isoformat() if day else ""


@replica_reads
def la_child(*, actor, index_number: str) -> Child:
    """A child of the index team's own LA (any status but merged), by index number."""
    decision = policy.can_read_reports(actor, actor.local_authority_id)
    if not decision:
        raise PermissionDenied(decision.message)
    try:
        return Child.objects.exclude(status=ChildStatus.MERGED).get(
            index_number=index_number, responsible_la_id=actor.local_authority_id
        )
    except Child.DoesNotExist:
        child_lookup_refused(
            actor=actor,
            index_number=index_number,
            action=Action.SUBJECT_ACCESS_EXPORT,
            reason="No record of your LA has that index number",
        )
        raise


@replica_reads
def subject_access_export(
    *,
    actor,
    child: Child,
    requester: str,
    shield_protects_against_requester: bool,
) -> SubjectAccessExport:
    decision = policy.can_read_reports(actor, child.responsible_la_id)
    if not decision:
        raise PermissionDenied(decision.message)
    settings = SubjectAccessSettings.objects.filter(
        local_authority_id=child.responsible_la_id
    ).first()
    redaction = policy.subject_access_redaction(
        requester=requester,
        child=child,
        shield_protects_against_requester=shield_protects_against_requester,
        accessor_names_shown=bool(settings and settings.accessor_names == AccessorNames.SHOWN),
    )
    located = not redaction.location_withheld

    names = [
        {
            "kind": n.get_kind_display(),
            "given_names": n.given_names,
            "family_name": n.family_name,
            "used_from": _d(n.used_from),
            "used_until": _d(n.used_until),
        }
        for n in child.names.order_by("kind", "used_from", "pk")
    ]
    addresses = (
        [
            {
                "status": a.get_status_display(),
                "line_1": a.line_1,
                "line_2": a.line_2,
                "town": a.town,
                "postcode": a.postcode,
                "country": a.country,
                "lived_from": _d(a.lived_from),
                "lived_until": _d(a.lived_until),
            }
            for a in child.addresses.order_by("-lived_until", "lived_from", "pk")
        ]
        if located
        else []
    )
    identifiers = [
        {
            "type": IDENTIFIER_LABELS.get(IdentifierType(i.type), i.type),
            "value": i.value,
            **({"issuer": i.issuer} if i.issuer and located else {}),
        }
        for i in child.identifiers.order_by("type", "pk")
        if located or i.type != IdentifierType.LOCAL  # a local number names its system
    ]
    carers = [
        {
            "given_names": link.carer.given_names,
            "family_name": link.carer.family_name,
            "relationship": link.get_relationship_display(),
            "parental_responsibility": link.parental_responsibility,
        }
        for link in child.carer_links.select_related("carer").order_by("pk")
    ]
    involvements = []
    shown_services: set[int] = set()
    for inv in (
        Involvement.objects.filter(child=child)
        .select_related("service__organisation", "practitioner")
        .order_by("started_on", "pk")
    ):
        view = policy.subject_access_involvement_view(redaction, inv)
        if view == Visibility.HIDDEN:
            continue
        shown_services.add(inv.service_id)
        full = view == Visibility.FULL
        involvements.append(
            {
                "service_kind": inv.service.get_kind_display(),
                "service": inv.service.name if full else WITHHELD,
                "organisation": inv.service.organisation.name if full else WITHHELD,
                "practitioner": (
                    f"{inv.practitioner.given_name} {inv.practitioner.family_name}"
                    if full and inv.practitioner
                    else (WITHHELD if inv.practitioner else "")
                ),
                "started_on": _d(inv.started_on),
                "ended_on": _d(inv.ended_on),
                "basis": inv.get_basis_display(),
                "came_from": "A source system's feed" if inv.source_feed else "A practitioner",
                "lead_professional": inv.is_lead_professional,
                "assessment": inv.get_assessment_type_display() if inv.assessment_type else "",
                "assessment_on": _d(inv.assessment_on),
                "has_information_to_share": inv.has_information_to_share,
                "taking_action": inv.taking_action,
            }
        )
    consents = []
    for c in Consent.objects.filter(child=child).select_related("service").order_by("given_on"):
        if c.scope == Scope.NAMED_SERVICE and c.service_id not in shown_services:
            continue  # consent to a service this requester is not told of
        consents.append(
            {
                "given_by": c.get_given_by_display(),
                "scope": c.get_scope_display(),
                "service": (c.service.name if located else WITHHELD) if c.service else "",
                "given_on": _d(c.given_on),
                "withdrawn_on": _d(c.withdrawn_on),
            }
        )
    links = [
        {
            "source": link.source_record.feed.label if located else "A source system",
            "how": link.get_method_display(),
            "linked_at": timezone.localtime(link.linked_at).isoformat(timespec="minutes"),
            "unlinked_at": (
                timezone.localtime(link.unlinked_at).isoformat(timespec="minutes")
                if link.unlinked_at
                else ""
            ),
        }
        for link in SourceLink.objects.filter(child=child)
        .select_related("source_record__feed")
        .order_by("linked_at", "pk")
    ]
    accesses = _accesses(child, redaction)
    export = SubjectAccessExport(
        produced_at=timezone.localtime().isoformat(timespec="minutes"),
        local_authority=child.responsible_la.name,
        requester=policy.Requester(requester).label,
        withheld=list(redaction.reasons),
        child={
            "index_number": child.formatted_index_number,
            "date_of_birth": _d(child.date_of_birth),
            "gender": child.get_gender_display(),
            "status": child.get_status_display(),
            "date_of_death": _d(child.date_of_death),
            "shielded": child.shielded,
        },
        names=names,
        addresses=addresses,
        identifiers=identifiers,
        carers=carers,
        involvements=involvements,
        consents=consents,
        links=links,
        accesses=accesses,
    )
    audit_record(
        actor=actor,
        action=ACTION,
        children=[child.index_number],
        detail={
            "requester": requester,
            "shield_protects_against_requester": shield_protects_against_requester,
            "location_withheld": redaction.location_withheld,
        },
    )
    return export


def _accesses(child: Child, redaction) -> list[dict[str, Any]]:
    ids = AuditEventChild.objects.filter(index_number=child.index_number).values("event_id")
    rows = []
    for event in (
        AuditEvent.objects.filter(pk__in=ids)
        .select_related("actor_organisation")
        .order_by("at", "id")
    ):
        organisation = event.actor_organisation.name if event.actor_organisation else ""
        rows.append(
            {
                "when": timezone.localtime(event.at).isoformat(timespec="minutes"),
                "what": ACCESS_ACTIONS.get(event.action, event.action_label),
                "organisation": (organisation if redaction.accessor_organisations else WITHHELD)
                if organisation
                else "",
                "role": Role(event.actor_role).label if event.actor_role in Role.values else "",
                "purpose": Purpose(event.purpose).label if event.purpose in Purpose.values else "",
                "person": event.actor_label if redaction.accessor_names else WITHHELD,
                "outcome": event.get_outcome_display(),
            }
        )
    return rows
