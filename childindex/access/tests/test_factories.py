"""The user factory makes accounts that pass every model rule and can sign in."""

from __future__ import annotations

import pytest

from childindex.access.models import Role
from childindex.access.tests.factories import SYNTHETIC_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "traits",
    [
        {},
        {"child_protection": True},
        {"index_team": True},
        {"auditor": True},
        {"national_operator": True},
        {"back_office": True},
        {"with_practitioner": True},
    ],
    ids=lambda v: ",".join(v) or "default",
)
def test_user_factory_makes_a_valid_account(traits):
    user = UserFactory(**traits)
    user.full_clean()
    assert user.check_password(SYNTHETIC_PASSWORD)


def test_user_with_practitioner_works_for_that_practitioners_organisation_in_their_la():
    user = UserFactory(with_practitioner=True)
    assert user.organisation == user.practitioner.organisation
    assert user.organisation.local_authority == user.local_authority
    assert user.role == Role.PRACTITIONER
