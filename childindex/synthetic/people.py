"""The synthetic population's people as plain dataclasses (no Django).

A ``Family`` holds its carers and children; a ``Child`` holds what the index holds about it:
names, addresses with dates, national identifiers, carers, involvements and consents. Values
use the same words as the models (``"female"``, ``"last_known"``, ``"foster_carer"``...), so
the loader copies them across unchanged.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from childindex.synthetic.directory import Practitioner, Service

FEEDS = ("gp_registrations", "school_census", "health_visiting", "social_care", "youth_services")


def age_on(date_of_birth: dt.date, day: dt.date) -> int:
    before_birthday = (day.month, day.day) < (date_of_birth.month, date_of_birth.day)
    return day.year - date_of_birth.year - before_birthday


def academic_year(day: dt.date) -> int:
    """The calendar year in which the English school year containing ``day`` began."""
    return day.year if day.month >= 9 else day.year - 1


def school_year(date_of_birth: dt.date, day: dt.date) -> int:
    """The English year group on ``day``: 0 is reception, -1 the year before, 11 is Year 11."""
    return academic_year(day) - academic_year(date_of_birth) - 5


@dataclass(frozen=True, slots=True)
class Address:
    line_1: str
    line_2: str
    town: str
    postcode: str
    la_code: str
    outward: str


@dataclass(frozen=True, slots=True)
class AddressSpell:
    """A stretch of a child's address history. ``address`` is None for "no known address"
    and "left the country" (which names the country and whether the family means to return)."""

    status: str  # known | last_known | none | left_country
    address: Address | None
    lived_from: dt.date | None
    lived_until: dt.date | None
    country: str = ""
    intends_to_return: bool | None = None


@dataclass(frozen=True, slots=True)
class Carer:
    carer_id: str
    given_names: str
    family_name: str
    phone: str
    email: str


@dataclass(frozen=True, slots=True)
class CarerLink:
    carer: Carer
    relationship: str
    parental_responsibility: bool


@dataclass(frozen=True, slots=True)
class OtherName:
    kind: str  # former | alias
    given_names: str
    family_name: str
    used_from: dt.date | None
    used_until: dt.date | None


@dataclass(slots=True)
class Involvement:
    """A service working with the child. It came from the service's feed, or (for services
    without one, and for every hidden concern) was logged by its practitioner."""

    service: Service
    practitioner: Practitioner
    started_on: dt.date
    ended_on: dt.date | None = None
    hidden_concern: bool = False
    lead: bool = False
    assessment_type: str = ""
    assessment_on: dt.date | None = None
    has_information_to_share: bool = False
    taking_action: bool = False

    @property
    def source_feed(self) -> str:
        return "" if self.hidden_concern else self.service.source_feed

    @property
    def logged_by(self) -> Practitioner | None:
        return None if self.source_feed else self.practitioner

    @property
    def is_current(self) -> bool:
        return self.ended_on is None


@dataclass(frozen=True, slots=True)
class Consent:
    given_by: str  # young_person | parent_carer
    carer: Carer | None
    scope: str  # additional_services | named_service
    service: Service | None
    given_on: dt.date
    withdrawn_on: dt.date | None = None


@dataclass(slots=True)
class Child:
    index_number: str
    family_id: str
    given_names: str
    family_name: str
    date_of_birth: dt.date
    gender: str
    la_code: str
    status: str = "active"
    date_of_death: dt.date | None = None
    shielded: bool = False
    shield_review_on: dt.date | None = None
    nhs_number: str = ""
    chi_number: str = ""
    hc_number: str = ""
    upn: str = ""
    twin_of: str = ""
    addresses: list[AddressSpell] = field(default_factory=list)
    other_names: list[OtherName] = field(default_factory=list)
    carers: list[CarerLink] = field(default_factory=list)
    involvements: list[Involvement] = field(default_factory=list)
    consents: list[Consent] = field(default_factory=list)

    @property
    def current_address(self) -> AddressSpell:
        return self.addresses[-1]

    @property
    def previous_address(self) -> Address | None:
        """The most recent earlier known address (what a stale record still holds)."""
        for spell in reversed(self.addresses[:-1]):
            if spell.address is not None:
                return spell.address
        return None

    @property
    def first_given_name(self) -> str:
        return self.given_names.split(" ", 1)[0]


@dataclass(slots=True)
class Family:
    family_id: str
    la_code: str
    origin: str
    kind: str  # two_parents | lone_mother | step | kinship | foster | adoptive ...
    carers: list[Carer]
    children: list[Child]
