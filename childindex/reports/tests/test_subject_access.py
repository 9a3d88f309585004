"""Subject access: the export holds exactly the child's data, redacts by requester, is audited
and raises no alert. The leak-test idea: every field of the child and of the people around it
holds a distinctive marker, so a leak cannot hide."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import reverse

from childindex.access.testing import sign_in_verified
from childindex.audit.models import AuditEvent
from childindex.consent.models import Consent, GivenBy, Scope
from childindex.monitoring import detectors
from childindex.monitoring.models import Alert
from childindex.records.models import Basis, Child, Involvement, Relationship
from childindex.testkit.journey import journey_child

ADDRESS_POSTCODE = "TN35 9QZ"


@dataclass(frozen=True)
class SubjectAccessWorld:
    """A shielded child whose every field holds a marker, a sibling, and the index team's
    signed-in client (in the journey's county)."""

    child: Child
    sibling: Child
    client: Client


@pytest.fixture
def world(journey):
    la = journey.la
    child = journey_child(
        "Qzmarkerchild",
        "Qzfamily",
        dt.date(2011, 2, 3),
        la=la,
        postcode=ADDRESS_POSTCODE,
        town="Qztown",
        shielded=True,
        carers=(("Qzmother", "Qzfamily", Relationship.MOTHER),),
    )
    sibling = journey_child(
        "Qzsibling", "Qzfamily", dt.date(2013, 4, 5), la=la, postcode="TN34 2AA"
    )
    start = dt.date.today() - dt.timedelta(days=100)
    Involvement.objects.create(
        child=child,
        service=journey.pastoral,
        practitioner=journey.teacher,
        started_on=start,
        basis=Basis.UNIVERSAL,
        logged_by=journey.pat,
    )
    Involvement.objects.create(
        child=child,
        service=journey.sexual_health,
        practitioner=journey.therapist,
        started_on=start,
        basis=Basis.SENSITIVE_CONSENT,
        logged_by=journey.sam,
    )
    Consent.objects.create(
        child=child,
        given_by=GivenBy.YOUNG_PERSON,
        scope=Scope.NAMED_SERVICE,
        service=journey.sexual_health,
        given_on=start,
        recorded_by=journey.sam,
    )
    Involvement.objects.create(
        child=child,
        service=journey.speech,
        practitioner=journey.therapist,
        started_on=start,
        basis=Basis.HIDDEN_CONCERN,
        logged_by=journey.sam,
    )
    Involvement.objects.create(
        child=sibling,
        service=journey.pastoral,
        practitioner=journey.teacher,
        started_on=start,
        basis=Basis.UNIVERSAL,
        logged_by=journey.pat,
    )
    client = Client()
    sign_in_verified(client, journey.index_team)
    return SubjectAccessWorld(child=child, sibling=sibling, client=client)


def export(world, requester, *, shield="yes", output="json"):
    response = world.client.post(
        reverse("web:reports-subject-access"),
        {
            "index_number": world.child.index_number,
            "requester": requester,
            "shield": shield,
            "output": output,
        },
    )
    assert response.status_code == 200, response.content[:500]
    return response


def test_the_young_person_gets_their_record_but_not_hidden_concerns_or_other_children(world):
    body = export(world, "young_person", shield="no").content.decode()
    got = json.loads(body)
    assert ADDRESS_POSTCODE in body and "Qzmarkerchild" in body and "Qzmother" in body
    services = [i["service"] for i in got["involvements"]]
    assert "Young people's sexual health clinic" in services  # their own confidential service
    assert "Speech and language therapy" not in services  # the hidden concern
    assert "Qzsibling" not in body and world.sibling.index_number not in body
    assert "07700 900 123" not in body  # a carer's phone is never included


def test_a_shielded_childs_address_is_absent_for_a_parent_without_parental_responsibility(
    world,
):
    for output in ("json", "html"):
        body = export(world, "parent_without_pr", shield="no", output=output).content.decode()
        assert ADDRESS_POSTCODE not in body and "Qztown" not in body
        assert "Hastings Primary School" not in body  # the school would show where the child is
        assert "sexual health" not in body.lower()
        assert "Qzmarkerchild" in body  # the child's own names are there


def test_the_location_is_withheld_from_the_parent_the_shield_protects_against(world):
    body = export(world, "parent_with_pr", shield="yes").content.decode()
    assert ADDRESS_POSTCODE not in body
    body = export(world, "parent_with_pr", shield="no").content.decode()
    assert ADDRESS_POSTCODE in body
    assert "sexual health" not in body.lower()  # not the parent's to know, shield or none


def test_a_shielded_record_needs_the_shield_question_answered(world):
    response = world.client.post(
        reverse("web:reports-subject-access"),
        {
            "index_number": world.child.index_number,
            "requester": "parent_with_pr",
            "output": "json",
        },
    )
    assert "say whether the shield protects the child" in response.content.decode()


def test_the_pdf_renders(world):
    response = export(world, "young_person", shield="no", output="pdf")
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_producing_an_export_is_audited_and_raises_no_alert(world):
    before = AuditEvent.objects.count()
    export(world, "parent_with_pr", shield="yes")
    events = list(AuditEvent.objects.filter(id__gt=before))
    assert [e.action for e in events] == ["subject_access_export"]
    assert events[0].children == [world.child.index_number]
    assert events[0].detail["requester"] == "parent_with_pr"
    alerts_before = Alert.objects.count()
    detectors.run_all()
    detectors.alerts_from_policy_events()
    assert not AuditEvent.objects.filter(id__gt=before, action="alert").exists()
    assert Alert.objects.count() == alerts_before


def test_an_index_number_of_another_la_is_not_found(world, journey):
    other = journey_child("Qzother", "Qzla", dt.date(2012, 1, 1), la=journey.other_la)
    response = world.client.post(
        reverse("web:reports-subject-access"),
        {"index_number": other.index_number, "requester": "young_person", "output": "json"},
    )
    assert "No record of your LA has that index number" in response.content.decode()
