"""FHIR AuditEvent: who accessed a child, for an auditor's tool of the child's own LA only;
validated, and the read itself audited."""

from __future__ import annotations

import pytest

from childindex.audit.models import AuditEvent, EventOutcome
from childindex.directory.tests.factories import LocalAuthorityFactory, OrganisationFactory
from childindex.fhir.audit_events import AUDIT_ACTION, PURPOSE_OF_ACCESS
from childindex.fhir.models import ClientKind
from childindex.fhir.services import api_client_create
from childindex.fhir.tests.helpers import bearer, validated
from childindex.fhir.tests.test_api import _child

pytestmark = pytest.mark.django_db


def _client(name, kind, la, organisation=None):
    return api_client_create(
        actor_label="test", name=name, kind=kind, local_authority=la, organisation=organisation
    )


@pytest.fixture
def world():
    la, other = LocalAuthorityFactory(), LocalAuthorityFactory()
    practice = OrganisationFactory(local_authority=la, name="Qz Practice")
    return {
        "la": la,
        "child": _child(la),
        "elsewhere": _child(other, given="Qzother"),
        "gp": _client("gp-audited", ClientKind.GP_SYSTEM, la, practice),
        "auditor": _client("auditor-tool", ClientKind.AUDITOR, la),
        "other_auditor": _client("other-auditor", ClientKind.AUDITOR, other),
    }


def test_an_auditors_tool_sees_who_read_the_childs_record(client, world):
    child = world["child"]
    client.get(f"/fhir/Patient/{child.index_number}", **bearer(client, world["gp"]))
    response = client.get(
        f"/fhir/AuditEvent?patient={child.index_number}", **bearer(client, world["auditor"])
    )
    body = validated(response)
    views = [
        e["resource"]
        for e in body["entry"]
        if e["resource"]["subtype"][0]
        == {
            "system": AUDIT_ACTION,
            "code": "record_view",
            "display": "Record opened",
        }
    ]
    [view] = views
    assert view["agent"][0]["who"]["display"] == "api:gp-audited"
    assert view["agent"][0]["role"][0]["text"] == "Practitioner"
    assert view["agent"][1]["who"]["display"] == "Qz Practice"
    assert view["purposeOfEvent"][0]["coding"][0]["system"] == PURPOSE_OF_ACCESS
    assert view["purposeOfEvent"][0]["coding"][0]["code"] == "providing_service"
    assert view["outcome"] == "0" and view["recorded"]
    assert view["entity"][0]["what"]["reference"] == f"Patient/{child.index_number}"
    read = AuditEvent.objects.filter(action="audit_read").latest("pk")
    assert read.actor_label == "api:auditor-tool" and read.children == [child.index_number]


def test_another_las_child_is_the_same_404_as_a_missing_one(client, world):
    headers = bearer(client, world["auditor"])
    elsewhere = client.get(f"/fhir/AuditEvent?patient={world['elsewhere'].index_number}", **headers)
    missing = client.get("/fhir/AuditEvent?patient=00000000000", **headers)
    assert elsewhere.status_code == missing.status_code == 404
    assert elsewhere.content == missing.content
    validated(elsewhere)


def test_a_client_without_audit_read_is_refused_and_audited(client, world):
    child = world["child"]
    response = client.get(
        f"/fhir/AuditEvent?patient={child.index_number}", **bearer(client, world["gp"])
    )
    assert response.status_code == 403
    assert "audit.read" in validated(response)["issue"][0]["diagnostics"]
    refusal = AuditEvent.objects.filter(action="fhir_audit_read").latest("pk")
    assert refusal.outcome == EventOutcome.DENIED and refusal.actor_label == "api:gp-audited"


@pytest.mark.parametrize(
    "query, code",
    [("", "required"), ("patient=1&colour=red", "not-supported"), ("patient=1&date=2026", "value")],
)
def test_bad_audit_searches_say_what_to_change(client, world, query, code):
    response = client.get(f"/fhir/AuditEvent?{query}", **bearer(client, world["auditor"]))
    assert response.status_code == 400
    assert validated(response)["issue"][0]["code"] == code


def test_a_date_range_limits_the_events(client, world):
    child = world["child"]
    client.get(f"/fhir/Patient/{child.index_number}", **bearer(client, world["gp"]))
    headers = bearer(client, world["auditor"])
    future = validated(
        client.get(f"/fhir/AuditEvent?patient={child.index_number}&date=ge2999-01-01", **headers)
    )
    assert future.get("entry", []) == []
    one = validated(
        client.get(f"/fhir/AuditEvent?patient={child.index_number}&_count=1", **headers)
    )
    assert len(one["entry"]) == 1


def test_the_capability_statement_lists_audit_event(client):
    body = validated(client.get("/fhir/metadata"))
    audit = next(r for r in body["rest"][0]["resource"] if r["type"] == "AuditEvent")
    assert "audit.read" in audit["documentation"]
    assert {p["name"] for p in audit["searchParam"]} == {"patient", "date", "_count"}
