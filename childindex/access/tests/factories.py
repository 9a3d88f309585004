"""Factories for users: an approved, vetted, trained practitioner in an LA by default."""

from __future__ import annotations

import datetime as dt
from functools import cache

import factory
from django.contrib.auth.hashers import make_password
from factory.django import DjangoModelFactory

from childindex.access.models import Role, User
from childindex.directory.tests.factories import LocalAuthorityFactory, PractitionerFactory

SYNTHETIC_PASSWORD = "correct-horse-synthetic-1"


@cache
def _password_hash() -> str:
    """Hash the shared test password once: Argon2 is deliberately slow."""
    return make_password(SYNTHETIC_PASSWORD)


def _days_ago(days: int):
    return factory.LazyFunction(lambda: dt.date.today() - dt.timedelta(days=days))


class UserFactory(DjangoModelFactory):
    """Signs in with ``SYNTHETIC_PASSWORD``. Use ``role=...`` or a trait for other kinds."""

    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name", locale="en_GB")
    last_name = factory.Faker("last_name", locale="en_GB")
    email = factory.Sequence(lambda n: f"user{n}@la.example")
    password = factory.LazyFunction(_password_hash)
    role = Role.PRACTITIONER
    local_authority = factory.SubFactory(LocalAuthorityFactory)
    approved_on = _days_ago(60)
    dbs_checked_on = _days_ago(365)
    training_completed_on = _days_ago(30)

    class Params:
        child_protection = factory.Trait(role=Role.CHILD_PROTECTION)
        index_team = factory.Trait(role=Role.INDEX_TEAM)
        auditor = factory.Trait(role=Role.AUDITOR)
        national_operator = factory.Trait(role=Role.NATIONAL_OPERATOR, local_authority=None)
        back_office = factory.Trait(is_staff=True, is_superuser=True)
        with_practitioner = factory.Trait(
            practitioner=factory.SubFactory(
                PractitionerFactory,
                organisation__local_authority=factory.SelfAttribute("...local_authority"),
            ),
            organisation=factory.SelfAttribute("practitioner.organisation"),
        )
