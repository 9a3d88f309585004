"""Factories for the directory: local authorities, organisations, services, practitioners.

Valid by default and synthetic only: telephone numbers from Ofcom's drama range
(01632 960000 to 960999), e-mail addresses under ``.example``.
"""

from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

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


def drama_phone(n: int) -> str:
    """A number from Ofcom's range reserved for drama: never a real line."""
    return f"01632 960{n % 1000:03d}"


class LocalAuthorityFactory(DjangoModelFactory):
    class Meta:
        model = LocalAuthority

    code = factory.Sequence(lambda n: f"E{60_000_000 + n:08d}")
    name = factory.Sequence(lambda n: f"Synthetic County {n}")
    nation = Nation.ENGLAND
    index_team_phone = factory.Sequence(drama_phone)
    index_team_email = factory.Sequence(lambda n: f"index-team@la{n}.example")
    safeguarding_email = factory.Sequence(lambda n: f"safeguarding@la{n}.example")


class OrganisationFactory(DjangoModelFactory):
    class Meta:
        model = Organisation

    type = OrganisationType.SCHOOL
    code = factory.Sequence(lambda n: f"{900_000 + n}")
    name = factory.Sequence(lambda n: f"Synthetic Primary School {n}")
    local_authority = factory.SubFactory(LocalAuthorityFactory)
    address = "1 School Lane, Synthetic Town"
    postcode = "TN34 1AA"
    phone = factory.Sequence(drama_phone)
    email = factory.Sequence(lambda n: f"office@org{n}.example")

    class Params:
        gp_practice = factory.Trait(
            type=OrganisationType.GP_PRACTICE,
            code=factory.Sequence(lambda n: f"Y{n % 100_000:05d}"),
            name=factory.Sequence(lambda n: f"Synthetic Medical Centre {n}"),
        )
        health_trust = factory.Trait(
            type=OrganisationType.HEALTH_TRUST,
            code=factory.Sequence(lambda n: f"RX{n % 1000:03d}"),
            name=factory.Sequence(lambda n: f"Synthetic NHS Trust {n}"),
        )
        local_authority_department = factory.Trait(
            type=OrganisationType.LOCAL_AUTHORITY,
            code=factory.Sequence(lambda n: f"LA-{n}"),
            name=factory.Sequence(lambda n: f"Children's Services {n}"),
        )


class ServiceFactory(DjangoModelFactory):
    """A universal school service unless told otherwise; traits for the other categories."""

    class Meta:
        model = Service

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Synthetic service {n}")
    kind = ServiceKind.SCHOOL
    category = ServiceCategory.UNIVERSAL
    sensitive = False
    phone = factory.Sequence(drama_phone)
    email = factory.Sequence(lambda n: f"service{n}@org.example")

    class Params:
        additional = factory.Trait(
            kind=ServiceKind.SPEECH_AND_LANGUAGE, category=ServiceCategory.ADDITIONAL
        )
        specialist = factory.Trait(
            kind=ServiceKind.PAEDIATRICS, category=ServiceCategory.SPECIALIST
        )
        statutory = factory.Trait(kind=ServiceKind.SOCIAL_CARE, category=ServiceCategory.STATUTORY)
        sensitive_service = factory.Trait(
            kind=ServiceKind.SEXUAL_HEALTH, category=ServiceCategory.SPECIALIST, sensitive=True
        )


class PractitionerFactory(DjangoModelFactory):
    class Meta:
        model = Practitioner
        skip_postgeneration_save = True

    given_name = factory.Faker("first_name", locale="en_GB")
    family_name = factory.Faker("last_name", locale="en_GB")
    job_title = "Health visitor"
    organisation = factory.SubFactory(OrganisationFactory)
    work_phone = factory.Sequence(drama_phone)
    secure_email = factory.Sequence(lambda n: f"practitioner{n}@secure.example")

    @factory.post_generation
    def services(self, create: bool, extracted, **kwargs) -> None:
        """``PractitionerFactory(services=[service, ...])`` links the practitioner to them."""
        if create and extracted:
            self.services.add(*extracted)
