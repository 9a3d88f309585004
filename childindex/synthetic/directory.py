"""The synthetic directory: local authorities, organisations, services and practitioners.

Plain Python, no Django. Sizes scale with the number of children an authority holds: about
2,800 practitioners, 420 primary and 80 secondary schools, 150 GP practices for 250,000
children, at least one of everything however small the population.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass, field

from childindex.core.identifiers import UPN_LA_NUMBERS
from childindex.synthetic import names, places

# Plain copies of the closed lists in directory.models, access.models (tests hold them equal).
UNIVERSAL, ADDITIONAL, SPECIALIST, STATUTORY = "universal", "additional", "specialist", "statutory"
NEEDS_CONSENT = (ADDITIONAL, SPECIALIST)


@dataclass(frozen=True, slots=True)
class ServiceSpec:
    """One kind of service an authority's area has, and who provides it."""

    role: str
    provider: str  # la | trust | yjs | drugs_charity | family_charity | school | early_years | gp
    name: str
    kind: str
    category: str
    sensitive: bool
    source_feed: str  # "" when practitioners log their own involvements
    job_titles: tuple[str, ...]
    per_250k: float  # practitioners for 250,000 children (per organisation for schools, GPs)
    user_role: str = "practitioner"


SERVICE_SPECS: tuple[ServiceSpec, ...] = (
    ServiceSpec(
        "gp",
        "gp",
        "General practice",
        "gp",
        UNIVERSAL,
        False,
        "gp_registrations",
        ("GP", "GP partner", "Salaried GP"),
        3,
    ),
    ServiceSpec(
        "primary",
        "school",
        "School",
        "school",
        UNIVERSAL,
        False,
        "school_census",
        ("Designated safeguarding lead", "Special educational needs co-ordinator", "Headteacher"),
        2,
    ),
    ServiceSpec(
        "secondary",
        "school",
        "School",
        "school",
        UNIVERSAL,
        False,
        "school_census",
        (
            "Designated safeguarding lead",
            "Head of year",
            "Special educational needs co-ordinator",
            "Pastoral manager",
        ),
        3,
    ),
    ServiceSpec(
        "early_years",
        "early_years",
        "Early education",
        "early_years",
        UNIVERSAL,
        False,
        "school_census",
        ("Nursery manager", "Early years practitioner"),
        1,
    ),
    ServiceSpec(
        "health_visiting",
        "trust",
        "Health visiting",
        "health_visiting",
        UNIVERSAL,
        False,
        "health_visiting",
        ("Health visitor", "Community nursery nurse"),
        120,
    ),
    ServiceSpec(
        "school_nursing",
        "trust",
        "School nursing",
        "school_nursing",
        UNIVERSAL,
        False,
        "health_visiting",
        ("School nurse",),
        45,
    ),
    ServiceSpec(
        "speech_language",
        "trust",
        "Speech and language therapy",
        "speech_language",
        ADDITIONAL,
        False,
        "",
        ("Speech and language therapist",),
        40,
    ),
    ServiceSpec(
        "camhs_neuro",
        "trust",
        "CAMHS neurodevelopmental service",
        "camhs",
        SPECIALIST,
        False,
        "",
        ("CAMHS clinician", "Clinical psychologist"),
        30,
    ),
    ServiceSpec(
        "camhs_mental_health",
        "trust",
        "CAMHS emotional wellbeing and mental health",
        "camhs",
        SPECIALIST,
        True,
        "",
        ("CAMHS clinician", "Child and adolescent psychiatrist", "CAMHS nurse"),
        45,
    ),
    ServiceSpec(
        "paediatrics",
        "trust",
        "Community paediatrics",
        "paediatrics",
        SPECIALIST,
        False,
        "",
        ("Community paediatrician",),
        20,
    ),
    ServiceSpec(
        "sexual_health",
        "trust",
        "Young people's sexual health service",
        "sexual_health",
        ADDITIONAL,
        True,
        "",
        ("Sexual health nurse", "Sexual health adviser"),
        15,
    ),
    ServiceSpec(
        "early_help",
        "la",
        "Early help",
        "early_help",
        ADDITIONAL,
        False,
        "social_care",
        ("Family support worker", "Early help co-ordinator"),
        120,
    ),
    ServiceSpec(
        "child_in_need",
        "la",
        "Children in need",
        "social_care",
        STATUTORY,
        False,
        "social_care",
        ("Social worker", "Senior social worker"),
        170,
    ),
    ServiceSpec(
        "child_protection",
        "la",
        "Child protection",
        "social_care",
        STATUTORY,
        False,
        "social_care",
        ("Child protection social worker", "Team manager"),
        45,
        user_role="child_protection",
    ),
    ServiceSpec(
        "looked_after",
        "la",
        "Children in care",
        "social_care",
        STATUTORY,
        False,
        "social_care",
        ("Social worker",),
        60,
    ),
    ServiceSpec(
        "education_welfare",
        "la",
        "Education welfare service",
        "education_welfare",
        ADDITIONAL,
        False,
        "",
        ("Education welfare officer",),
        25,
    ),
    ServiceSpec(
        "connexions",
        "la",
        "Connexions",
        "connexions",
        ADDITIONAL,
        False,
        "youth_services",
        ("Connexions personal adviser",),
        30,
    ),
    ServiceSpec(
        "youth_service",
        "la",
        "Youth service",
        "youth_service",
        UNIVERSAL,
        False,
        "youth_services",
        ("Youth worker",),
        50,
    ),
    ServiceSpec(
        "youth_justice",
        "yjs",
        "Youth justice",
        "youth_justice",
        STATUTORY,
        False,
        "youth_services",
        ("Youth offending team worker", "Youth justice officer"),
        35,
    ),
    ServiceSpec(
        "substance_misuse",
        "drugs_charity",
        "Young people's drug and alcohol service",
        "substance_misuse",
        SPECIALIST,
        True,
        "",
        ("Substance misuse worker",),
        12,
    ),
    ServiceSpec(
        "family_support",
        "family_charity",
        "Family support",
        "voluntary",
        ADDITIONAL,
        False,
        "",
        ("Family support worker", "Volunteer co-ordinator"),
        25,
    ),
)
SPECS_BY_ROLE = {spec.role: spec for spec in SERVICE_SPECS}
SAINTS = ("Mary", "John", "Peter", "Anne", "Luke", "Michael", "Joseph", "Bede", "Teresa")


