"""A real FHIR client library (fhirpy) drives the API on a live server: metadata, search,
$match, read, the CareTeam of a child, a token with the wrong scope, a consent and a
transaction Bundle."""

from __future__ import annotations

import pytest
import requests
from fhirpy import SyncFHIRClient
from fhirpy.base.exceptions import ForbiddenError, OperationOutcome

from childindex.directory.tests.factories import (
    LocalAuthorityFactory,
    OrganisationFactory,
    ServiceFactory,
)
from childindex.fhir.models import ClientKind
from childindex.fhir.services import api_client_create
from childindex.fhir.tests.test_api import _child
from childindex.fhir.tests.test_intake import _bundle
from childindex.records.models import Child
from childindex.records.tests.factories import InvolvementFactory
from childindex.sources.models import SourceRecord


def _token(live_server, issued, scope=None):
    data = {"grant_type": "client_credentials"}
    if scope:
        data["scope"] = scope
    return requests.post(
        f"{live_server.url}/fhir/auth/token",
        data=data,
        auth=(issued.client_id, issued.client_secret),
        timeout=30,
    )


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_fhirpy_drives_the_api(live_server):
    la = LocalAuthorityFactory()
    issued = api_client_create(
        actor_label="test",
        name="gp-fhirpy",
        kind=ClientKind.GP_SYSTEM,
        local_authority=la,
        organisation=OrganisationFactory(local_authority=la),
    )
    child = _child(la)
    InvolvementFactory(child=child)
    token = _token(live_server, issued).json()["access_token"]
    fhir = SyncFHIRClient(f"{live_server.url}/fhir", authorization=f"Bearer {token}")

    metadata = fhir.execute("metadata", method="get")
    assert metadata["resourceType"] == "CapabilityStatement"

    found = (
        fhir.resources("Patient")
        .search(name="Qzaria Qzenworth", birthdate=child.date_of_birth.isoformat())
        .fetch()
    )
    assert [p.id for p in found] == [child.index_number]

    patient = fhir.reference("Patient", child.index_number).to_resource()
    assert patient["birthDate"] == child.date_of_birth.isoformat()

    matched = fhir.execute(
        "Patient/$match",
        method="post",
        data={
            "resourceType": "Parameters",
            "parameter": [
                {
                    "name": "resource",
                    "resource": {
                        "resourceType": "Patient",
                        "name": [{"family": "Qzenworth", "given": ["Qzaria"]}],
                        "birthDate": child.date_of_birth.isoformat(),
                        "address": [{"postalCode": "TN34 1AA"}],
                    },
                },
                {"name": "onlyCertainMatches", "valueBoolean": True},
            ],
        },
    )
    assert [e["resource"]["id"] for e in matched["entry"]] == [child.index_number]

    teams = fhir.resources("CareTeam").search(patient=child.index_number).fetch()
    assert len(teams) == 1 and teams[0]["participant"]

    # A token for a scope the client does not hold is refused; one without the scope an
    # endpoint needs gets an OperationOutcome.
    assert _token(live_server, issued, "feed.write").json()["error"] == "invalid_scope"
    read_only = _token(live_server, issued, "read").json()["access_token"]
    limited = SyncFHIRClient(f"{live_server.url}/fhir", authorization=f"Bearer {read_only}")
    with pytest.raises(ForbiddenError) as refused:
        limited.resources("Patient").search(identifier=child.index_number).fetch()
    assert "forbidden" in str(refused.value)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_fhirpy_records_reads_and_withdraws_a_consent(live_server):
    import datetime as dt

    from childindex.directory.tests.factories import ServiceFactory
    from childindex.fhir.consents import CONSENT_SCOPE

    la = LocalAuthorityFactory()
    practice = OrganisationFactory(local_authority=la)
    issued = api_client_create(
        actor_label="test",
        name="gp-consent-fhirpy",
        kind=ClientKind.GP_SYSTEM,
        local_authority=la,
        organisation=practice,
    )
    child = _child(la)
    InvolvementFactory(child=child, service=ServiceFactory(organisation=practice))
    token = _token(live_server, issued).json()["access_token"]
    fhir = SyncFHIRClient(f"{live_server.url}/fhir", authorization=f"Bearer {token}")
    consent = fhir.resource(
        "Consent",
        status="active",
        scope={
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/consentscope",
                    "code": "patient-privacy",
                }
            ]
        },
        category=[{"coding": [{"system": CONSENT_SCOPE, "code": "additional_services"}]}],
        patient={"reference": f"Patient/{child.index_number}"},
        performer=[{"reference": f"Patient/{child.index_number}"}],
        dateTime=dt.date.today().isoformat(),
        policyRule={"text": "opt in"},
    )
    consent.save()
    assert consent.id and consent.id.startswith("consent-")
    found = fhir.resources("Consent").search(patient=child.index_number).fetch()
    assert [c.id for c in found] == [consent.id]
    consent["status"] = "inactive"
    consent.save()
    again = fhir.reference("Consent", consent.id).to_resource()
    assert again["status"] == "inactive"
    # And the LA's auditor's tool sees who accessed the child, through the same library.
    auditor = api_client_create(
        actor_label="test", name="auditor-fhirpy", kind=ClientKind.AUDITOR, local_authority=la
    )
    audit_token = _token(live_server, auditor).json()["access_token"]
    audit = SyncFHIRClient(f"{live_server.url}/fhir", authorization=f"Bearer {audit_token}")
    events = audit.resources("AuditEvent").search(patient=child.index_number).fetch()
    actions = {e["subtype"][0]["code"] for e in events}
    assert {"consent_record", "consent_withdraw", "record_view"} <= actions


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_fhirpy_sends_a_transaction_and_lines_the_answers_up_with_the_entries(live_server):
    """A school's system sends its records as a transaction Bundle with fhirpy: one answer per
    entry, in order (FHIR R4), so each Patient's answer names its child; a Bundle holding a
    record the import would reject is refused whole (fhirpy raises the OperationOutcome)."""
    la = LocalAuthorityFactory()
    school = OrganisationFactory(local_authority=la, code="900123")
    ServiceFactory(organisation=school, name="Reception class")
    issued = api_client_create(
        actor_label="test",
        name="school-fhirpy",
        kind=ClientKind.FEED,
        local_authority=la,
        organisation=school,
    )
    children = [_child(la), _child(la, given="Qzbert", family="Qzandle", postcode="TN35 5AB")]
    token = _token(live_server, issued).json()["access_token"]
    fhir = SyncFHIRClient(f"{live_server.url}/fhir", authorization=f"Bearer {token}")

    bundle = _bundle(issued.client, children)
    answer = fhir.execute("", method="post", data=bundle)
    assert answer["type"] == "transaction-response"
    assert len(answer["entry"]) == len(bundle["entry"])
    for sent, got in zip(bundle["entry"], answer["entry"], strict=True):
        assert got["response"]["status"] == "201 Created"
        if sent["resource"]["resourceType"] == "Patient":
            key = sent["resource"]["identifier"][0]["value"]
            child = SourceRecord.objects.get(key=key).child
            assert got["response"]["location"] == f"Patient/{child.index_number}"
        else:
            assert got["response"]["location"].startswith("EpisodeOfCare/involvement-")

    refused = _bundle(issued.client, children)
    del refused["entry"][3]["resource"]["period"]
    with pytest.raises(OperationOutcome) as outcome:
        fhir.execute("", method="post", data=refused)
    assert "Bundle entry 4: no start date" in str(outcome.value)
    assert Child.objects.count() == 2 and SourceRecord.objects.count() == 2
