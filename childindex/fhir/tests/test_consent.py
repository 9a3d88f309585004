"""FHIR Consent: read and search for a patient, record (POST) and withdraw (PUT status
inactive) by a practitioner system whose organisation works with the child; a sensitive
service's consent never names the service to a client without the right."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from childindex.audit.models import AuditEvent, EventOutcome
from childindex.consent.models import Consent, GivenBy, Scope
from childindex.consent.tests.factories import ConsentFactory
from childindex.directory.tests.factories import (
    LocalAuthorityFactory,
    OrganisationFactory,
    ServiceFactory,
)
from childindex.fhir.consents import CONSENT_SCOPE
from childindex.fhir.models import ClientKind
from childindex.fhir.services import api_client_create
from childindex.fhir.tests.helpers import bearer, validated
from childindex.fhir.tests.test_api import _child
from childindex.records.tests.factories import (
    ChildCarerFactory,
    ChildFactory,
    InvolvementFactory,
)

pytestmark = pytest.mark.django_db
GIVEN = dt.date.today() - dt.timedelta(days=10)


@pytest.fixture
def world():
    la = LocalAuthorityFactory()
    practice = OrganisationFactory(local_authority=la, type="gp_practice")
    clinic = OrganisationFactory(local_authority=la, type="health_trust")
    gp_service = ServiceFactory(organisation=practice, name="Qz Surgery", additional=True)
    sensitive = ServiceFactory(
        organisation=clinic, name="Qzclinic sexual health", sensitive_service=True
    )
    child = _child(la)
    carer = ChildCarerFactory(child=child).carer
    gp_involvement = InvolvementFactory(child=child, service=gp_service)
    InvolvementFactory(child=child, service=sensitive)

    def client_of(name, organisation, scopes=None):
        return api_client_create(
            actor_label="test",
            name=name,
            kind=ClientKind.GP_SYSTEM,
            local_authority=la,
            organisation=organisation,
            scopes=scopes,
        )

    return {
        "la": la,
        "child": child,
        "carer": carer,
        "gp": client_of("gp-consent", practice),
        "clinic": client_of("clinic-system", clinic),
        "stranger": client_of("stranger", OrganisationFactory(local_authority=la)),
        "reader": client_of("reader-only", practice, ["read"]),
        "sensitive": sensitive,
        "gp_involvement": gp_involvement,
    }


def _consent(child, *, performer, scope="additional_services", actor=None, given=GIVEN):
    body = {
        "resourceType": "Consent",
        "status": "active",
        "scope": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/consentscope",
                    "code": "patient-privacy",
                }
            ]
        },
        "category": [{"coding": [{"system": CONSENT_SCOPE, "code": scope}]}],
        "patient": {"reference": f"Patient/{child.index_number}"},
        "performer": [{"reference": performer}],
        "dateTime": given.isoformat(),
        "policyRule": {"text": "opt in"},
    }
    if actor:
        body["provision"] = {
            "type": "permit",
            "actor": [{"role": {"text": "recipient"}, "reference": {"reference": actor}}],
        }
    return body


def post(client, headers, body):
    return client.post(
        "/fhir/Consent", json.dumps(body), content_type="application/fhir+json", **headers
    )


def put(client, headers, ref, body):
    return client.put(
        f"/fhir/Consent/{ref}", json.dumps(body), content_type="application/fhir+json", **headers
    )


def test_a_practitioner_system_records_a_carers_consent(client, world):
    child = world["child"]
    headers = bearer(client, world["gp"])
    response = post(
        client, headers, _consent(child, performer=f"RelatedPerson/{child.index_number}-carer-1")
    )
    assert response.status_code == 201, response.content
    body = validated(response)
    consent = Consent.objects.get()
    assert (consent.given_by, consent.carer, consent.given_on) == (
        GivenBy.PARENT_CARER,
        world["carer"],
        GIVEN,
    )
    assert response["Location"].endswith(f"/fhir/Consent/consent-{consent.pk}")
    assert body["status"] == "active" and body["performer"][0]["display"] == str(world["carer"])
    event = AuditEvent.objects.filter(action="consent_record").get()
    assert event.actor_label == "api:gp-consent" and event.outcome == EventOutcome.ALLOWED


def test_search_and_read_give_the_patients_consents(client, world):
    child = world["child"]
    ConsentFactory(child=child, given_on=GIVEN)
    headers = bearer(client, world["gp"])
    found = validated(client.get(f"/fhir/Consent?patient={child.index_number}", **headers))
    [entry] = found["entry"]
    assert entry["resource"]["category"][0]["coding"][0]["code"] == "additional_services"
    read = validated(client.get(f"/fhir/Consent/{entry['resource']['id']}", **headers))
    assert read["id"] == entry["resource"]["id"] and read["dateTime"] == GIVEN.isoformat()
    assert AuditEvent.objects.filter(action="record_view", actor_label="api:gp-consent").exists()


def test_a_sensitive_services_consent_never_shows_its_name_to_another_client(client, world):
    child = world["child"]
    ConsentFactory(
        child=child, scope=Scope.NAMED_SERVICE, service=world["sensitive"], given_on=GIVEN
    )
    gp_sees = client.get(
        f"/fhir/Consent?patient={child.index_number}", **bearer(client, world["gp"])
    )
    text = json.dumps(validated(gp_sees))
    assert "Qzclinic" not in text and "sexual" not in text.lower()
    [entry] = json.loads(text)["entry"]
    assert (
        entry["resource"]["provision"]["actor"][0]["reference"]["display"] == "A sensitive service"
    )
    assert "dateTime" not in entry["resource"] and "performer" not in entry["resource"]
    clinic_sees = client.get(
        f"/fhir/Consent?patient={child.index_number}", **bearer(client, world["clinic"])
    )
    assert "Qzclinic sexual health" in json.dumps(validated(clinic_sees))
    # Nor can the GP system withdraw it.
    ref = entry["resource"]["id"]
    refused = put(
        client, bearer(client, world["gp"]), ref, {**entry["resource"], "status": "inactive"}
    )
    assert refused.status_code == 403
    validated(refused)
    assert Consent.objects.get().withdrawn_on is None


def test_the_sensitive_services_own_system_records_and_withdraws_its_named_consent(client, world):
    child = world["child"]
    headers = bearer(client, world["clinic"])
    involvement = child.involvements.get(service=world["sensitive"])
    created = post(
        client,
        headers,
        _consent(
            child,
            performer=f"Patient/{child.index_number}",
            scope="named_service",
            actor=f"HealthcareService/involvement-{involvement.pk}",
        ),
    )
    assert created.status_code == 201, created.content
    ref = validated(created)["id"]
    assert Consent.objects.get().service == world["sensitive"]
    withdrawn = put(
        client,
        headers,
        ref,
        {
            **validated(created),
            "status": "inactive",
            "provision": {"type": "permit", "period": {"end": dt.date.today().isoformat()}},
        },
    )
    assert withdrawn.status_code == 200, withdrawn.content
    assert validated(withdrawn)["status"] == "inactive"
    assert Consent.objects.get().withdrawn_on == dt.date.today()
    assert AuditEvent.objects.filter(action="consent_withdraw", outcome="allowed").count() == 1
    # Once withdrawn, other clients see nothing of it.
    gp_sees = validated(
        client.get(f"/fhir/Consent?patient={child.index_number}", **bearer(client, world["gp"]))
    )
    assert gp_sees.get("entry", []) == []


def test_a_system_whose_organisation_does_not_work_with_the_child_is_refused(client, world):
    child = world["child"]
    response = post(
        client,
        bearer(client, world["stranger"]),
        _consent(child, performer=f"Patient/{child.index_number}"),
    )
    assert response.status_code == 403
    assert "works with the child" in validated(response)["issue"][0]["diagnostics"]
    assert not Consent.objects.exists()
    assert AuditEvent.objects.filter(action="consent_record", outcome="denied").exists()


def test_writing_a_consent_needs_the_consent_write_scope(client, world):
    child = world["child"]
    response = post(
        client,
        bearer(client, world["reader"]),
        _consent(child, performer=f"Patient/{child.index_number}"),
    )
    assert response.status_code == 403
    assert "consent.write" in validated(response)["issue"][0]["diagnostics"]
    assert AuditEvent.objects.filter(action="fhir_consent_write", outcome="denied").exists()


@pytest.mark.parametrize(
    "change, says",
    [
        ({"category": [{"coding": [{"system": CONSENT_SCOPE, "code": "everything"}]}]}, "category"),
        ({"performer": []}, "performer"),
        ({"dateTime": None}, "dateTime"),
        ({"status": "draft"}, "status 'active'"),
    ],
)
def test_a_bad_consent_is_400_with_what_to_change(client, world, change, says):
    child = world["child"]
    body = {**_consent(child, performer=f"Patient/{child.index_number}"), **change}
    body = {k: v for k, v in body.items() if v not in (None, [])}
    response = post(client, bearer(client, world["gp"]), body)
    assert response.status_code == 400
    assert says in validated(response)["issue"][0]["diagnostics"]
    assert not Consent.objects.exists()


def test_an_unseen_consent_is_the_same_404_as_a_missing_one(client, world):
    # Behind a shield, a practitioner's system sees no consent: the same 404 as none at all.
    other = ConsentFactory(child=ChildFactory(shielded_record=True), given_on=GIVEN)
    headers = bearer(client, world["gp"])
    unseen = client.get(f"/fhir/Consent/consent-{other.pk}", **headers)
    missing = client.get("/fhir/Consent/consent-999999", **headers)
    assert unseen.status_code == missing.status_code == 404
    assert unseen.content == missing.content


def test_the_capability_statement_lists_consent(client):
    body = validated(client.get("/fhir/metadata"))
    consent = next(r for r in body["rest"][0]["resource"] if r["type"] == "Consent")
    assert {i["code"] for i in consent["interaction"]} == {
        "read",
        "search-type",
        "create",
        "update",
    }
    assert "consent.write" in consent["documentation"]
    paths = client.get("/fhir/openapi.json").json()["paths"]
    assert set(paths["/Consent"]) == {"get", "post"} and set(paths["/Consent/{id}"]) == {
        "get",
        "put",
    }
