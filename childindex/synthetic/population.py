"""A deterministic synthetic population: families of children aged 0-17 and their carers.

Plain Python (no Django). ``Population(options).families()`` yields one family at a time, so
memory stays bounded whatever the number of children, and everything comes from
``random.Random`` seeded with the options (never the global generator, never the clock): the
same options give the same population, byte for byte.

Proportions are rough English ones: about 45% of families have one child, 3% of children
are twins, 1% are looked after, a few families move, a very few have only a last known
address, no known address or have left the country; about 0.3% of records are shielded.
"""

from __future__ import annotations

import datetime as dt
import functools
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import cast

from childindex.linkage.nicknames import name_variants, nicknames_of
from childindex.synthetic import names, places
from childindex.synthetic.directory import Directory, LaDirectory, build_directory
from childindex.synthetic.involvements import ChildContext, plan_involvements
from childindex.synthetic.people import (
    Address,
    AddressSpell,
    Carer,
    CarerLink,
    Child,
    Family,
    OtherName,
    age_on,
    school_year,
)
from childindex.synthetic.sequences import ChiNumbers, IndexNumbers, Upns, hc_numbers, nhs_numbers

MAX_CHILDREN = 12_000_000  # the national index

FAMILY_KINDS = (
    ("two_parents", 0.575),
    ("same_sex", 0.01),
    ("lone_mother", 0.22),
    ("lone_father", 0.03),
    ("step", 0.09),
    ("kinship", 0.035),
    ("foster", 0.015),
    ("adoptive", 0.01),
)
CHILDREN_IN_FAMILY = ((1, 0.44), (2, 0.37), (3, 0.135), (4, 0.04), (5, 0.015))
TWINS = 0.05  # of families with two children or more: about 3% of children are twins
SHIELDED_FAMILIES = 0.0025
ADOPTION_AT_RISK = 0.15
DECEASED = 0.0004


@dataclass(frozen=True, slots=True)
class PopulationOptions:
    children: int
    seed: int
    as_of: dt.date
    la_codes: tuple[str, ...] = (places.DEFAULT_LA_CODE,)

    def __post_init__(self) -> None:
        if not 1 <= self.children <= MAX_CHILDREN:
            raise ValueError(f"the number of children must be from 1 to {MAX_CHILDREN:,}")
        if self.seed < 0:
            raise ValueError("the seed must be a whole number, 0 or more")
        if not self.la_codes or len(set(self.la_codes)) != len(self.la_codes):
            raise ValueError("name each local authority once")
        bad = [c for c in self.la_codes if not places.ONS_CODE.match(c)]
        if bad:
            raise ValueError(
                f"{bad[0]!r} is not an ONS-style code (a letter E, W, S or N and "
                "eight digits, like E10000099)"
            )
        if self.children < len(self.la_codes):
            raise ValueError("there must be at least one child for each local authority")

    @property
    def key(self) -> str:
        return f"childindex-synthetic:{self.seed}:{','.join(self.la_codes)}"

    def children_per_la(self) -> tuple[int, ...]:
        share, extra = divmod(self.children, len(self.la_codes))
        return tuple(share + (1 if i < extra else 0) for i in range(len(self.la_codes)))


def earliest_date_of_birth(as_of: dt.date) -> dt.date:
    """The first birthday that is still under 18 on ``as_of``."""
    try:
        eighteen_years_ago = as_of.replace(year=as_of.year - 18)
    except ValueError:  # 29 February
        eighteen_years_ago = as_of.replace(year=as_of.year - 18, day=28)
    return eighteen_years_ago + dt.timedelta(days=1)


@functools.cache
def _variant_keys(given: str) -> frozenset[str]:
    return frozenset(v.casefold() for v in name_variants(given))


def _cumulative(weights: Sequence[float]) -> list[float]:
    total, out = 0.0, []
    for w in weights:
        total += w
        out.append(total)
    return out


def _zipf(n: int) -> list[float]:
    return _cumulative([1 / (rank + 8) for rank in range(n)])