@dataclass(frozen=True, slots=True)
class District:
    outward: str
    number: int  # unique in the run: street names and postcodes derive from it
    town: str
    streets: int


@dataclass(frozen=True, slots=True)
class LocalAuthority:
    code: str
    name: str
    nation: str
    index_team_phone: str
    index_team_email: str
    safeguarding_email: str
    upn_la_number: int | None  # None outside England (stdnum knows English LA numbers only)
    districts: tuple[District, ...]

    @property
    def index_team_username(self) -> str:
        return f"{self.code}-index-team"

    @property
    def auditor_username(self) -> str:
        return f"{self.code}-auditor"


@dataclass(frozen=True, slots=True)
class Organisation:
    code: str  # URN, Ofsted URN, ODS code, ONS code: unique in the run whatever the type
    type: str
    name: str
    la_code: str
    address: str
    postcode: str
    phone: str
    email: str
    district: str  # outward code
    school_number: int | None = None  # a school's DfE establishment number


@dataclass(frozen=True, slots=True)
class Service:
    organisation: Organisation
    role: str
    name: str
    kind: str
    category: str
    sensitive: bool
    source_feed: str
    phone: str
    email: str

    @property
    def key(self) -> str:
        return f"{self.organisation.code}:{self.role}"

    @property
    def needs_consent(self) -> bool:
        return self.category in NEEDS_CONSENT


@dataclass(frozen=True, slots=True)
class Practitioner:
    given_name: str
    family_name: str
    job_title: str
    organisation: Organisation
    service: Service
    work_phone: str
    secure_email: str
    user_role: str
    approved_on: dt.date | None
    dbs_checked_on: dt.date | None
    training_completed_on: dt.date | None
    suspended_on: dt.date | None

    @property
    def username(self) -> str:
        return self.secure_email


