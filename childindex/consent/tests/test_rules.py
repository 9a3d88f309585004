"""The basis of an involvement, decided by its service (design §3), for every combination."""

from __future__ import annotations

import itertools

import pytest

from childindex.consent.rules import basis_for_service
from childindex.directory.models import ServiceCategory
from childindex.records.models import Basis
from childindex.records.tests.factories import InvolvementFactory

U, A, S, T = (
    ServiceCategory.UNIVERSAL,
    ServiceCategory.ADDITIONAL,
    ServiceCategory.SPECIALIST,
    ServiceCategory.STATUTORY,
)

# (category, sensitive, hidden concern) -> basis. Sensitive universal and statutory services
# cannot be stored (sensitive_service_needs_consent_category); if such values ever reach the
# rule it still treats the service as sensitive: a sensitive service is never shown openly.
EXPECTED = {
    (U, False, False): Basis.UNIVERSAL,
    (U, True, False): Basis.SENSITIVE_CONSENT,
    (A, False, False): Basis.CONSENT,
    (A, True, False): Basis.SENSITIVE_CONSENT,
    (S, False, False): Basis.CONSENT,
    (S, True, False): Basis.SENSITIVE_CONSENT,
    (T, False, False): Basis.STATUTORY,
    (T, True, False): Basis.SENSITIVE_CONSENT,
    **{
        (category, sensitive, True): Basis.HIDDEN_CONCERN
        for category, sensitive in itertools.product(ServiceCategory, (False, True))
    },
}


def test_the_table_covers_every_category_sensitive_and_hidden_combination():
    assert set(EXPECTED) == set(itertools.product(ServiceCategory, (False, True), (False, True)))


@pytest.mark.parametrize(
    ("category", "sensitive", "hidden_concern"),
    sorted(EXPECTED),
    ids=lambda v: str(v),
)
def test_basis_for_service(category, sensitive, hidden_concern):
    basis = basis_for_service(category=category, sensitive=sensitive, hidden_concern=hidden_concern)
    assert basis == EXPECTED[(category, sensitive, hidden_concern)]


@pytest.mark.parametrize("category", list(ServiceCategory))
def test_basis_for_service_accepts_the_category_as_a_plain_string(category):
    assert (
        basis_for_service(category=str(category.value), sensitive=False)
        == EXPECTED[(category, False, False)]
    )


def test_hidden_concern_is_not_the_default():
    assert basis_for_service(category=ServiceCategory.UNIVERSAL, sensitive=False) == (
        Basis.UNIVERSAL
    )


def test_an_unknown_category_needs_consent_rather_than_being_shown():
    assert basis_for_service(category="mystery", sensitive=False) == Basis.CONSENT


@pytest.mark.django_db
@pytest.mark.parametrize(
    "service_trait",
    [
        {},
        {"additional": True},
        {"specialist": True},
        {"statutory": True},
        {"sensitive_service": True},
    ],
    ids=lambda t: ",".join(t) or "universal",
)
def test_involvement_factory_gives_the_basis_the_rule_gives(service_trait):
    involvement = InvolvementFactory(**{f"service__{k}": v for k, v in service_trait.items()})
    service = involvement.service
    assert involvement.basis == basis_for_service(
        category=service.category, sensitive=service.sensitive
    )
