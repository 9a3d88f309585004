"""Consents: the database refuses a consent that does not say who gave it, to what, and when."""

from __future__ import annotations

import datetime as dt

import pytest

from childindex.consent.models import GivenBy, Scope
from childindex.consent.tests.factories import ConsentFactory
from childindex.core.tests.constraints import refused_by
from childindex.directory.tests.factories import ServiceFactory
from childindex.records.tests.factories import CarerFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date.today()


def test_consent_is_given_by_the_young_person_or_a_parent_or_carer():
    # A parent-or-young-person rule (consent_parent_names_carer) forbids any other giver too.
    with refused_by("consent_given_by_known", "consent_parent_names_carer"):
        ConsentFactory(given_by="teacher")
    ConsentFactory(given_by=GivenBy.YOUNG_PERSON)


def test_consent_scope_must_be_known():
    # The named-service rule (consent_names_service_iff_scope_named) forbids any other scope too.
    with refused_by("consent_scope_known", "consent_names_service_iff_scope_named"):
        ConsentFactory(scope="everything")
    ConsentFactory(scope=Scope.ADDITIONAL_SERVICES)


def test_consent_names_a_service_if_and_only_if_its_scope_is_one_named_service():
    service = ServiceFactory(sensitive_service=True)
    with refused_by("consent_names_service_iff_scope_named"):
        ConsentFactory(scope=Scope.NAMED_SERVICE, service=None)
    with refused_by("consent_names_service_iff_scope_named"):
        ConsentFactory(scope=Scope.ADDITIONAL_SERVICES, service=service)
    ConsentFactory(scope=Scope.NAMED_SERVICE, service=service)


def test_consent_by_a_parent_names_the_carer_and_the_young_persons_names_none():
    carer = CarerFactory()
    with refused_by("consent_parent_names_carer"):
        ConsentFactory(given_by=GivenBy.PARENT_CARER, carer=None)
    with refused_by("consent_parent_names_carer"):
        ConsentFactory(given_by=GivenBy.YOUNG_PERSON, carer=carer)
    ConsentFactory(given_by=GivenBy.PARENT_CARER, carer=carer)


def test_consent_is_withdrawn_on_or_after_it_was_given():
    with refused_by("consent_withdrawn_after_given"):
        ConsentFactory(given_on=TODAY, withdrawn_on=TODAY - dt.timedelta(days=1))
    ConsentFactory(given_on=TODAY, withdrawn_on=TODAY)
