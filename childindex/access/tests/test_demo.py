"""Demo accounts: one ready account per role, with a known two-factor secret."""

from __future__ import annotations

import pytest
from django.test import Client

from childindex.access import demo, policy
from childindex.access.models import Role, User
from childindex.directory.tests.factories import (
    LocalAuthorityFactory,
    OrganisationFactory,
    PractitionerFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def la():
    la = LocalAuthorityFactory(code="E10000099")
    PractitionerFactory.create_batch(2, organisation=OrganisationFactory(local_authority=la))
    return la


def test_one_ready_account_per_role_with_a_working_known_secret(la):
    made = demo.create_demo_users(la)
    assert sorted(m.role for m in made) == sorted(Role.values)
    for entry in made:
        user = User.objects.get(username=entry.username)
        assert user.check_password(entry.password)
        assert user.local_authority == la
        missing = policy.missing_prerequisites(user)
        assert missing == (
            [] if entry.role in policy.SEARCHING_ROLES else [policy.Prerequisite.ROLE]
        )
    practitioner = User.objects.get(role=Role.PRACTITIONER, local_authority=la)
    assert practitioner.practitioner is not None
    assert practitioner.organisation == practitioner.practitioner.organisation


def test_a_demo_user_signs_in_with_the_printed_code(la, client: Client):
    entry = next(m for m in demo.create_demo_users(la) if m.role == Role.PRACTITIONER)
    client.post("/sign-in/", {"username": entry.username, "password": entry.password})
    response = client.post("/sign-in/two-factor/", {"code": demo.current_code(entry.totp_secret)})
    assert response.status_code == 302
    # First sign-in: the user agreement, then the index.
    assert client.get("/account/")["Location"].startswith("/account/agreement/")
    client.post("/account/agreement/")
    assert client.get("/account/").status_code == 200


def test_running_it_again_keeps_the_same_accounts_and_secrets(la):
    first = demo.create_demo_users(la)
    second = demo.create_demo_users(la)
    assert first == second
    assert User.objects.filter(local_authority=la).count() == len(Role)


def test_an_la_without_practitioners_is_refused_with_a_reason():
    with pytest.raises(ValueError, match="generate the directory first"):
        demo.create_demo_users(LocalAuthorityFactory())
