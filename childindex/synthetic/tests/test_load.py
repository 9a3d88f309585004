"""`childindex generate --load`: the database holds what the files describe."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from childindex.access.models import Role, User
from childindex.audit.models import AuditEvent
from childindex.consent.models import Consent
from childindex.consent.rules import basis_for_service
from childindex.directory.models import (
    LocalAuthority,
    Organisation,
    Practitioner,
    Service,
    ServiceCategory,
    ServiceKind,
)
from childindex.records.models import (
    AssessmentType,
    Basis,
    Carer,
    Child,
    ChildAddress,
    ChildCarer,
    ChildIdentifier,
    ChildName,
    Involvement,
    Relationship,
)
from childindex.synthetic.directory import SERVICE_SPECS
from childindex.synthetic.involvements import EPISODES, LOOKED_AFTER

pytestmark = pytest.mark.django_db


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture
def loaded(tmp_path) -> Path:
    out = tmp_path / "loaded"
    call_command(
        "generate",
        "--children",
        "800",
        "--seed",
        "5",
        "--out",
        str(out),
        "--as-of",
        "2026-11-21",
        "--la",
        "E10000099",
        "--la",
        "E06000099",
        "--load",
    )
    return out


def test_database_counts_match_the_files(loaded):
    assert Child.objects.count() == len(rows(loaded / "children.csv")) == 800
    carers = rows(loaded / "carers.csv")
    assert ChildCarer.objects.count() == len(carers)
    assert Carer.objects.count() == len({c["carer_id"] for c in carers})
    assert Involvement.objects.count() == len(rows(loaded / "involvements.csv"))
    assert Consent.objects.count() == len(rows(loaded / "consents.csv"))
    assert Practitioner.objects.count() == len(rows(loaded / "practitioners.csv"))
    assert Service.objects.count() == len(rows(loaded / "services.csv"))
    assert Organisation.objects.count() == len(rows(loaded / "organisations.csv"))
    assert LocalAuthority.objects.count() == 2
    assert ChildName.objects.filter(kind="current").count() == 800
    assert ChildAddress.objects.filter(lived_until__isnull=True).count() == 800


def test_children_keep_the_generators_index_numbers_and_identifiers(loaded):
    children = rows(loaded / "children.csv")
    assert set(Child.objects.values_list("index_number", flat=True)) == {
        c["child_id"] for c in children
    }
    nhs = {c["nhs_number"] for c in children if c["nhs_number"]}
    assert set(ChildIdentifier.objects.filter(type="nhs").values_list("value", flat=True)) == nhs
    upns = {c["upn"] for c in children if c["upn"]}
    assert set(ChildIdentifier.objects.filter(type="upn").values_list("value", flat=True)) == upns
    sample = {c["child_id"]: c for c in children[:50]}
    for child in Child.objects.filter(index_number__in=sample).prefetch_related("names"):
        expected = sample[child.index_number]
        current = next(n for n in child.names.all() if n.kind == "current")
        assert (current.given_names, current.family_name) == (
            expected["given_names"],
            expected["family_name"],
        )
        assert child.date_of_birth.isoformat() == expected["date_of_birth"]
        assert child.responsible_la.code == expected["la_code"]
        assert child.shielded == (expected["shielded"] == "1")


def test_loaded_rows_pass_model_validation(loaded):
    for model in (Child, ChildAddress, ChildIdentifier, ChildName, Involvement, Consent):
        for row in model.objects.all()[:40]:
            row.full_clean()


def test_every_basis_is_the_consent_rule_and_consent_based_ones_have_a_consent(loaded):
    involvements = Involvement.objects.select_related("service", "logged_by")
    bases = set()
    for involvement in involvements:
        bases.add(involvement.basis)
        hidden = involvement.basis == Basis.HIDDEN_CONCERN
        assert involvement.basis == basis_for_service(
            category=involvement.service.category,
            sensitive=involvement.service.sensitive,
            hidden_concern=hidden,
        )
        if hidden:
            assert involvement.logged_by is not None and involvement.source_feed == ""
        consents = Consent.objects.filter(child=involvement.child_id)
        if involvement.basis == Basis.CONSENT:
            assert consents.filter(scope="additional_services").exists()
        if involvement.basis == Basis.SENSITIVE_CONSENT:
            assert consents.filter(scope="named_service", service=involvement.service).exists()
    assert {Basis.UNIVERSAL, Basis.CONSENT, Basis.STATUTORY} <= bases


def test_consents_are_recorded_by_the_las_index_team_and_practitioners_have_accounts(loaded):
    teams = User.objects.filter(role=Role.INDEX_TEAM)
    assert set(teams.values_list("username", flat=True)) == {
        "E10000099-index-team",
        "E06000099-index-team",
    }
    assert not any(u.has_usable_password() for u in User.objects.all())
    assert set(Consent.objects.values_list("recorded_by__role", flat=True)) <= {Role.INDEX_TEAM}
    for consent in Consent.objects.select_related("child__responsible_la", "recorded_by"):
        assert consent.recorded_by.local_authority == consent.child.responsible_la
    assert User.objects.filter(practitioner__isnull=False).count() == Practitioner.objects.count()
    assert User.objects.filter(role=Role.CHILD_PROTECTION).exists()


def test_loading_writes_one_audit_event_with_counts_and_no_personal_data(loaded):
    events = AuditEvent.objects.filter(action="population_load")
    assert events.count() == 1
    event = events.get()
    assert event.detail["counts"]["children"] == 800
    assert event.detail["seed"] == 5
    assert set(event.detail) == {"seed", "la_codes", "as_of", "counts"}
    text = json.dumps(event.detail)
    for child in rows(loaded / "children.csv")[:100]:
        assert child["family_name"] not in text and child["child_id"] not in text


def test_a_second_load_into_a_filled_index_is_refused_and_changes_nothing(loaded, tmp_path):
    with pytest.raises(CommandError, match="already holds 800 children"):
        call_command(
            "generate",
            "--children",
            "10",
            "--seed",
            "6",
            "--out",
            str(tmp_path / "second"),
            "--load",
        )
    assert Child.objects.count() == 800


def test_the_generators_closed_lists_are_the_models_choices():
    assert {s.kind for s in SERVICE_SPECS} <= set(ServiceKind.values)
    assert {s.category for s in SERVICE_SPECS} == set(ServiceCategory.values)
    assert {s.user_role for s in SERVICE_SPECS} <= set(Role.values)
    assessments = {a for e in (*EPISODES, LOOKED_AFTER) for a, _ in e.assessments}
    assert assessments <= set(AssessmentType.values)
    assert {
        "mother",
        "father",
        "step_parent",
        "grandparent",
        "other_relative",
        "foster_carer",
        "special_guardian",
        "adoptive_parent",
    } <= set(Relationship.values)
