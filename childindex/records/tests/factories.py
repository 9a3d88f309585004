"""Factories for children and what is held about them. Valid by default, synthetic only.

- ``ChildFactory()`` makes an active child with a random, check-digit-valid index number and
  one current name (``ChildFactory(current_name=None)`` for a child without one).
- ``ChildIdentifierFactory(type=...)`` makes a check-digit-valid value of any type, unique per
  factory call: NHS numbers from the 999 range the NHS never issues to patients.
- ``InvolvementFactory()`` comes from a feed with the basis its service's category gives.
"""

from __future__ import annotations

import datetime as dt
import random

import factory
from factory.django import DjangoModelFactory
from factory.fuzzy import FuzzyChoice
from stdnum.gb import upn

from childindex.access.tests.factories import UserFactory
from childindex.core.identifiers import (
    UPN_LA_NUMBERS,
    IdentifierType,
    mod11_check_digit,
    new_index_number,
    synthetic_chi_number,
)
from childindex.directory.models import ServiceCategory
from childindex.directory.tests.factories import (
    LocalAuthorityFactory,
    PractitionerFactory,
    ServiceFactory,
    drama_phone,
)
from childindex.records.models import (
    AddressStatus,
    AssessmentType,
    Basis,
    Carer,
    Child,
    ChildAddress,
    ChildCarer,
    ChildIdentifier,
    ChildName,
    ChildStatus,
    Gender,
    Involvement,
    NameKind,
    Relationship,
)

# Outward codes of a synthetic county; the inward code is random (in its published alphabet).
_DISTRICTS = ("TN34", "TN35", "BN1", "BN21", "L36", "TF3", "SW1A", "M1")
_INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"


def _today() -> dt.date:
    return dt.date.today()


def synthetic_postcode() -> str:
    rng = factory.random.randgen
    inward = f"{rng.randint(0, 9)}{rng.choice(_INWARD_LETTERS)}{rng.choice(_INWARD_LETTERS)}"
    return f"{rng.choice(_DISTRICTS)} {inward}"


def _mod11_from_sequence(base: int, n: int, span: int) -> str:
    """The n-th of a run of distinct mod-11-valid numbers starting at ``base`` (9-digit body).

    Bodies 10n..10n+9 differ only in the last digit (weight 2), so at most one of them lacks a
    check digit: distinct n always give distinct numbers.
    """
    for last in range(10):
        body = str(base + 10 * (n % span) + last)
        check = mod11_check_digit(body)
        if check is not None:
            return body + str(check)
    raise AssertionError("unreachable: of ten such bodies at most one lacks a check digit")


