"""The synthetic population, without a database: plain dataclasses from a seeded generator."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter

import pytest

from childindex.core.identifiers import (
    validate_chi_number,
    validate_hc_number,
    validate_index_number,
    validate_nhs_number,
    validate_upn,
)
from childindex.core.postcodes import normalise_postcode
from childindex.linkage.nicknames import name_variants
from childindex.synthetic.involvements import EPISODES
from childindex.synthetic.people import age_on, school_year
from childindex.synthetic.population import (
    Population,
    PopulationOptions,
    earliest_date_of_birth,
)
from childindex.synthetic.sequences import KeyedPermutation, Mod11Numbers

AS_OF = dt.date(2026, 11, 21)


def _children(n: int = 3000, seed: int = 7, las: tuple[str, ...] = ("E10000099",)):
    population = Population(PopulationOptions(children=n, seed=seed, as_of=AS_OF, la_codes=las))
    families = list(population.families())
    return population, families, [c for f in families for c in f.children]


@pytest.fixture(scope="module")
def large():
    return _children(20000, seed=3)


@pytest.fixture(scope="module")
def population():
    return _children(4000, las=("E10000099", "E06000099", "S12000099", "N09000099", "W06000099"))


def test_the_same_options_give_the_same_population():
    _, first, _ = _children(300)
    _, second, _ = _children(300)
    assert first == second


def test_a_different_seed_gives_a_different_population():
    _, first, _ = _children(300, seed=1)
    _, second, _ = _children(300, seed=2)
    assert [c.index_number for f in first for c in f.children] != [
        c.index_number for f in second for c in f.children
    ]


def test_the_population_has_exactly_the_children_asked_for_split_between_las(population):
    _, _, children = population
    assert len(children) == 4000
    assert Counter(c.la_code for c in children) == {
        "E10000099": 800,
        "E06000099": 800,
        "S12000099": 800,
        "N09000099": 800,
        "W06000099": 800,
    }


def test_children_are_aged_0_to_17():
    assert earliest_date_of_birth(dt.date(2028, 2, 29)) == dt.date(2010, 3, 1)
    _, _, children = _children()
    assert {age_on(c.date_of_birth, AS_OF) for c in children} == set(range(18))


def test_twins_share_date_of_birth_surname_and_address_but_never_a_given_name():
    _, _, children = _children(6000)
    by_index = {c.index_number: c for c in children}
    twins = [c for c in children if c.twin_of]
    assert len(twins) > 60  # about 3% of children
    for child in twins:
        twin = by_index[child.twin_of]
        assert twin.twin_of == child.index_number
        assert twin.date_of_birth == child.date_of_birth
        assert twin.family_name == child.family_name
        assert twin.current_address == child.current_address
        assert twin.given_names != child.given_names
        assert not name_variants(twin.first_given_name) & name_variants(child.first_given_name)


def test_siblings_in_a_family_share_no_first_given_name():
    _, families, _ = _children()
    for family in families:
        firsts = [c.first_given_name.casefold() for c in family.children]
        assert len(firsts) == len(set(firsts))


def test_every_identifier_passes_its_check_rule_and_belongs_to_one_child(population):
    _, _, children = population
    checks = {
        "index_number": validate_index_number,
        "nhs_number": validate_nhs_number,
        "chi_number": validate_chi_number,
        "hc_number": validate_hc_number,
        "upn": validate_upn,
    }
    for field, validate in checks.items():
        values = [getattr(c, field) for c in children if getattr(c, field)]
        assert values, field
        for value in values:
            assert validate(value) == value
        assert len(values) == len(set(values)), f"a {field} is shared"


def test_national_identifiers_follow_the_nation(population):
    _, _, children = population
    by_la = {
        code: [c for c in children if c.la_code == code]
        for code in ("E10000099", "S12000099", "N09000099", "W06000099")
    }
    assert sum(bool(c.nhs_number) for c in by_la["E10000099"]) > 0.95 * 800
    assert all(c.chi_number and not c.nhs_number for c in by_la["S12000099"])
    assert all(c.hc_number and not c.nhs_number for c in by_la["N09000099"])
    assert not any(c.upn for c in by_la["W06000099"] + by_la["S12000099"])
    school_age = [c for c in by_la["E10000099"] if school_year(c.date_of_birth, AS_OF) >= 0]
    assert all(c.upn for c in school_age)


def test_nhs_numbers_come_from_the_999_range_and_run_out_rather_than_repeat():
    numbers = Mod11Numbers(999_000_000, 999_000_099, "test")
    issued = list(iter(numbers, None))
    assert len(issued) == len(set(issued)) > 80
    assert all(n.startswith("999") for n in issued)


def test_keyed_permutation_is_a_bijection():
    permutation = KeyedPermutation(1000, "key")
    assert sorted(permutation(i) for i in range(1000)) == list(range(1000))


def test_addresses_fit_the_records_constraints(population):
    _, _, children = population
    statuses = Counter()
    for child in children:
        assert [s.lived_until for s in child.addresses].count(None) == 1
        assert child.addresses[-1].lived_until is None
        for spell in child.addresses:
            statuses[spell.status] += 1
            if spell.lived_from and spell.lived_until:
                assert spell.lived_until >= spell.lived_from
            if spell.status in {"known", "last_known"}:
                assert spell.address.line_1 and spell.address.la_code
                assert normalise_postcode(spell.address.postcode) == spell.address.postcode
            else:
                assert spell.address is None
            assert (spell.status == "left_country") == bool(spell.country)
    assert statuses["known"] > len(children)  # some moved: a previous address as well


def test_special_address_cases_and_shielding_occur_at_realistic_rates(large):
    _, _, children = large
    statuses = Counter(c.current_address.status for c in children)
    assert 0 < statuses["last_known"] < 200
    assert 0 < statuses["none"] < 80
    assert 0 < statuses["left_country"] < 130
    shielded = [c for c in children if c.shielded]
    assert 0.001 < len(shielded) / len(children) < 0.008
    assert all(c.shield_review_on and c.shield_review_on > AS_OF for c in shielded)
    deceased = [c for c in children if c.status == "deceased"]
    assert deceased and all(c.date_of_birth <= c.date_of_death <= AS_OF for c in deceased)


def test_every_child_has_a_carer_and_most_a_parent_with_parental_responsibility(population):
    _, families, children = population
    assert all(c.carers for c in children)
    assert sum(any(link.parental_responsibility for link in c.carers) for c in children) > (
        0.95 * len(children)
    )
    relationships = {link.relationship for c in children for link in c.carers}
    assert {
        "mother",
        "father",
        "step_parent",
        "grandparent",
        "foster_carer",
        "adoptive_parent",
    } <= relationships
    for family in families:
        for child in family.children:
            assert {link.carer for link in child.carers} <= set(family.carers)


def test_involvements_cover_every_basis_and_keep_the_records_rules(population, large):
    _, _, children = population
    categories, hidden, sensitive = Counter(), 0, 0
    for child in children:
        keys = [(i.service.key, i.started_on) for i in child.involvements]
        assert len(keys) == len(set(keys)), "an involvement is doubled"
        assert sum(i.lead and i.is_current for i in child.involvements) <= 1
        for i in child.involvements:
            categories[i.service.category] += 1
            hidden += i.hidden_concern
            sensitive += i.service.sensitive
            assert child.date_of_birth <= i.started_on <= AS_OF
            assert i.ended_on is None or i.started_on <= i.ended_on <= AS_OF
            assert bool(i.source_feed) != bool(i.logged_by)
            assert not i.lead or i.practitioner
            assert bool(i.assessment_type) == bool(i.assessment_on)
        if child.status == "deceased":
            assert all(i.ended_on for i in child.involvements)
    assert set(categories) == {"universal", "additional", "specialist", "statutory"}
    assert sensitive
    _, _, more = large
    assert sum(i.hidden_concern for c in more for i in c.involvements) > 5


def test_consent_based_involvements_have_the_consent_they_need(population):
    _, _, children = population
    for child in children:
        needing = [
            i for i in child.involvements if i.service.needs_consent and not i.hidden_concern
        ]
        general = [k for k in child.consents if k.scope == "additional_services"]
        named = {k.service.key for k in child.consents if k.scope == "named_service"}
        if any(not i.service.sensitive for i in needing):
            assert len(general) == 1
        for i in needing:
            if i.service.sensitive:
                assert i.service.key in named
        for consent in child.consents:
            assert (consent.given_by == "parent_carer") == (consent.carer is not None)
            assert child.date_of_birth <= consent.given_on
            assert consent.withdrawn_on is None or consent.withdrawn_on >= consent.given_on


def test_the_directory_scales_to_about_2800_practitioners_for_250000_children():
    population = Population(PopulationOptions(children=250_000, seed=1, as_of=AS_OF))
    practitioners = len(population.directory.practitioners)
    assert 2400 < practitioners < 3300
    emails = [p.secure_email for p in population.directory.practitioners]
    assert len(emails) == len(set(emails))
    small = Population(PopulationOptions(children=5, seed=1, as_of=AS_OF)).directory
    roles = {s.role for s in small.services}
    assert {e.role for e in EPISODES} <= roles
    assert all(small.las[0].staff[s.key] for s in small.services)


def test_families_can_be_streamed_only_once():
    population = Population(PopulationOptions(children=10, seed=1, as_of=AS_OF))
    list(itertools.islice(population.families(), 1))
    with pytest.raises(RuntimeError):
        next(population.families())


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"children": 0}, "number of children"),
        ({"seed": -1}, "seed"),
        ({"la_codes": ("X1",)}, "ONS-style"),
        ({"la_codes": ("E10000099", "E10000099")}, "once"),
        ({"children": 1, "la_codes": ("E10000099", "E06000099")}, "at least one child"),
    ],
)
def test_options_are_checked(kwargs, message):
    options = {"children": 10, "seed": 1, "as_of": AS_OF, **kwargs}
    with pytest.raises(ValueError, match=message):
        PopulationOptions(**options)