class Population:
    """The families of one set of options. ``families()`` may be iterated once."""

    def __init__(self, options: PopulationOptions) -> None:
        self.options = options
        key = options.key
        self.places = places.la_places(options.la_codes)
        self.directory: Directory = build_directory(
            places_=self.places,
            children_per_la=options.children_per_la(),
            as_of=options.as_of,
            rng=random.Random(key + ":directory"),
        )
        self.rng = random.Random(key + ":population")
        self._index_number = IndexNumbers(key)
        self._nhs = nhs_numbers(key)
        self._hc = hc_numbers(key)
        self._chi = ChiNumbers()
        self._upn = Upns()
        self._families = 0
        self._neighbours: dict[str, LaDirectory] | None = None
        self._carers = 0
        self._earliest = earliest_date_of_birth(options.as_of)
        self._origin_weights = {
            nation: _cumulative(
                [
                    o.weight
                    * (
                        8
                        if (o.key, nation)
                        in {
                            ("welsh", "wales"),
                            ("scottish", "scotland"),
                            ("irish", "northern_ireland"),
                        }
                        else 1
                    )
                    for o in names.ORIGINS
                ]
            )
            for nation in places.NATIONS.values()
        }
        self._name_weights: dict[int, list[float]] = {}
        # The 999 range holds 909,091 NHS numbers: past that, leave some children without one,
        # spread evenly rather than all at the end.
        nhs_children = sum(
            n
            for place, n in zip(self.places, options.children_per_la(), strict=True)
            if place.nation in {"england", "wales"}
        )
        self._nhs_share = min(1.0, 900_000 / max(1, nhs_children))
        self._started = False

    # --- the stream ------------------------------------------------------------------------

    def families(self) -> Iterator[Family]:
        if self._started:
            raise RuntimeError("a Population yields its families once; make a new one")
        self._started = True
        for la_directory, quota in zip(
            self.directory.las, self.options.children_per_la(), strict=True
        ):
            made = 0
            while made < quota:
                family = self._family(la_directory, quota - made)
                made += len(family.children)
                yield family

    # --- small helpers ---------------------------------------------------------------------

    def _pick(self, table: Sequence[tuple[object, float]]) -> object:
        return self.rng.choices([v for v, _ in table], weights=[w for _, w in table])[0]

    def popular(self, pool: Sequence[str]) -> str:
        weights = self._name_weights.get(len(pool))
        if weights is None:
            weights = self._name_weights[len(pool)] = _zipf(len(pool))
        return self.rng.choices(pool, cum_weights=weights)[0]

    def origin_for(self, nation: str) -> names.Origin:
        return self.rng.choices(names.ORIGINS, cum_weights=self._origin_weights[nation])[0]

    def _days_ago(self, low: int, high: int) -> dt.date:
        return self.options.as_of - dt.timedelta(days=self.rng.randint(low, high))

    def between(self, start: dt.date, end: dt.date) -> dt.date:
        return start + dt.timedelta(days=self.rng.randint(0, max(0, (end - start).days)))

    # --- a family --------------------------------------------------------------------------

    def _family(self, la_directory: LaDirectory, quota_left: int) -> Family:
        rng, la = self.rng, la_directory.la
        self._families += 1
        family_id = f"F{self._families:07d}"
        origin = self.origin_for(la.nation)
        kind = str(self._pick(FAMILY_KINDS))
        wanted = (
            rng.choice((1, 1, 2)) if kind == "foster" else cast(int, self._pick(CHILDREN_IN_FAMILY))
        )
        births = self._dates_of_birth(min(wanted, quota_left))
        history = self._address_history(la_directory, origin, [dob for dob, _ in births])
        household = _Household(self, origin, kind, la.nation, [dob for dob, _ in births])
        shielded = rng.random() < SHIELDED_FAMILIES or (
            kind == "adoptive" and rng.random() < ADOPTION_AT_RISK
        )
        family = Family(
            family_id=family_id,
            la_code=la.code,
            origin=origin.key,
            kind=kind,
            carers=household.carers,
            children=[],
        )
        taken: set[str] = set()
        twin_index = ""
        for position, (dob, twin) in enumerate(births):
            child = self._child(family, la_directory, household, history, position, dob, taken)
            if shielded:
                child.shielded = True
                child.shield_review_on = self.options.as_of + dt.timedelta(
                    days=rng.randint(30, 365)
                )
            if twin:
                if twin_index:
                    child.twin_of = twin_index
                    family.children[-1].twin_of = child.index_number
                twin_index = child.index_number
            family.children.append(child)
        return family

    def _dates_of_birth(self, wanted: int) -> list[tuple[dt.date, bool]]:
        """Dates of birth oldest first, (True) for a twin; siblings at least ten months apart."""
        rng, span = self.rng, (self.options.as_of - self._earliest).days
        twins = wanted >= 2 and rng.random() < TWINS
        dates: list[dt.date] = []
        for _ in range(wanted - 1 if twins else wanted):
            for _attempt in range(20):
                dob = self._earliest + dt.timedelta(days=rng.randint(0, span))
                if all(abs((dob - other).days) >= 300 for other in dates):
                    dates.append(dob)
                    break
        dates.sort()
        births = [(dob, False) for dob in dates]
        if twins:
            at = rng.randrange(len(dates))
            births[at] = (dates[at], True)
            births.insert(at + 1, (dates[at], True))
        return births

    # --- where the family lives, and has lived ---------------------------------------------

    def _address(self, la_directory: LaDirectory) -> Address:
        rng, la = self.rng, la_directory.la
        district = rng.choice(la.districts)
        street = rng.randrange(district.streets)
        house = rng.randint(1, 149)
        road = places.street_name(district.number, street)
        if rng.random() < 0.12:
            building = f"{rng.choice(places.STREET_PREFIXES)} {rng.choice(places.BUILDING_NAMES)}"
            line_1, line_2 = f"Flat {rng.randint(1, 40)}, {building}", f"{house} {road}"
        else:
            line_1, line_2 = f"{house} {road}", ""
        return Address(
            line_1=line_1,
            line_2=line_2,
            town=district.town,
            postcode=places.postcode(district.outward, street, house // 50),
            la_code=la.code,
            outward=district.outward,
        )

    def _address_history(
        self, la_directory: LaDirectory, origin: names.Origin, births: list[dt.date]
    ) -> _History:
        rng, as_of = self.rng, self.options.as_of
        history = _History(current=self._address(la_directory))
        roll = rng.random()
        others = [d for d in self.directory.las if d is not la_directory]
        if roll < 0.012:
            history.arrived_from, history.settled_on = "abroad", self._days_ago(14, 3 * 365)
        elif roll < 0.016:
            history.arrived_from, history.settled_on = "scotland", self._days_ago(30, 5 * 365)
        elif roll < 0.018:
            history.arrived_from = "northern_ireland"
            history.settled_on = self._days_ago(30, 5 * 365)
        elif others and roll < 0.038:
            history.arrived_from, history.settled_on = "other_la", self._days_ago(14, 3 * 365)
            history.previous = self._address(rng.choice(others))
        elif roll < 0.118:
            history.arrived_from, history.settled_on = "moved", self._days_ago(14, 3 * 365)
            history.previous = self._address(la_directory)
        else:  # most families were there before their eldest was born
            history.settled_on = self._days_ago(200, 20 * 365)
            if rng.random() < 0.7:
                history.settled_on = min(history.settled_on, births[0])
        roll = rng.random()
        youngest = max(births)
        if roll < 0.0045:
            history.ending = "last_known"
        elif roll < 0.0070 and youngest < as_of:
            history.ending = "left_country" if roll < 0.0060 else "none"
            history.ended_on = self.between(
                max(history.settled_on, youngest) + dt.timedelta(days=1), as_of
            )
            history.country = rng.choice(origin.countries)
            history.intends_to_return = rng.random() < 0.5
        return history

    # --- a child ---------------------------------------------------------------------------

    def _child(
        self,
        family: Family,
        la_directory: LaDirectory,
        household: _Household,
        history: _History,
        position: int,
        dob: dt.date,
        taken: set[str],
    ) -> Child:
        rng, as_of, la = self.rng, self.options.as_of, la_directory.la
        roll = rng.random()
        gender = "female" if roll < 0.488 else "male" if roll < 0.998 else "not_specified"
        female = gender == "female" or (gender == "not_specified" and rng.random() < 0.5)
        given = self._given_names(household.name_origin(), female, taken)
        child = Child(
            index_number=self._index_number(),
            family_id=family.family_id,
            given_names=given,
            family_name=household.surnames[position],
            date_of_birth=dob,
            gender=gender,
            la_code=la.code,
            carers=household.links[position],
        )
        child.other_names = household.other_names(position, child)
        if rng.random() < DECEASED:
            child.status = "deceased"
            child.date_of_death = self.between(dob, as_of)
        child.addresses = history.spells_for(dob)
        born_before_arrival = dob < history.settled_on and history.arrived_from in {
            "abroad",
            "scotland",
            "northern_ireland",
        }
        registered = rng.random() < (
            0.7 if born_before_arrival and history.arrived_from == "abroad" else 0.975
        )
        if la.nation == "scotland" or (history.arrived_from == "scotland" and born_before_arrival):
            child.chi_number = self._chi(dob, female) or ""
        if la.nation == "northern_ireland" or (
            history.arrived_from == "northern_ireland" and born_before_arrival
        ):
            child.hc_number = self._hc() or ""
        if (
            la.nation in {"england", "wales"}
            and (registered or not (born_before_arrival and history.arrived_from == "abroad"))
            and (self._nhs_share >= 1 or rng.random() < self._nhs_share)
        ):
            child.nhs_number = self._nhs() or ""
        context = ChildContext(
            as_of=as_of,
            horizon=child.date_of_death
            or (history.ended_on if history.ending == "left_country" else None)
            or as_of,
            school_year=school_year(dob, as_of),
            age=age_on(dob, as_of),
            la_directory=la_directory,
            previous_la_directory=(
                self.directory.la(history.previous.la_code) if history.previous else None
            ),
            home=history.current,
            previous_home=history.previous,
            moved_on=history.settled_on if history.previous else None,
            arrived_on=history.settled_on if born_before_arrival else None,
            gp_registered=registered,
            looked_after=family.kind == "foster",
            carers_with_pr=[link.carer for link in child.carers if link.parental_responsibility]
            or [link.carer for link in child.carers],
            neighbour_la_directory=self._neighbour(la_directory),
        )
        plan_involvements(child, context, rng)
        if la.upn_la_number is not None and context.school_year >= 0:
            child.upn = self._issue_upn(child, context)
        return child

    def _neighbour(self, la_directory: LaDirectory) -> LaDirectory | None:
        """The next authority in the same nation (children cross a boundary within a nation)."""
        if self._neighbours is None:
            self._neighbours = {}
            for d in self.directory.las:
                same = [o for o in self.directory.las if o.la.nation == d.la.nation]
                if len(same) > 1:
                    self._neighbours[d.la.code] = same[(same.index(d) + 1) % len(same)]
        return self._neighbours.get(la_directory.la.code)

    def _given_names(self, origin: names.Origin, female: bool, taken: set[str]) -> str:
        rng = self.rng
        pool = origin.girls if female else origin.boys
        for _ in range(30):
            if rng.random() < origin.british_given_share:
                first = self.popular(names.BRITISH_GIRLS if female else names.BRITISH_BOYS)
            else:
                first = self.popular(pool)
            variants = _variant_keys(first)
            if not variants & taken:
                taken.update(variants)
                break
        middle: list[str] = []
        roll = rng.random()
        for _ in range(2 if roll < 0.08 else 1 if roll < 0.6 else 0):
            source = (
                pool
                if rng.random() < 0.5
                else (names.BRITISH_GIRLS if female else names.BRITISH_BOYS)
            )
            candidate = self.popular(source)
            if candidate != first and candidate not in middle:
                middle.append(candidate)
        return " ".join([first, *middle])

    def _issue_upn(self, child: Child, context: ChildContext) -> str:
        """Issued by the first school in England: at reception, or on arrival from abroad."""
        la = context.la_directory.la
        schools = [i.service for i in child.involvements if i.service.role == "primary"]
        first_school = (
            schools[0]
            if schools
            else context.la_directory.nearby("primary", context.home.outward, self.rng)
        )
        cohort = (
            child.date_of_birth.year
            if child.date_of_birth.month >= 9
            else (child.date_of_birth.year - 1)
        )
        year = cohort + 5
        if context.arrived_on and context.arrived_on.year > year:
            year = context.arrived_on.year
        number = first_school.organisation.school_number or 2001
        return self._upn(la.upn_la_number or 0, number, year) or ""

    # --- carers ----------------------------------------------------------------------------

    def carer(
        self,
        origin: names.Origin,
        female: bool,
        family_name: str | None = None,
        older: bool = False,
    ) -> Carer:
        rng = self.rng
        self._carers += 1
        pool: tuple[str, ...]
        if origin.key == "english" or rng.random() < 0.3 * origin.british_given_share:
            pool = (
                (names.OLDER_WOMEN if female else names.OLDER_MEN)
                if older
                else (names.ADULT_WOMEN if female else names.ADULT_MEN)
            )
        else:
            pool = origin.girls if female else origin.boys
        given = self.popular(pool)
        surname = family_name or self.popular(origin.surnames)
        if female:
            surname = names.feminine_surname(surname)
        roll = rng.random()
        phone = (
            places.DRAMA_MOBILE.format(rng.randrange(1000))
            if roll < 0.85
            else rng.choice(places.DRAMA_OTHER_LANDLINES).format(rng.randrange(1000))
            if roll < 0.96
            else ""
        )
        email = ""
        if rng.random() < 0.6:
            local = places.slug(f"{given} {surname}") or "family"
            email = f"{local}{rng.randint(1, 99)}@{rng.choice(places.PERSONAL_EMAIL_DOMAINS)}"
        return Carer(
            carer_id=f"C{self._carers:07d}",
            given_names=given,
            family_name=surname,
            phone=phone,
            email=email,
        )


@dataclass(slots=True)
class _History:
    """A family's addresses: where it lives now, where it lived before, and how it ended."""

    current: Address
    previous: Address | None = None
    arrived_from: str = ""  # abroad | scotland | northern_ireland | other_la | moved | ""
    settled_on: dt.date = dt.date.min
    ending: str = ""  # left_country | last_known | none | ""
    ended_on: dt.date | None = None
    country: str = ""
    intends_to_return: bool | None = None

    def spells_for(self, dob: dt.date) -> list[AddressSpell]:
        spells: list[AddressSpell] = []
        if self.previous is not None and self.settled_on > dob:
            spells.append(AddressSpell("known", self.previous, dob, self.settled_on))
        start = max(dob, self.settled_on)
        if self.ending == "last_known":
            spells.append(AddressSpell("last_known", self.current, start, None))
        elif self.ending in {"left_country", "none"} and self.ended_on and self.ended_on > start:
            spells.append(AddressSpell("known", self.current, start, self.ended_on))
            if self.ending == "none":
                spells.append(AddressSpell("none", None, self.ended_on, None))
            else:
                spells.append(
                    AddressSpell(
                        "left_country",
                        None,
                        self.ended_on,
                        None,
                        self.country,
                        self.intends_to_return,
                    )
                )
        else:
            spells.append(AddressSpell("known", self.current, start, None))
        return spells


class _Household:
    """Who cares for the children of one family, and the children's surnames."""

    def __init__(
        self,
        population: Population,
        origin: names.Origin,
        kind: str,
        nation: str,
        births: list[dt.date],
    ) -> None:
        self.p, self.origin, self.kind = population, origin, kind
        rng = population.rng
        n = len(births)
        self.carers: list[Carer] = []
        self.links: list[list[CarerLink]] = [[] for _ in range(n)]
        self.origins = [origin]
        self.former: list[OtherName | None] = [None] * n
        self.alias_surname: list[str] = [""] * n
        birth_surname = population.popular(origin.surnames)
        self.surnames = [birth_surname] * n

        def link(carer: Carer, relationship: str, pr: bool, who: range = range(n)) -> None:
            if carer not in self.carers:
                self.carers.append(carer)
            for i in who:
                self.links[i].append(CarerLink(carer, relationship, pr))

        if kind in {"two_parents", "same_sex"}:
            partner_origin = origin if rng.random() > 0.1 else population.origin_for(nation)
            self.origins.append(partner_origin)
            if kind == "same_sex":
                female = rng.random() < 0.6
                first = population.carer(origin, female, birth_surname)
                second = population.carer(partner_origin, female)
                relationship = "mother" if female else "father"
                link(first, relationship, True)
                link(second, relationship, True)
                surname = birth_surname
                if rng.random() < 0.3:
                    surname = f"{birth_surname}-{second.family_name}"
            else:
                father = population.carer(partner_origin, False)
                maiden = population.popular(origin.surnames)
                mother = population.carer(
                    origin, True, father.family_name if rng.random() < 0.65 else maiden
                )
                link(mother, "mother", True)
                link(father, "father", True)
                roll = rng.random()
                surname = father.family_name
                if origin.spanish_surnames and roll < 0.7:
                    surname = f"{father.family_name} {maiden}"
                elif roll < 0.08 and maiden != father.family_name:
                    surname = f"{father.family_name}-{maiden}"
                elif roll < 0.13:
                    surname = maiden
            self.surnames = [surname] * n
        elif kind in {"lone_mother", "lone_father"}:
            female = kind == "lone_mother"
            parent = population.carer(origin, female, birth_surname)
            link(parent, "mother" if female else "father", True)
            if rng.random() < (0.4 if female else 0.5):
                other = population.carer(origin, not female)
                link(other, "father" if female else "mother", rng.random() < 0.85)
                if female and rng.random() < 0.45:
                    self.surnames = [other.family_name] * n
        elif kind == "step":
            # the older children (never splitting twins) came before the step-parent
            splits = [i for i in range(1, n) if births[i] != births[i - 1]]
            older = rng.choice(splits) if splits and rng.random() < 0.6 else n
            stepdad_origin = origin if rng.random() < 0.85 else population.origin_for(nation)
            stepdad = population.carer(stepdad_origin, False)
            mother = population.carer(origin, True, stepdad.family_name)
            link(mother, "mother", True)
            link(stepdad, "step_parent", rng.random() < 0.15, range(older))
            link(stepdad, "father", True, range(older, n))
            if rng.random() < 0.4:
                link(population.carer(origin, False, birth_surname), "father", True, range(older))
            self.surnames = [birth_surname] * older + [stepdad.family_name] * (n - older)
            for i in range(older):
                if rng.random() < 0.1:
                    self.alias_surname[i] = stepdad.family_name
        elif kind == "kinship":
            guardian = rng.random() < 0.45
            if rng.random() < 0.2:
                aunt = population.carer(origin, True)
                link(aunt, "special_guardian" if guardian else "other_relative", guardian)
            else:
                grandmother = population.carer(origin, True, birth_surname, older=True)
                link(grandmother, "special_guardian" if guardian else "grandparent", guardian)
                if rng.random() < 0.5:
                    link(
                        population.carer(origin, False, birth_surname, older=True),
                        "grandparent",
                        False,
                    )
            if rng.random() < 0.6:
                link(population.carer(origin, True, birth_surname), "mother", True)
        elif kind == "foster":
            carer_origin = population.origin_for(nation)
            surname = population.popular(carer_origin.surnames)
            link(population.carer(carer_origin, True, surname), "foster_carer", False)
            if rng.random() < 0.6:
                link(population.carer(carer_origin, False, surname), "foster_carer", False)
            if rng.random() < 0.7:
                link(population.carer(origin, True, birth_surname), "mother", True)
        elif kind == "adoptive":
            adopter_origin = population.origin_for(nation)
            surname = population.popular(adopter_origin.surnames)
            link(population.carer(adopter_origin, True, surname), "adoptive_parent", True)
            if rng.random() < 0.7:
                link(population.carer(adopter_origin, False, surname), "adoptive_parent", True)
            self.origins = [adopter_origin, origin]
            for i, dob in enumerate(births):
                adopted_on = population.between(
                    min(dob + dt.timedelta(days=180), population.options.as_of),
                    population.options.as_of,
                )
                self.former[i] = OtherName("former", "", birth_surname, dob, adopted_on)
            self.surnames = [surname] * n

    def name_origin(self) -> names.Origin:
        return self.p.rng.choice(self.origins)

    def other_names(self, position: int, child: Child) -> list[OtherName]:
        out = []
        former = self.former[position]
        if former is not None:
            out.append(
                OtherName(
                    "former",
                    child.given_names,
                    former.family_name,
                    former.used_from,
                    former.used_until,
                )
            )
        if self.alias_surname[position]:
            out.append(
                OtherName("alias", child.given_names, self.alias_surname[position], None, None)
            )
        elif self.p.rng.random() < 0.01:
            nicknames = nicknames_of(child.first_given_name)
            if nicknames:
                out.append(
                    OtherName("alias", self.p.rng.choice(nicknames), child.family_name, None, None)
                )
        return out
