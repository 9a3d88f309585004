"""The directory factories make rows that pass every model rule (validators and constraints)."""

from __future__ import annotations

import pytest

from childindex.directory.tests.factories import (
    LocalAuthorityFactory,
    OrganisationFactory,
    PractitionerFactory,
    ServiceFactory,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("factory_class", "traits"),
    [
        (LocalAuthorityFactory, {}),
        (OrganisationFactory, {}),
        (OrganisationFactory, {"gp_practice": True}),
        (OrganisationFactory, {"health_trust": True}),
        (OrganisationFactory, {"local_authority_department": True}),
        (ServiceFactory, {}),
        (ServiceFactory, {"additional": True}),
        (ServiceFactory, {"specialist": True}),
        (ServiceFactory, {"statutory": True}),
        (ServiceFactory, {"sensitive_service": True}),
        (PractitionerFactory, {}),
    ],
    ids=lambda v: getattr(v, "__name__", None) or ",".join(v) or "default",
)
def test_directory_factory_makes_a_valid_row(factory_class, traits):
    obj = factory_class(**traits)
    obj.full_clean()


def test_practitioner_factory_links_the_services_it_is_given():
    service = ServiceFactory()
    practitioner = PractitionerFactory(services=[service])
    assert list(practitioner.services.all()) == [service]
