"""The journey's county: a school and an NHS trust in one LA, their services (one of them
sensitive), two practitioners, a user of each role, and eight children to find.

Built from the apps' factories with every value the journey's tests rely on given explicitly
(names, dates of birth, postcodes, telephone numbers); every name, number and place is made up.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password

from childindex.access.models import Role, User
from childindex.access.tests.factories import UserFactory
from childindex.core.identifiers import new_index_number, synthetic_nhs_number
from childindex.directory.models import (
    LocalAuthority,
    Organisation,
    OrganisationType,
    Practitioner,
    Service,
    ServiceCategory,
    ServiceKind,
)
from childindex.directory.tests.factories import (
    LocalAuthorityFactory,
    OrganisationFactory,
    PractitionerFactory,
    ServiceFactory,
)
from childindex.records.models import AddressStatus, Child, NameKind, Relationship
from childindex.records.search_index import search_keys_refresh
from childindex.records.tests.factories import (
    CarerFactory,
    ChildAddressFactory,
    ChildCarerFactory,
    ChildFactory,
    ChildIdentifierFactory,
    ChildNameFactory,
)

TODAY = dt.date.today()
JOURNEY_PASSWORD = "correct-horse-battery"  # noqa: S105 - synthetic test accounts
_rng = random.Random(20261121)
_counter = itertools.count(1)


# --- One row at a time, with the journey's values ---------------------------------------------


def journey_la(code: str = "E10000011", name: str = "East Sussex") -> LocalAuthority:
    """The LA with this code (made the first time it is asked for)."""
    existing = LocalAuthority.objects.filter(code=code).first()
    if existing is not None:
        return existing
    return LocalAuthorityFactory.create(
        code=code,
        name=name,
        nation="england",
        index_team_phone="01632 960 100",
        index_team_email=f"index-team@{code.lower()}.example.org",
        safeguarding_email="",
    )


def journey_organisation(
    la: LocalAuthority,
    name: str = "Hastings Primary School",
    *,
    type: str = OrganisationType.SCHOOL,
) -> Organisation:
    return OrganisationFactory.create(
        type=type,
        code=f"ORG{next(_counter):05d}",
        name=name,
        local_authority=la,
        address="",
        postcode="",
        phone="01632 960 200",
        email="",
    )


def journey_service(
    org: Organisation,
    name: str = "Pastoral care",
    *,
    kind: str = ServiceKind.SCHOOL,
    category: str = ServiceCategory.UNIVERSAL,
    sensitive: bool = False,
) -> Service:
    return ServiceFactory.create(
        organisation=org,
        name=name,
        kind=kind,
        category=category,
        sensitive=sensitive,
        phone="01632 960 300",
        email=f"service{next(_counter)}@example.org",
    )


def journey_practitioner(
    org: Organisation, given: str, family: str, *services: Service
) -> Practitioner:
    return PractitionerFactory.create(
        given_name=given,
        family_name=family,
        job_title="Designated safeguarding lead",
        organisation=org,
        work_phone="01632 960 400",
        secure_email=f"{given}.{family}.{next(_counter)}@example.org".lower(),
        services=list(services),
    )


def journey_user(
    username: str,
    *,
    la: LocalAuthority,
    role: str = Role.PRACTITIONER,
    practitioner: Practitioner | None = None,
    password: str = JOURNEY_PASSWORD,
    two_factor: bool = True,
    agreed: bool = True,
    **overrides: object,
) -> User:
    """An account meeting every prerequisite (approved, vetted, trained, two-factor, the user
    agreement accepted) unless told otherwise; signs in with ``password``."""
    fields: dict[str, object] = {
        "username": username,
        "password": make_password(password),
        "email": "",
        "role": role,
        "local_authority": la,
        "organisation": practitioner.organisation if practitioner else None,
        "practitioner": practitioner,
        "approved_on": TODAY - dt.timedelta(days=300),
        "dbs_checked_on": TODAY - dt.timedelta(days=400),
        "training_completed_on": TODAY - dt.timedelta(days=290),
        "first_name": username.title(),
        "last_name": "Tester",
    }
    fields.update(overrides)
    return UserFactory.create(two_factor=two_factor, agreed=agreed, **fields)


def journey_child(
    given: str,
    family: str,
    born: dt.date,
    *,
    la: LocalAuthority,
    gender: str = "female",
    postcode: str = "TN34 1AA",
    town: str = "Hastings",
    previous_postcodes: tuple[str, ...] = (),
    other_names: tuple[tuple[str, str, str], ...] = (),
    identifiers: dict[str, str] | None = None,
    shielded: bool = False,
    carers: tuple[tuple[str, str, str], ...] = (),
) -> Child:
    """A child with a current name and address (and optionally former names, earlier
    addresses, identifiers, carers), findable at once (its search keys are written)."""
    record = ChildFactory.create(
        index_number=new_index_number(_rng),
        date_of_birth=born,
        gender=gender,
        responsible_la=la,
        shielded=shielded,
        shield_review_on=TODAY + dt.timedelta(days=90) if shielded else None,
        current_name=None,
    )
    ChildNameFactory.create(child=record, given_names=given, family_name=family)
    for kind, other_given, other_family in other_names:
        ChildNameFactory.create(
            child=record, kind=kind, given_names=other_given, family_name=other_family
        )
    moved = born
    for old in previous_postcodes:
        ChildAddressFactory.create(
            child=record,
            status=AddressStatus.KNOWN,
            line_1="1 Old Road",
            town="Bexhill",
            postcode=old,
            local_authority=la,
            lived_from=moved,
            lived_until=moved + dt.timedelta(days=200),
        )
        moved += dt.timedelta(days=201)
    if postcode:
        ChildAddressFactory.create(
            child=record,
            status=AddressStatus.KNOWN,
            line_1="12 High Street",
            town=town,
            postcode=postcode,
            local_authority=la,
            lived_from=moved,
        )
    for kind, value in (identifiers or {}).items():
        ChildIdentifierFactory.create(child=record, type=kind, issuer="", value=value)
    for carer_given, carer_family, relationship in carers:
        carer = CarerFactory.create(
            given_names=carer_given, family_name=carer_family, phone="07700 900 123", email=""
        )
        ChildCarerFactory.create(
            child=record, carer=carer, relationship=relationship, parental_responsibility=True
        )
    search_keys_refresh(child_ids=[record.pk])
    return record


# --- The scenarios ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Journey:
    """One LA (East Sussex) with a school and an NHS trust, and the people of the journey."""

    la: LocalAuthority
    school: Organisation
    trust: Organisation
    pastoral: Service  # the school's pastoral care: universal
    speech: Service  # the trust's speech and language therapy: specialist (needs consent)
    sexual_health: Service  # the trust's sexual health clinic: sensitive
    teacher: Practitioner  # Pat Teacher, of pastoral care
    therapist: Practitioner  # Sam Therapist, of speech and language and sexual health
    pat: User  # the teacher's account (practitioner)
    sam: User  # the therapist's account (practitioner)
    cp: User  # "casey", a child-protection practitioner
    index_team: User  # "indra", the LA's index team
    other_la: LocalAuthority  # West Sussex, with nobody in it


def journey() -> Journey:
    la = journey_la()
    school = journey_organisation(la, "Hastings Primary School")
    trust = journey_organisation(
        la, "Sussex Community NHS Trust", type=OrganisationType.HEALTH_TRUST
    )
    pastoral = journey_service(school, "Pastoral care")
    speech = journey_service(
        trust,
        "Speech and language therapy",
        kind=ServiceKind.SPEECH_AND_LANGUAGE,
        category=ServiceCategory.SPECIALIST,
    )
    sexual_health = journey_service(
        trust,
        "Young people's sexual health clinic",
        kind=ServiceKind.SEXUAL_HEALTH,
        category=ServiceCategory.SPECIALIST,
        sensitive=True,
    )
    teacher = journey_practitioner(school, "Pat", "Teacher", pastoral)
    therapist = journey_practitioner(trust, "Sam", "Therapist", speech, sexual_health)
    return Journey(
        la=la,
        school=school,
        trust=trust,
        pastoral=pastoral,
        speech=speech,
        sexual_health=sexual_health,
        teacher=teacher,
        therapist=therapist,
        pat=journey_user("pat", la=la, practitioner=teacher),
        sam=journey_user("sam", la=la, practitioner=therapist),
        cp=journey_user("casey", la=la, role=Role.CHILD_PROTECTION),
        index_team=journey_user("indra", la=la, role=Role.INDEX_TEAM),
        other_la=journey_la("E10000032", "West Sussex"),
    )


@dataclass(frozen=True)
class JourneyChildren:
    """The journey's children, all in its LA. ``nhs`` holds the NHS numbers of Olivia, Ruby and
    Mohammed by their key here ("olivia", "ruby", "mo")."""

    olivia: Child  # Olivia Smith, 4 March 2015, NHS number, mother Dana Smith
    harry: Child  # Harry Patel, 9 July 2016: Henry's twin
    henry: Child  # Henry Patel, 9 July 2016
    william: Child  # William Jones, 30 November 2014, TN38 0AB
    chloe: Child  # Chloe Brown, 17 May 2013, formerly Chloe Green, earlier at BN1 1AA
    annemarie: Child  # Anne-Marie Smith-Jones, 20 January 2012
    mo: Child  # Mohammed Khan, 2 September 2017, NHS number
    ruby: Child  # Ruby Hidden, 12 June 2014, TN35 5AA: shielded; mother Rose Hidden
    nhs: dict[str, str]


def journey_children(journey: Journey) -> JourneyChildren:
    la = journey.la
    rng = random.Random(7)
    nhs = {name: synthetic_nhs_number(rng) for name in ("olivia", "ruby", "mo")}
    return JourneyChildren(
        olivia=journey_child(
            "Olivia",
            "Smith",
            dt.date(2015, 3, 4),
            la=la,
            identifiers={"nhs": nhs["olivia"]},
            carers=(("Dana", "Smith", Relationship.MOTHER),),
        ),
        harry=journey_child("Harry", "Patel", dt.date(2016, 7, 9), la=la, gender="male"),
        henry=journey_child("Henry", "Patel", dt.date(2016, 7, 9), la=la, gender="male"),
        william=journey_child(
            "William", "Jones", dt.date(2014, 11, 30), la=la, gender="male", postcode="TN38 0AB"
        ),
        chloe=journey_child(
            "Chloe",
            "Brown",
            dt.date(2013, 5, 17),
            la=la,
            other_names=((NameKind.FORMER, "Chloe", "Green"),),
            previous_postcodes=("BN1 1AA",),
        ),
        annemarie=journey_child("Anne-Marie", "Smith-Jones", dt.date(2012, 1, 20), la=la),
        mo=journey_child(
            "Mohammed",
            "Khan",
            dt.date(2017, 9, 2),
            la=la,
            gender="male",
            identifiers={"nhs": nhs["mo"]},
        ),
        ruby=journey_child(
            "Ruby",
            "Hidden",
            dt.date(2014, 6, 12),
            la=la,
            postcode="TN35 5AA",
            identifiers={"nhs": nhs["ruby"]},
            shielded=True,
            carers=(("Rose", "Hidden", Relationship.MOTHER),),
        ),
        nhs=nhs,
    )
