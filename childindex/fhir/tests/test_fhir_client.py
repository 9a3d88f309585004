"""A real FHIR client library (fhirpy) drives the API on a live server: metadata, search,
$match, read, the CareTeam of a child and a token with the wrong scope."""

from __future__ import annotations

import pytest
import requests
from fhirpy import SyncFHIRClient
from fhirpy.base.exceptions import ForbiddenError

from childindex.directory.tests.factories import LocalAuthorityFactory, OrganisationFactory
from childindex.fhir.models import ClientKind
from childindex.fhir.services import api_client_create
from childindex.fhir.tests.test_api import _child
from childindex.records.tests.factories import InvolvementFactory


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
