"""The directory's database constraints refuse bad rows and accept good ones."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction

from childindex.core.tests.constraints import refused_by
from childindex.directory.models import (
    OrganisationType,
    Service,
    ServiceCategory,
    ons_code_validator,
)
from childindex.directory.tests.factories import (
    LocalAuthorityFactory,
    OrganisationFactory,
    PractitionerFactory,
    ServiceFactory,
)

pytestmark = pytest.mark.django_db


# --- Local authority --------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["X10000011", "E1000001", "EE0000011", "e10000011", "E1000001A"])
def test_la_code_must_be_a_letter_and_eight_digits(code):
    with refused_by("la_code_is_ons_style"):
        LocalAuthorityFactory(code=code)
    for good in ("E10000011", "W06000015", "S12000036", "N09000003"):
        LocalAuthorityFactory(code=good)


def test_la_code_with_a_trailing_newline_is_refused():
    """SQLite runs ``__regex`` in Python, where ``$`` also matches before a final newline: the
    rule ends with ``\\Z`` (PostgreSQL refuses the over-long value by its length first)."""
    with pytest.raises(DatabaseError), transaction.atomic():
        LocalAuthorityFactory(code="E10000011\n")


def test_la_code_validator_refuses_a_trailing_newline():
    with pytest.raises(ValidationError):
        ons_code_validator("E10000011\n")
    ons_code_validator("E10000011")


def test_la_nation_must_be_one_of_the_four():
    with refused_by("la_nation_is_known"):
        LocalAuthorityFactory(nation="atlantis")
    LocalAuthorityFactory(nation="northern_ireland")


@pytest.mark.parametrize("field", ["code", "name"])
def test_la_code_and_name_belong_to_one_la(field):
    first = LocalAuthorityFactory()
    with refused_by(field):
        LocalAuthorityFactory(**{field: getattr(first, field)})


# --- Organisation -----------------------------------------------------------------------------


def test_organisation_code_is_unique_within_its_type_only():
    school = OrganisationFactory(type=OrganisationType.SCHOOL, code="123456")
    with refused_by("organisation_code_unique"):
        OrganisationFactory(type=OrganisationType.SCHOOL, code=school.code)
    OrganisationFactory(type=OrganisationType.EARLY_YEARS, code=school.code)


def test_organisation_type_must_be_known():
    with refused_by("organisation_type_is_known"):
        OrganisationFactory(type="pub")
    OrganisationFactory(type=OrganisationType.VOLUNTARY)


def test_organisation_code_must_not_be_blank():
    with refused_by("organisation_code_not_blank"):
        OrganisationFactory(code="")
    OrganisationFactory(code="0")


# --- Service ----------------------------------------------------------------------------------


def test_service_name_is_unique_within_its_organisation_only():
    service = ServiceFactory(name="School nursing")
    with refused_by("service_name_unique"):
        ServiceFactory(organisation=service.organisation, name="School nursing")
    ServiceFactory(name="School nursing")


def test_service_category_must_be_known():
    with refused_by("service_category_is_known"):
        ServiceFactory(category="optional")
    ServiceFactory(category=ServiceCategory.STATUTORY)


def test_service_kind_must_be_known():
    with refused_by("service_kind_is_known"):
        ServiceFactory(kind="astrology")
    ServiceFactory(kind="camhs", category=ServiceCategory.SPECIALIST)


@pytest.mark.parametrize("category", [ServiceCategory.UNIVERSAL, ServiceCategory.STATUTORY])
def test_sensitive_service_is_never_universal_or_statutory(category):
    with refused_by("sensitive_service_needs_consent_category"):
        ServiceFactory(sensitive_service=True, category=category)
    ServiceFactory(category=category, sensitive=False)


@pytest.mark.parametrize("category", [ServiceCategory.ADDITIONAL, ServiceCategory.SPECIALIST])
def test_sensitive_service_may_be_additional_or_specialist(category):
    ServiceFactory(sensitive_service=True, category=category)
    assert Service.objects.filter(sensitive=True, category=category).count() == 1


# --- Practitioner -----------------------------------------------------------------------------


@pytest.mark.parametrize("blank", ["given_name", "family_name"])
def test_practitioner_has_a_given_and_a_family_name(blank):
    with refused_by("practitioner_named"):
        PractitionerFactory(**{blank: ""})
    PractitionerFactory(given_name="A", family_name="B")


def test_practitioner_secure_email_belongs_to_one_practitioner():
    first = PractitionerFactory()
    with refused_by("secure_email"):
        PractitionerFactory(secure_email=first.secure_email)
