"""Small builders of synthetic data for the journey's tests (search, record, involvements).

Plain functions rather than factories so that they merge cleanly with the shared factories;
every name, number and place here is made up.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random

from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from childindex.access import agreement
from childindex.access.models import AgreementAcceptance, Role, User
from childindex.core.identifiers import new_index_number
from childindex.directory.models import (
    LocalAuthority,
    Organisation,
    OrganisationType,
    Practitioner,
    Service,
    ServiceCategory,
    ServiceKind,
)
from childindex.records.models import (
    AddressStatus,
    Carer,
    Child,
    ChildAddress,
    ChildCarer,
    ChildIdentifier,
    ChildName,
    NameKind,
    Relationship,
)
from childindex.records.search_index import search_keys_refresh

_rng = random.Random(20261121)
_counter = itertools.count(1)
TODAY = dt.date.today()


def local_authority(code: str = "E10000011", name: str = "East Sussex") -> LocalAuthority:
    la, _ = LocalAuthority.objects.get_or_create(
        code=code,
        defaults={
            "name": name,
            "nation": "england",
            "index_team_phone": "01632 960 100",
            "index_team_email": f"index-team@{code.lower()}.example.org",
        },
    )
    return la


def organisation(la: LocalAuthority, name: str = "Hastings Primary School", **kw) -> Organisation:
    n = next(_counter)
    return Organisation.objects.create(
        type=kw.pop("type", OrganisationType.SCHOOL),
        code=f"ORG{n:05d}",
        name=name,
        local_authority=la,
        phone="01632 960 200",
        **kw,
    )


def service(
    org: Organisation,
    name: str = "Pastoral care",
    *,
    kind: str = ServiceKind.SCHOOL,
    category: str = ServiceCategory.UNIVERSAL,
    sensitive: bool = False,
) -> Service:
    return Service.objects.create(
        organisation=org,
        name=name,
        kind=kind,
        category=category,
        sensitive=sensitive,
        phone="01632 960 300",
        email=f"service{next(_counter)}@example.org",
    )


def practitioner(org: Organisation, given: str, family: str, *services: Service) -> Practitioner:
    person = Practitioner.objects.create(
        given_name=given,
        family_name=family,
        job_title="Designated safeguarding lead",
        organisation=org,
        work_phone="01632 960 400",
        secure_email=f"{given}.{family}.{next(_counter)}@example.org".lower(),
    )
    person.services.set(services)
    return person


def user(
    username: str,
    *,
    la: LocalAuthority,
    role: str = Role.PRACTITIONER,
    practitioner: Practitioner | None = None,
    password: str = "correct-horse-battery",  # noqa: S107 - synthetic test account
    two_factor: bool = True,
    agreed: bool = True,
    **overrides,
) -> User:
    fields = {
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
    account = User.objects.create_user(username=username, password=password, **fields)
    if two_factor:
        TOTPDevice.objects.create(user=account, name="default", confirmed=True)
    if agreed:
        AgreementAcceptance.objects.create(
            user=account, version=agreement.VERSION, accepted_at=timezone.now()
        )
    return account


def child(
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
    """A child with a current name and address (and optionally former names, identifiers)."""
    record = Child.objects.create(
        index_number=new_index_number(_rng),
        date_of_birth=born,
        gender=gender,
        responsible_la=la,
        shielded=shielded,
        shield_review_on=TODAY + dt.timedelta(days=90) if shielded else None,
    )
    ChildName.objects.create(child=record, given_names=given, family_name=family)
    for kind, other_given, other_family in other_names:
        ChildName.objects.create(
            child=record, kind=kind, given_names=other_given, family_name=other_family
        )
    moved = born
    for old in previous_postcodes:
        ChildAddress.objects.create(
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
        ChildAddress.objects.create(
            child=record,
            status=AddressStatus.KNOWN,
            line_1="12 High Street",
            town=town,
            postcode=postcode,
            local_authority=la,
            lived_from=moved,
        )
    for kind, value in (identifiers or {}).items():
        ChildIdentifier.objects.create(child=record, type=kind, value=value)
    for carer_given, carer_family, relationship in carers:
        carer = Carer.objects.create(
            given_names=carer_given, family_name=carer_family, phone="07700 900 123"
        )
        ChildCarer.objects.create(
            child=record, carer=carer, relationship=relationship, parental_responsibility=True
        )
    search_keys_refresh(child_ids=[record.pk])
    return record


__all__ = [
    "NameKind",
    "Relationship",
    "TODAY",
    "child",
    "local_authority",
    "organisation",
    "practitioner",
    "service",
    "user",
]
