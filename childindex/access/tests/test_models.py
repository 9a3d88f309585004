"""Users' database constraints refuse bad accounts and accept good ones."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from childindex.access.models import Role
from childindex.access.tests.factories import UserFactory
from childindex.core.tests.constraints import refused_by

pytestmark = pytest.mark.django_db


def test_user_role_must_be_known():
    with refused_by("user_role_is_known"):
        UserFactory(role="headteacher")
    for role in Role.values:
        UserFactory(role=role)


@pytest.mark.parametrize(
    "role", [Role.PRACTITIONER, Role.CHILD_PROTECTION, Role.INDEX_TEAM, Role.AUDITOR]
)
def test_every_account_but_a_national_operators_belongs_to_an_la(role):
    with refused_by("user_belongs_to_an_la"):
        UserFactory(role=role, local_authority=None)
    UserFactory(role=role)


def test_national_operator_and_superuser_need_no_la():
    UserFactory(national_operator=True).full_clean()
    UserFactory(back_office=True, local_authority=None).full_clean()


def test_account_without_an_la_fails_validation_with_a_message_saying_so():
    user = UserFactory.build(role=Role.PRACTITIONER, local_authority=None)
    with pytest.raises(ValidationError) as caught:
        user.clean()
    assert caught.value.message_dict == {
        "local_authority": ["Choose the local authority this account belongs to."]
    }
    UserFactory.build(national_operator=True).clean()
    UserFactory.build(back_office=True, local_authority=None).clean()
