"""The FHIR API through Django's test client: sign-in, errors, Patient read, search and $match."""

from __future__ import annotations

import json

import pytest

from childindex.audit.models import AuditEvent
from childindex.directory.tests.factories import LocalAuthorityFactory, OrganisationFactory
from childindex.fhir.mapping import IDENTIFIER_SYSTEMS, MATCH_GRADE
from childindex.fhir.models import ClientKind
from childindex.fhir.services import api_client_create, api_client_revoke
from childindex.fhir.tests.helpers import bearer, token_for, validated
from childindex.records.models import Child, ChildName
from childindex.records.search import parse_criteria
from childindex.records.search_index import search_keys_refresh
from childindex.records.selectors import child_search
from childindex.records.tests.factories import ChildAddressFactory, ChildFactory
from childindex.sources.models import ReviewItem, SourceRecord

pytestmark = pytest.mark.django_db


@pytest.fixture
def la():
    return LocalAuthorityFactory()


@pytest.fixture
def gp(la):
    organisation = OrganisationFactory(local_authority=la, type="gp_practice", code="Y99001")
    return api_client_create(
        actor_label="test",
        name="gp-system",
        kind=ClientKind.GP_SYSTEM,
        local_authority=la,
        organisation=organisation,
    )


def _child(la, *, given="Qzaria", family="Qzenworth", shielded=False, postcode="TN34 1AA"):
    child = ChildFactory(responsible_la=la, shielded_record=shielded)
    ChildName.objects.filter(child=child).update(given_names=given, family_name=family)
    ChildAddressFactory(child=child, postcode=postcode, line_1="7 Qzline Road", local_authority=la)
    search_keys_refresh(child_ids=[child.pk])
    return Child.objects.get(pk=child.pk)


def test_metadata_is_a_valid_capability_statement_naming_the_token_endpoint(client):
    body = validated(client.get("/fhir/metadata"))
    security = body["rest"][0]["security"]["extension"][0]
    assert security["url"].endswith("oauth-uris")
    assert security["extension"][0]["valueUri"].endswith("/fhir/auth/token")
    systems = {e["valueUri"] for e in body["extension"][0]["extension"]}
    assert set(IDENTIFIER_SYSTEMS.values()) == systems
    assert "https://fhir.nhs.uk/Id/nhs-number" in systems


def test_openapi_document_lists_the_endpoints(client):
    document = client.get("/fhir/openapi.json").json()
    assert {"/metadata", "/Patient", "/Patient/{id}", "/Patient/$match"} <= set(document["paths"])
    assert {"/", "/_bundle/{id}"} <= set(document["paths"])  # Bundles, and accepted ones


def test_no_token_is_401_operation_outcome(client):
    response = client.get("/fhir/Patient?identifier=1")
    assert response.status_code == 401
    assert validated(response)["issue"][0]["code"] == "login"


def test_a_token_for_a_scope_the_client_does_not_hold_is_refused(client, gp):
    assert token_for(client, gp, "feed.write").status_code == 400


def test_a_token_without_the_scope_gets_403_forbidden(client, gp, la):
    headers = bearer(client, gp, "read")
    response = client.post(
        "/fhir/Patient/$match", "{}", content_type="application/fhir+json", **headers
    )
    assert response.status_code == 403
    body = validated(response)
    assert body["issue"][0]["code"] == "forbidden"
    event = AuditEvent.objects.order_by("-pk").first()
    assert event.actor_label == "api:gp-system" and event.outcome == "denied"


def test_search_without_enough_criteria_is_400_required(client, gp):
    response = client.get("/fhir/Patient?name=Qzaria", **bearer(client, gp))
    assert response.status_code == 400
    assert validated(response)["issue"][0]["code"] == "required"


def test_an_unknown_search_parameter_is_400(client, gp):
    response = client.get("/fhir/Patient?colour=blue", **bearer(client, gp))
    assert response.status_code == 400
    assert "Unknown search parameter" in validated(response)["issue"][0]["diagnostics"]


def test_an_unknown_endpoint_is_an_operation_outcome(client, gp):
    response = client.get("/fhir/Observation", **bearer(client, gp))
    assert response.status_code == 404
    validated(response)


def test_search_by_name_and_birth_date_finds_the_child_and_is_audited(client, gp, la):
    child = _child(la)
    response = client.post(
        "/fhir/Patient/_search",
        {"name": "Qzaria Qzenworth", "birthdate": child.date_of_birth.isoformat()},
        **bearer(client, gp),
    )
    body = validated(response)
    assert [e["resource"]["id"] for e in body["entry"]] == [child.index_number]
    event = AuditEvent.objects.filter(action="child_search").latest("pk")
    assert event.actor_label == "api:gp-system" and child.index_number in event.children


def test_a_search_gives_each_candidate_the_score_the_practitioners_page_shows(client, gp, la):
    """The search's own score (0 to 1: the page's percentage), best first, so a client sees a
    weak candidate for what it is instead of taking the first entry on trust."""
    child = _child(la)
    other = _child(la, given="Harriet", family="Qzenworth", postcode="TN35 5AB")
    Child.objects.filter(pk=other.pk).update(date_of_birth=child.date_of_birth)
    search_keys_refresh(child_ids=[other.pk])
    body = validated(
        client.post(
            "/fhir/Patient/_search",
            {"name": "Qzaria Qzenworth", "birthdate": child.date_of_birth.isoformat()},
            **bearer(client, gp),
        )
    )
    scores = [e["search"]["score"] for e in body["entry"]]
    assert body["entry"][0]["resource"]["id"] == child.index_number
    assert len(scores) == 2 and scores[0] > scores[1] > 0 and scores[0] <= 1
    found = child_search(
        actor=gp.client.account,
        criteria=parse_criteria(
            name="Qzaria Qzenworth", date_of_birth=child.date_of_birth.isoformat()
        ),
    )
    assert scores == [m.score / 100 for m in found]