@dataclass(slots=True)
class LaDirectory:
    """One authority and everything in its area."""

    la: LocalAuthority
    organisations: list[Organisation] = field(default_factory=list)
    services: list[Service] = field(default_factory=list)
    practitioners: list[Practitioner] = field(default_factory=list)
    by_role: dict[str, Service] = field(default_factory=dict)  # the area's one service per role
    local: dict[str, dict[str, list[Service]]] = field(default_factory=dict)  # role -> district
    staff: dict[str, tuple[Practitioner, ...]] = field(default_factory=dict)  # service key

    def nearby(self, role: str, outward: str, rng: random.Random) -> Service:
        """A school, setting or practice near ``outward`` (most children go to one nearby)."""
        by_district = self.local[role]
        if outward in by_district and rng.random() < 0.85:
            return rng.choice(by_district[outward])
        return rng.choice(by_district["*"])


@dataclass(slots=True)
class Directory:
    las: tuple[LaDirectory, ...]

    def la(self, code: str) -> LaDirectory:
        return next(d for d in self.las if d.la.code == code)

    @property
    def organisations(self) -> list[Organisation]:
        return [o for d in self.las for o in d.organisations]

    @property
    def services(self) -> list[Service]:
        return [s for d in self.las for s in d.services]

    @property
    def practitioners(self) -> list[Practitioner]:
        return [p for d in self.las for p in d.practitioners]


def build_directory(
    *,
    places_: Sequence[places.LaPlace],
    children_per_la: Sequence[int],
    as_of: dt.date,
    rng: random.Random,
) -> Directory:
    builder = _Builder(rng, as_of)
    return Directory(
        las=tuple(
            builder.la_directory(place, n, i)
            for i, (place, n) in enumerate(zip(places_, children_per_la, strict=True))
        )
    )


def _scaled(per_250k: float, children: int) -> int:
    return max(1, round(per_250k * children / 250_000))


