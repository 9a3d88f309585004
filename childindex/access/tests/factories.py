"""Factories for the access tests: LAs, the directory, users (ready to search by default),
children, involvements and consents. Synthetic values only."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from childindex.access.models import Role, User
from childindex.consent.models import Consent, GivenBy, Scope
from childindex.core.identifiers import new_index_number
from childindex.core.models import Nation
from childindex.directory.models import (
    LocalAuthority,
    Organisation,
    OrganisationType,
    Practitioner,
    Service,
    ServiceCategory,
    ServiceKind,
)
from childindex.records.models import Basis, Child, ChildName, Gender, Involvement

PASSWORD = "a-long-synthetic-test-password"


class LocalAuthorityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LocalAuthority

    code = factory.Sequence(lambda n: f"E1{n:07d}")
    name = factory.Sequence(lambda n: f"Testshire {n}")
    nation = Nation.ENGLAND
    index_team_phone = "01632 960 001"
    index_team_email = factory.Sequence(lambda n: f"index-team-{n}@example.invalid")


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    type = OrganisationType.SCHOOL
    code = factory.Sequence(lambda n: f"ORG{n:05d}")
    name = factory.Sequence(lambda n: f"Synthetic Organisation {n}")
    local_authority = factory.SubFactory(LocalAuthorityFactory)
    phone = "01632 960 100"


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Service {n}")
    kind = ServiceKind.SCHOOL
    category = ServiceCategory.UNIVERSAL
    sensitive = False
    phone = "01632 960 200"


class PractitionerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Practitioner

    given_name = "Sam"
    family_name = factory.Sequence(lambda n: f"Worker{n}")
    job_title = "Pastoral lead"
    organisation = factory.SubFactory(OrganisationFactory)
    work_phone = "01632 960 300"
    secure_email = factory.Sequence(lambda n: f"worker{n}@example.invalid")


class UserFactory(factory.django.DjangoModelFactory):
    """A user who meets every access prerequisite; ``device=False`` leaves out two-factor."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"User{n}")
    role = Role.PRACTITIONER
    local_authority = factory.SubFactory(LocalAuthorityFactory)
    approved_on = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=100))
    dbs_checked_on = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=200))
    training_completed_on = factory.LazyFunction(
        lambda: timezone.localdate() - dt.timedelta(days=90)
    )
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def device(obj, create, extracted, **kwargs):  # noqa: N805
        if create and extracted is not False:
            TOTPDevice.objects.create(user=obj, name="Authenticator app", confirmed=True)


class ChildFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Child
        skip_postgeneration_save = True

    index_number = factory.LazyFunction(new_index_number)
    date_of_birth = dt.date(2015, 6, 1)
    gender = Gender.NOT_SPECIFIED
    responsible_la = factory.SubFactory(LocalAuthorityFactory)

    @factory.post_generation
    def name(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            ChildName.objects.create(child=obj, given_names="Synthetic", family_name="Child")


class InvolvementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Involvement

    child = factory.SubFactory(ChildFactory)
    service = factory.SubFactory(ServiceFactory)
    started_on = dt.date(2024, 1, 1)
    basis = Basis.UNIVERSAL
    source_feed = "school-census"


class ConsentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Consent

    child = factory.SubFactory(ChildFactory)
    given_by = GivenBy.YOUNG_PERSON
    scope = Scope.ADDITIONAL_SERVICES
    given_on = dt.date(2024, 1, 1)
    recorded_by = factory.SubFactory(UserFactory)