def test_read_gives_the_record_and_a_missing_child_the_same_404_as_an_unseen_one(client, gp, la):
    child = _child(la)
    headers = bearer(client, gp)
    body = validated(client.get(f"/fhir/Patient/{child.index_number}", **headers))
    assert body["address"][0]["postalCode"] == "TN34 1AA"
    missing = client.get("/fhir/Patient/00000000000", **headers)
    archived = ChildFactory(responsible_la=la, archived=True)
    unseen = client.get(f"/fhir/Patient/{archived.index_number}", **headers)
    assert missing.status_code == unseen.status_code == 404
    assert missing.content == unseen.content
    assert AuditEvent.objects.filter(action="record_view", actor__username="api:gp-system").exists()


def test_a_shielded_childs_patient_carries_only_what_the_shield_leaves(client, gp, la):
    child = _child(la, shielded=True)
    body = validated(client.get(f"/fhir/Patient/{child.index_number}", **bearer(client, gp)))
    text = json.dumps(body)
    assert "address" not in body and "Qzline" not in text and "TN34" not in text
    assert body["meta"]["security"][0]["code"] == "R"
    assert body["name"][0]["family"] == "Qzenworth"


def _match(client, headers, patient, **extra):
    parameters = [{"name": "resource", "resource": patient}]
    parameters += [{"name": k, **v} for k, v in extra.items()]
    return client.post(
        "/fhir/Patient/$match",
        json.dumps({"resourceType": "Parameters", "parameter": parameters}),
        content_type="application/fhir+json",
        **headers,
    )


def test_match_grades_the_child_certain_and_writes_nothing(client, gp, la):
    child = _child(la)
    _child(la, given="Qzbert", family="Qzenworth")
    headers = bearer(client, gp)
    counts = (Child.objects.count(), SourceRecord.objects.count(), ReviewItem.objects.count())
    patient = {
        "resourceType": "Patient",
        "name": [{"family": "Qzenworth", "given": ["Qzaria"]}],
        "birthDate": child.date_of_birth.isoformat(),
        "gender": {"female": "female", "male": "male"}.get(child.gender, "unknown"),
        "address": [{"postalCode": "TN34 1AA"}],
    }
    body = validated(_match(client, headers, patient, count={"valueInteger": 5}))
    first = body["entry"][0]
    assert first["resource"]["id"] == child.index_number
    assert first["search"]["extension"][0] == {"url": MATCH_GRADE, "valueCode": "certain"}
    assert 0 < first["search"]["score"] <= 1
    certain = validated(_match(client, headers, patient, onlyCertainMatches={"valueBoolean": True}))
    assert [e["resource"]["id"] for e in certain["entry"]] == [child.index_number]
    assert counts == (
        Child.objects.count(),
        SourceRecord.objects.count(),
        ReviewItem.objects.count(),
    )


def test_match_with_an_invalid_patient_is_400_invalid(client, gp):
    response = _match(client, bearer(client, gp), {"resourceType": "Patient", "birthDate": "soon"})
    assert response.status_code == 400
    assert validated(response)["issue"][0]["code"] == "invalid"


def test_a_client_past_its_rate_limit_gets_429(client, la):
    issued = api_client_create(
        actor_label="test",
        name="busy",
        kind=ClientKind.GP_SYSTEM,
        local_authority=la,
        organisation=OrganisationFactory(local_authority=la),
        rate_limit_per_minute=2,
    )
    headers = bearer(client, issued)
    statuses = [client.get("/fhir/Patient/00000000000", **headers).status_code for _ in range(3)]
    assert statuses == [404, 404, 429]


def test_a_revoked_client_can_no_longer_call(client, gp):
    headers = bearer(client, gp)
    api_client_revoke(actor_label="test", name="gp-system")
    assert client.get("/fhir/Patient/00000000000", **headers).status_code == 401
    assert token_for(client, gp).status_code == 401


def test_an_assessment_system_sets_and_clears_its_own_indicators(client, la):
    from childindex.directory.tests.factories import ServiceFactory
    from childindex.fhir.team import ASSESSMENT, LEAD_PROFESSIONAL
    from childindex.records.tests.factories import InvolvementFactory

    organisation = OrganisationFactory(local_authority=la)
    issued = api_client_create(
        actor_label="test",
        name="assessor",
        kind=ClientKind.ASSESSMENT,
        local_authority=la,
        organisation=organisation,
    )
    child = _child(la)
    own = InvolvementFactory(child=child, service=ServiceFactory(organisation=organisation))
    other = InvolvementFactory(child=child)
    headers = bearer(client, issued)
    episode = {
        "resourceType": "EpisodeOfCare",
        "status": "active",
        "patient": {"reference": f"Patient/{child.index_number}"},
        "extension": [
            {"url": LEAD_PROFESSIONAL, "valueBoolean": True},
            {
                "url": ASSESSMENT,
                "extension": [
                    {"url": "type", "valueString": "early_help"},
                    {"url": "date", "valueDate": "2026-11-01"},
                ],
            },
        ],
    }

    def put(involvement, body):
        return client.put(
            f"/fhir/EpisodeOfCare/involvement-{involvement.pk}",
            json.dumps(body),
            content_type="application/fhir+json",
            **headers,
        )

    assert put(own, episode).status_code == 200
    own.refresh_from_db()
    assert own.is_lead_professional and own.assessment_type == "early_help"
    assert put(other, episode).status_code == 404
    cleared = {**episode, "extension": []}
    validated(put(own, cleared))
    own.refresh_from_db()
    assert not own.is_lead_professional and own.assessment_type == ""
