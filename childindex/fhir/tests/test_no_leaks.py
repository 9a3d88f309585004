"""No leaks through the FHIR API (§3): the worlds of ``web/tests/leak_worlds`` (one child whose
every field that can leak carries a marker; every basis; consents standing, withdrawn or
absent; shielded or not), looked at by an API client — a GP system of an organisation in the
child's LA or another, or an LA index team's client of either LA — through every FHIR
response about the child: searches by name and by identifier, $match, the Patient read,
every resource of the team around the child and its consents. Markers the client may not see
never appear, and (the positive control) the ones it may see do."""

from __future__ import annotations

import json
from contextlib import contextmanager

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from childindex.access.models import Role
from childindex.directory.tests.factories import OrganisationFactory
from childindex.fhir.models import ClientKind
from childindex.fhir.services import api_client_create
from childindex.fhir.team import TEAM_RESOURCES
from childindex.fhir.tests.helpers import bearer, validated
from childindex.web.tests.leak_worlds import (
    ADDRESS,
    CURRENT,
    Page,
    Viewer,
    ViewerSpec,
    assert_only,
    assert_shows,
    body_of,
    build_world,
    finds,
    full_record,
    record_groups,
    record_sensitive_phrases,
    world_specs,
)

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@contextmanager
def _example():
    with transaction.atomic():
        cache.clear()
        yield
        transaction.set_rollback(True)


def _client_viewer(world, kind: str, same_la: bool, n: int):
    la = world.la if same_la else world.other_la
    organisation = OrganisationFactory(local_authority=la) if kind == "gp" else None
    issued = api_client_create(
        actor_label="test",
        name=f"leak-{kind}-{n}",
        kind=ClientKind.GP_SYSTEM,
        local_authority=la,
        organisation=organisation,
        scopes=["read", "match"],
    )
    role = Role.PRACTITIONER if kind == "gp" else Role.INDEX_TEAM
    spec = ViewerSpec(
        kind=role, same_la=same_la, holds=None, purpose=issued.client.purpose, override=False
    )
    return issued, Viewer(spec, issued.client.account, role, "A" if same_la else "B")


def _page(label: str, response, typed=()) -> Page:
    validated(response)
    return Page(label, response.status_code, body_of(response), tuple(typed))


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    spec=world_specs(),
    kind=st.sampled_from(["gp", "la_team"]),
    same_la=st.booleans(),
    n=st.integers(0, 10**9),
)
def test_every_fhir_response_shows_exactly_what_the_client_may_see(db, spec, kind, same_la, n):
    with _example():
        world = build_world(spec)
        issued, viewer = _client_viewer(world, kind, same_la, n)
        http = Client()
        headers = bearer(http, issued)
        child = world.child
        given_name = world.markers["current.given"]
        family = world.markers["current.family"]
        born = child.date_of_birth.isoformat()
        nhs = world.markers["identifiers.nhs"]
        found = {CURRENT} if finds(viewer) else set()

        search = _page(
            "search by name",
            http.post(
                "/fhir/Patient/_search",
                {"name": f"{given_name} {family}", "birthdate": born},
                **headers,
            ),
            typed=(given_name, family),
        )
        assert_only(search, world, found)
        by_identifier = _page(
            "search by NHS number",
            http.get(
                f"/fhir/Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|{nhs}", **headers
            ),
            typed=(nhs,),
        )
        assert_only(by_identifier, world, found if full_record(viewer, world) else set())
        patient = {
            "resourceType": "Patient",
            "name": [{"family": family, "given": [given_name]}],
            "birthDate": born,
            "address": [{"postalCode": world.markers["address.postcode"]}],
            "identifier": [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": nhs}],
        }
        match = _page(
            "$match",
            http.post(
                "/fhir/Patient/$match",
                json.dumps(
                    {
                        "resourceType": "Parameters",
                        "parameter": [{"name": "resource", "resource": patient}],
                    }
                ),
                content_type="application/fhir+json",
                **headers,
            ),
            typed=(given_name, family, nhs, world.markers["address.postcode"]),
        )
        assert_only(match, world, found)

        allowed = record_groups(viewer, world)
        phrases = record_sensitive_phrases(viewer, world)
        read = _page("Patient read", http.get(f"/fhir/Patient/{child.index_number}", **headers))
        assert_only(read, world, allowed)
        if full_record(viewer, world):
            assert_shows(read, world, world.of(ADDRESS))
        elif not allowed:
            assert read.status == 404
        bodies = []
        for resource in (*TEAM_RESOURCES, "Consent"):
            page = _page(
                resource, http.get(f"/fhir/{resource}?patient={child.index_number}", **headers)
            )
            assert_only(page, world, allowed, phrases=phrases)
            bodies.append(page.body)
        team = Page("the team around the child", 200, "\n".join(bodies), ())
        involvement_groups = {g for g in allowed if g.startswith("involvement")}
        assert_shows(team, world, world.of(*involvement_groups), phrases=phrases)
