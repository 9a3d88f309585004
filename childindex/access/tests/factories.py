"""Factories for users: an approved, vetted, trained practitioner in an LA by default, with a
confirmed authenticator device, so the account meets every access prerequisite
(``UserFactory(two_factor=False)`` for one that has not set two-factor up), who has accepted
the user agreement (``UserFactory(agreed=False)`` for one who has not)."""

from __future__ import annotations

import datetime as dt
from functools import cache

import factory
from django.contrib.auth.hashers import make_password
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from factory.django import DjangoModelFactory

from childindex.access import agreement
from childindex.access.models import AgreementAcceptance, Role, User
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
        skip_postgeneration_save = True

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

    @factory.post_generation
    def two_factor(self, create: bool, extracted, **kwargs) -> None:
        """A confirmed authenticator device unless ``two_factor=False``."""
        if create and extracted is not False:
            TOTPDevice.objects.create(user=self, name="Authenticator app", confirmed=True)

    @factory.post_generation
    def agreed(self, create: bool, extracted, **kwargs) -> None:
        """The user agreement accepted (current version, now) unless ``agreed=False``, so a
        test's user reaches the page it asks for rather than the agreement."""
        if create and extracted is not False:
            AgreementAcceptance.objects.create(
                user=self, version=agreement.VERSION, accepted_at=timezone.now()
            )