class _Builder:
    def __init__(self, rng: random.Random, as_of: dt.date) -> None:
        self.rng = rng
        self.as_of = as_of
        self.emails: set[str] = set()
        self.town_names: set[str] = set()
        self.counters = {"urn": 900_000, "ey": 900_000, "gp": 10_000, "trust": 0, "charity": 0}
        self.district_number = 0

    # --- the authority and its districts ---------------------------------------------------

    def la_directory(self, place: places.LaPlace, children: int, index: int) -> LaDirectory:
        n_districts = min(99, max(2, round(children / 8000)))
        households = children / 1.8
        streets = min(
            places.MAX_STREETS_PER_DISTRICT, max(30, round(households / n_districts / 12))
        )
        districts = []
        for d in range(1, n_districts + 1):
            self.district_number += 1
            districts.append(
                District(f"{place.area}{d}", self.district_number, self._town(), streets)
            )
        upn_number = None
        if place.nation == "england":
            upn_number = UPN_LA_NUMBERS[(index * 37 + 11) % len(UPN_LA_NUMBERS)]
        la = LocalAuthority(
            code=place.code,
            name=place.name,
            nation=place.nation,
            index_team_phone=places.DRAMA_LANDLINE.format(100 + index % 900),
            index_team_email=f"childrens-index@{place.slug}.gov.example",
            safeguarding_email=f"safeguarding@{place.slug}.gov.example",
            upn_la_number=upn_number,
            districts=tuple(districts),
        )
        directory = LaDirectory(la=la)
        self._area_services(directory, place, children)
        self._local_services(directory, place, children)
        for service in directory.services:
            self._staff(directory, service, children)
        return directory

    def _town(self) -> str:
        first, second = places.TOWN_PARTS
        while True:
            town = self.rng.choice(first) + self.rng.choice(second)
            if town not in self.town_names or len(self.town_names) > 600:
                self.town_names.add(town)
                return town

    def _address(self, la: LocalAuthority) -> tuple[str, str, str]:
        district = self.rng.choice(la.districts)
        street = self.rng.randrange(district.streets)
        line = f"{self.rng.randint(1, 60)} {places.street_name(district.number, street)}"
        postcode = places.postcode(district.outward, street, 0)
        return f"{line}, {district.town}", postcode, district.outward

    def _phone(self) -> str:
        return places.DRAMA_LANDLINE.format(self.rng.randrange(1000))

    def _organisation(
        self,
        directory: LaDirectory,
        *,
        code: str,
        type_: str,
        name: str,
        domain: str,
        school_number: int | None = None,
    ) -> Organisation:
        address, postcode, outward = self._address(directory.la)
        org = Organisation(
            code=code,
            type=type_,
            name=name,
            la_code=directory.la.code,
            address=address,
            postcode=postcode,
            phone=self._phone(),
            email=f"office@{domain}",
            district=outward,
            school_number=school_number,
        )
        directory.organisations.append(org)
        return org

    def _service(
        self, directory: LaDirectory, org: Organisation, spec: ServiceSpec, name: str | None = None
    ) -> Service:
        service = Service(
            organisation=org,
            role=spec.role,
            name=name or spec.name,
            kind=spec.kind,
            category=spec.category,
            sensitive=spec.sensitive,
            source_feed=spec.source_feed,
            phone=self._phone(),
            email=f"{places.slug(spec.name, '-')}@{org.email.split('@')[1]}",
        )
        directory.services.append(service)
        return service

    # --- services --------------------------------------------------------------------------

    def _area_services(self, directory: LaDirectory, place: places.LaPlace, children: int) -> None:
        la, slug_ = directory.la, place.slug
        self.counters["trust"] += 1
        self.counters["charity"] += 2
        trust = self.counters["trust"] - 1
        trust_code = f"R{9 - trust // 26 % 9}{chr(65 + trust % 26)}"  # R9A, R9B, ... R8A
        county = la.nation == "england" and not la.code.startswith("E06")
        council = "County Council" if county else "Council"
        providers = {
            "la": (la.code, "local_authority", f"{la.name} {council}", f"{slug_}.gov.example"),
            "trust": (
                trust_code,
                "health_trust",
                f"{la.name} Community Health NHS Trust",
                f"{slug_}-community.nhs.example",
            ),
            "yjs": (
                f"{la.code}-YJS",
                "youth_justice",
                f"{la.name} Youth Justice Service",
                f"yjs.{slug_}.gov.example",
            ),
            "drugs_charity": (
                f"{1_190_000 + self.counters['charity']:07d}",
                "voluntary",
                f"{la.name} Young People's Drug and Alcohol Service",
                f"{slug_}-ypdas.org.example",
            ),
            "family_charity": (
                f"{1_190_001 + self.counters['charity']:07d}",
                "voluntary",
                f"{la.name} Family Support Trust",
                f"{slug_}-families.org.example",
            ),
        }
        orgs: dict[str, Organisation] = {}
        for spec in SERVICE_SPECS:
            if spec.provider not in providers:
                continue
            if spec.provider not in orgs:
                code, type_, org_name, domain = providers[spec.provider]
                orgs[spec.provider] = self._organisation(
                    directory, code=code, type_=type_, name=org_name, domain=domain
                )
            directory.by_role[spec.role] = self._service(directory, orgs[spec.provider], spec)

    def _local_services(self, directory: LaDirectory, place: places.LaPlace, children: int) -> None:
        la = directory.la
        districts = [d.outward for d in la.districts]
        towns = {d.outward: d.town for d in la.districts}
        sizes = {  # children per organisation
            "primary": children * 7 / 18 / 230,
            "secondary": children * 6 / 18 / 1000,
            "early_years": children * 4 / 18 * 0.6 / 75,
            "gp": children / 1700,
        }
        school_numbers = {"primary": 2000, "secondary": 4000}
        for role, count in sizes.items():
            spec = SPECS_BY_ROLE[role]
            local: dict[str, list[Service]] = {"*": []}
            for i in range(max(1, round(count))):
                outward = districts[i % len(districts)]
                feature = self.rng.choice(places.STREET_PREFIXES)
                if role == "gp":
                    self.counters["gp"] += 1
                    code = f"Z{self.counters['gp']:05d}"
                    name = self.rng.choice(
                        (
                            f"{towns[outward]} Medical Centre",
                            f"{feature} Surgery",
                            f"{feature} Health Centre",
                            f"The {feature} Practice",
                            f"{towns[outward]} Family Practice",
                        )
                    )
                    type_, number = "gp_practice", None
                elif role == "early_years":
                    self.counters["ey"] += 1
                    code = f"EY{self.counters['ey']:06d}"
                    name = self.rng.choice(
                        (
                            f"{feature} Day Nursery",
                            f"Little {feature}s Pre-school",
                            f"{towns[outward]} Children's Centre Nursery",
                            f"{feature} Tree Nursery",
                            f"{towns[outward]} Playgroup",
                        )
                    )
                    type_, number = "early_years", None
                else:
                    self.counters["urn"] += 1
                    code = f"{self.counters['urn']}"
                    school_numbers[role] += 1
                    number = school_numbers[role]
                    name = self.rng.choice(
                        (
                            f"{towns[outward]} {feature} Primary School",
                            f"{feature} Church of England Primary School",
                            f"St {self.rng.choice(SAINTS)}'s Catholic Primary School",
                            f"{feature} Community Primary School",
                            f"{towns[outward]} Infant and Junior School",
                        )
                        if role == "primary"
                        else (
                            f"{towns[outward]} Academy",
                            f"{towns[outward]} High School",
                            f"{feature} School",
                            f"{towns[outward]} {feature} College",
                        )
                    )
                    type_ = "school"
                domain = f"{places.slug(name, '-')}-{code.lower()}.{place.slug}.example"
                org = self._organisation(
                    directory,
                    code=code,
                    type_=type_,
                    name=name,
                    domain=domain,
                    school_number=number,
                )
                service = self._service(directory, org, spec, name=name)
                local.setdefault(outward, []).append(service)
                local["*"].append(service)
            directory.local[role] = local

    # --- practitioners ---------------------------------------------------------------------

    def _staff(self, directory: LaDirectory, service: Service, children: int) -> None:
        spec = SPECS_BY_ROLE[service.role]
        count = (
            round(spec.per_250k)
            if spec.provider in {"school", "early_years", "gp"}
            else (_scaled(spec.per_250k, children))
        )
        staff = [self._practitioner(service, spec, i) for i in range(max(1, count))]
        directory.practitioners.extend(staff)
        directory.staff[service.key] = tuple(staff)

    def _practitioner(self, service: Service, spec: ServiceSpec, i: int) -> Practitioner:
        rng = self.rng
        origin = rng.choices(names.ORIGINS, weights=[o.weight for o in names.ORIGINS])[0]
        female = rng.random() < 0.7
        if origin.key == "english":
            given = rng.choice(names.ADULT_WOMEN if female else names.ADULT_MEN)
        else:
            given = rng.choice(origin.girls if female else origin.boys)
        family = rng.choice(origin.surnames)
        domain = service.organisation.email.split("@")[1]
        if service.organisation.type in {"gp_practice", "health_trust"}:
            domain = "nhs.example"
        local = places.slug(f"{given} {family}") or "staff"
        email, n = f"{local}@{domain}", 1
        while email in self.emails:
            n += 1
            email = f"{local}{n}@{domain}"
        self.emails.add(email)
        as_of = self.as_of
        approved = rng.random() < 0.97
        return Practitioner(
            given_name=given,
            family_name=family,
            job_title=spec.job_titles[0] if i == 0 else rng.choice(spec.job_titles),
            organisation=service.organisation,
            service=service,
            work_phone=self._phone(),
            secure_email=email,
            user_role=spec.user_role,
            approved_on=as_of - dt.timedelta(days=rng.randint(20, 1500)) if approved else None,
            # an enhanced DBS check lasts three years: about one in twenty has lapsed
            dbs_checked_on=as_of
            - dt.timedelta(
                days=rng.randint(30, 1090) if rng.random() < 0.95 else rng.randint(1100, 1600)
            ),
            training_completed_on=(
                as_of - dt.timedelta(days=rng.randint(10, 900)) if rng.random() < 0.97 else None
            ),
            suspended_on=as_of - dt.timedelta(days=rng.randint(1, 200))
            if rng.random() < 0.005
            else None,
        )