def synthetic_identifier_value(kind: str, n: int, child: Child) -> str:
    """A valid, synthetic value of ``kind``, distinct for each ``n``."""
    if kind == IdentifierType.NHS:
        return _mod11_from_sequence(999_000_000, n, 100_000)
    if kind == IdentifierType.HC:
        return _mod11_from_sequence(320_000_000, n, 8_000_000)
    if kind == IdentifierType.CHI:
        female = child.gender == Gender.FEMALE
        return synthetic_chi_number(child.date_of_birth, female, random.Random(n))
    if kind == IdentifierType.UPN:
        la_number = UPN_LA_NUMBERS[n % len(UPN_LA_NUMBERS)]
        school = 2000 + (n // len(UPN_LA_NUMBERS)) % 8000
        body = f"{la_number:03d}{school:04d}{child.date_of_birth.year % 100:02d}001"
        return upn.calc_check_digit(body) + body
    return f"LOCAL-{n:07d}"


class ChildFactory(DjangoModelFactory):
    """An active child, up to 17 years old, in a synthetic LA, with one current name."""

    class Meta:
        model = Child
        skip_postgeneration_save = True

    index_number = factory.LazyFunction(new_index_number)
    date_of_birth = factory.Faker("date_between", start_date="-17y", end_date="-30d")
    gender = FuzzyChoice([Gender.FEMALE, Gender.MALE, Gender.NOT_SPECIFIED])
    responsible_la = factory.SubFactory(LocalAuthorityFactory)
    status = ChildStatus.ACTIVE
    current_name = factory.RelatedFactory(
        "childindex.records.tests.factories.ChildNameFactory", factory_related_name="child"
    )

    class Params:
        shielded_record = factory.Trait(
            shielded=True,
            shield_review_on=factory.LazyFunction(lambda: _today() + dt.timedelta(180)),
        )
        deceased = factory.Trait(
            status=ChildStatus.DECEASED, date_of_death=factory.LazyFunction(_today)
        )
        archived = factory.Trait(
            status=ChildStatus.ARCHIVED, archived_on=factory.LazyFunction(_today)
        )
        merged = factory.Trait(
            status=ChildStatus.MERGED,
            merged_into=factory.SubFactory(
                "childindex.records.tests.factories.ChildFactory",
                date_of_birth=factory.SelfAttribute("..date_of_birth"),
                responsible_la=factory.SelfAttribute("..responsible_la"),
            ),
        )


class ChildNameFactory(DjangoModelFactory):
    class Meta:
        model = ChildName

    child = factory.SubFactory(ChildFactory, current_name=None)
    kind = NameKind.CURRENT
    given_names = factory.Faker("first_name", locale="en_GB")
    family_name = factory.Faker("last_name", locale="en_GB")

    class Params:
        former = factory.Trait(
            kind=NameKind.FORMER,
            used_from=factory.SelfAttribute("child.date_of_birth"),
            used_until=factory.LazyFunction(lambda: _today() - dt.timedelta(days=10)),
        )
        alias = factory.Trait(kind=NameKind.ALIAS)


class ChildAddressFactory(DjangoModelFactory):
    """The child's current, known address in their responsible LA."""

    class Meta:
        model = ChildAddress

    child = factory.SubFactory(ChildFactory)
    status = AddressStatus.KNOWN
    line_1 = factory.Sequence(lambda n: f"{n % 200 + 1} Synthetic Road")
    town = "Synthetic Town"
    postcode = factory.LazyFunction(synthetic_postcode)
    local_authority = factory.SelfAttribute("child.responsible_la")
    lived_from = factory.SelfAttribute("child.date_of_birth")

    class Params:
        previous = factory.Trait(
            lived_until=factory.LazyFunction(lambda: _today() - dt.timedelta(days=30))
        )
        last_known = factory.Trait(status=AddressStatus.LAST_KNOWN)
        no_known_address = factory.Trait(
            status=AddressStatus.NO_KNOWN_ADDRESS,
            line_1="",
            town="",
            postcode="",
            local_authority=None,
        )
        left_country = factory.Trait(
            status=AddressStatus.LEFT_COUNTRY,
            line_1="",
            town="",
            postcode="",
            local_authority=None,
            country="France",
            intends_to_return=True,
        )


class ChildIdentifierFactory(DjangoModelFactory):
    """An NHS number unless ``type=`` says otherwise; local identifiers get an issuer."""

    class Meta:
        model = ChildIdentifier

    child = factory.SubFactory(ChildFactory)
    type = IdentifierType.NHS
    issuer = factory.LazyAttribute(
        lambda o: "synthetic-feed" if o.type == IdentifierType.LOCAL else ""
    )
    value = factory.LazyAttributeSequence(
        lambda o, n: synthetic_identifier_value(o.type, n, o.child)
    )


class CarerFactory(DjangoModelFactory):
    class Meta:
        model = Carer

    given_names = factory.Faker("first_name", locale="en_GB")
    family_name = factory.Faker("last_name", locale="en_GB")
    phone = factory.Sequence(drama_phone)
    email = factory.Sequence(lambda n: f"carer{n}@family.example")


class ChildCarerFactory(DjangoModelFactory):
    class Meta:
        model = ChildCarer

    child = factory.SubFactory(ChildFactory)
    carer = factory.SubFactory(CarerFactory)
    relationship = Relationship.MOTHER
    parental_responsibility = True


def _basis_of(service) -> Basis:
    """The basis ``consent.rules.basis_for_service`` gives (records may not import consent;
    a consent test checks the two agree)."""
    if service.sensitive:
        return Basis.SENSITIVE_CONSENT
    if service.category == ServiceCategory.UNIVERSAL:
        return Basis.UNIVERSAL
    if service.category == ServiceCategory.STATUTORY:
        return Basis.STATUTORY
    return Basis.CONSENT


class InvolvementFactory(DjangoModelFactory):
    """A current involvement from a feed, with a practitioner of the service's organisation."""

    class Meta:
        model = Involvement

    child = factory.SubFactory(ChildFactory)
    service = factory.SubFactory(ServiceFactory)
    practitioner = factory.SubFactory(
        PractitionerFactory, organisation=factory.SelfAttribute("..service.organisation")
    )
    started_on = factory.LazyAttribute(
        lambda o: max(o.child.date_of_birth, _today() - dt.timedelta(days=90))
    )
    basis = factory.LazyAttribute(lambda o: _basis_of(o.service))
    source_feed = "synthetic-feed"
    logged_by = None

    class Params:
        logged = factory.Trait(
            source_feed="",
            logged_by=factory.SubFactory(
                UserFactory, local_authority=factory.SelfAttribute("..child.responsible_la")
            ),
        )
        ended = factory.Trait(ended_on=factory.LazyFunction(_today))
        lead_professional = factory.Trait(is_lead_professional=True)
        assessed = factory.Trait(
            assessment_type=AssessmentType.CAF, assessment_on=factory.SelfAttribute("started_on")
        )
        hidden_concern = factory.Trait(basis=Basis.HIDDEN_CONCERN)
