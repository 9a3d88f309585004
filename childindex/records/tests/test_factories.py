"""The records factories make rows that pass every model rule, with valid identifiers."""

from __future__ import annotations

import pytest

from childindex.core.identifiers import IdentifierType, validate_identifier
from childindex.records.models import NameKind
from childindex.records.tests.factories import (
    CarerFactory,
    ChildAddressFactory,
    ChildCarerFactory,
    ChildFactory,
    ChildIdentifierFactory,
    ChildNameFactory,
    InvolvementFactory,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("factory_class", "traits"),
    [
        (ChildFactory, {}),
        (ChildFactory, {"shielded_record": True}),
        (ChildFactory, {"deceased": True}),
        (ChildFactory, {"archived": True}),
        (ChildFactory, {"merged": True}),
        (ChildNameFactory, {}),
        (ChildNameFactory, {"former": True}),
        (ChildNameFactory, {"alias": True}),
        (ChildAddressFactory, {}),
        (ChildAddressFactory, {"previous": True}),
        (ChildAddressFactory, {"last_known": True}),
        (ChildAddressFactory, {"no_known_address": True}),
        (ChildAddressFactory, {"left_country": True}),
        (CarerFactory, {}),
        (ChildCarerFactory, {}),
        (InvolvementFactory, {}),
        (InvolvementFactory, {"logged": True}),
        (InvolvementFactory, {"ended": True}),
        (InvolvementFactory, {"lead_professional": True}),
        (InvolvementFactory, {"assessed": True}),
        (InvolvementFactory, {"hidden_concern": True}),
    ],
    ids=lambda v: getattr(v, "__name__", None) or ",".join(v) or "default",
)
def test_records_factory_makes_a_valid_row(factory_class, traits):
    obj = factory_class(**traits)
    obj.full_clean()


@pytest.mark.parametrize("kind", [t for t in IdentifierType if t != IdentifierType.INDEX])
def test_identifier_factory_makes_check_digit_valid_distinct_values(kind):
    identifiers = ChildIdentifierFactory.create_batch(25, type=kind)
    for identifier in identifiers:
        identifier.full_clean()
        assert validate_identifier(kind, identifier.value) == identifier.value
    assert len({i.value for i in identifiers}) == 25


def test_child_factory_gives_a_valid_index_number_and_one_current_name():
    child = ChildFactory()
    child.full_clean()
    assert [n.kind for n in child.names.all()] == [NameKind.CURRENT]


def test_child_factory_can_make_a_child_without_a_name():
    assert not ChildFactory(current_name=None).names.exists()


def test_synthetic_nhs_numbers_come_from_the_range_never_issued_to_patients():
    assert all(i.value.startswith("999") for i in ChildIdentifierFactory.create_batch(5))
