"""The consent factory makes consents that pass every model rule."""

from __future__ import annotations

import pytest

from childindex.consent.tests.factories import ConsentFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "traits",
    [{}, {"by_parent": True}, {"named_service": True}, {"withdrawn": True}],
    ids=lambda v: ",".join(v) or "default",
)
def test_consent_factory_makes_a_valid_consent(traits):
    ConsentFactory(**traits).full_clean()


def test_parent_who_consents_is_one_of_the_childs_carers():
    consent = ConsentFactory(by_parent=True)
    assert consent.child.carer_links.filter(carer=consent.carer).exists()
