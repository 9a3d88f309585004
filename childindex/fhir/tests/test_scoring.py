"""``$match``'s plain-Python scorer gives the feeds' (DuckDB) scorer's result: the same blocked
pairs, levels, weights and probabilities, for the untrained model and a trained-looking one."""

from __future__ import annotations

import copy
import datetime as dt
import random

import pytest

from childindex.fhir.scoring import PythonScorer, condition
from childindex.linkage.comparisons import default_settings
from childindex.linkage.model import Scorer, link_table
from childindex.linkage.normalise import LinkRecord

GIVEN = [
    "Olivia",
    "Olive",
    "Livvy",
    "Oliver",
    "Amelia",
    "Emilia",
    "Mohammed",
    "Muhammad",
    "Anne-Marie",
    "Annemarie",
    "Jack",
    "John",
    "Jon",
    "Chloe",
    "Khloe",
    "",
]
FAMILY = [
    "Smith",
    "Smyth",
    "Smith-Jones",
    "Jones",
    "Khan",
    "Kahn",
    "Hart",
    "Harte",
    "O'Neil",
    "ONeill",
    "Brown",
    "",
]
POSTCODES = ["TN34 1AA", "TN34 1AB", "TN35 5AA", "BN1 1AA", None]
BORN = [dt.date(2015, 3, 4), dt.date(2015, 4, 3), dt.date(2015, 3, 5), dt.date(2016, 3, 4), None]


def _record(rng: random.Random, uid: str, *, index_side: bool) -> LinkRecord:
    return LinkRecord(
        unique_id=uid,
        given_names=rng.choice(GIVEN),
        family_name=rng.choice(FAMILY),
        date_of_birth=rng.choice(BORN),
        gender=rng.choice(["female", "male", None]),
        postcode=rng.choice(POSTCODES),
        address_line_1=rng.choice(["1 High Street", "1 High St", "2 Low Road", None]),
        identifiers=rng.choice(
            [
                {},
                {"nhs": "9434765919"},
                {"nhs": "9434765870"},
                {"nhs": "9434765991"},
                {"nhs": "4934765919"},
            ]
        ),
        other_family_names=rng.choice([(), ("Green",), ("Smith",)]) if index_side else (),
        other_postcodes=rng.choice([(), ("BN1 1AA",)]) if index_side else (),
    )


def _trained(settings):
    trained = copy.deepcopy(settings)
    rng = random.Random(3)
    for comparison in trained["comparisons"]:
        for level in comparison["comparison_levels"]:
            if "m_probability" in level:
                level["m_probability"] = rng.uniform(0.01, 0.99)
                level["u_probability"] = rng.uniform(1e-6, 0.5)
    return trained


@pytest.mark.parametrize("trained", [False, True])
def test_the_python_scorer_is_the_duckdb_scorer(trained):
    settings = _trained(default_settings()) if trained else default_settings()
    rng = random.Random(11)
    index = [_record(rng, f"c{n:03d}", index_side=True) for n in range(150)]
    queries = [_record(rng, f"q{n:02d}", index_side=False) for n in range(40)]
    python = PythonScorer(settings)
    assert python.supported
    duck = Scorer(settings, threads=1)
    duck.add_index(link_table(index))
    expected = duck.score(link_table(queries), min_weight=-1e9)
    got = python.score(
        link_table(queries).to_pylist(), link_table(index).to_pylist(), min_weight=-1e9
    )
    assert len(expected) > 100  # enough blocked pairs to mean something
    key = lambda c: (c.record_id, c.other_id)  # noqa: E731
    assert sorted(map(key, got)) == sorted(map(key, expected))
    by_pair = {key(c): c for c in expected}
    for candidate in got:
        twin = by_pair[key(candidate)]
        assert candidate.gammas == tuple(twin.gammas), key(candidate)
        assert candidate.weight == pytest.approx(twin.weight, abs=1e-9)
        assert candidate.probability == pytest.approx(twin.probability, rel=1e-9, abs=1e-300)
    # The same order within each query (best first).
    assert [key(c) for c in got] == [key(c) for c in expected]
    duck.close()


def test_a_condition_it_does_not_understand_makes_it_unsupported():
    settings = default_settings()
    settings["comparisons"][0]["comparison_levels"][2]["sql_condition"] = (
        'soundex("given_name_l") = soundex("given_name_r")'
    )
    assert condition('soundex("given_name_l") = soundex("given_name_r")') is None
    assert not PythonScorer(settings).supported


def test_sql_three_valued_logic_a_missing_value_falls_through():
    test = condition('"postcode_l" = "postcode_r" AND "address_l" = "address_r"')
    assert test({"postcode": "A", "address": None}, {"postcode": "A", "address": "x"}) is None
    either = condition('"a_l" = "a_r" OR "b_l" = "b_r"')
    assert either({"a": None, "b": 1}, {"a": 1, "b": 1}) is True
    assert either({"a": None, "b": 2}, {"a": 1, "b": 1}) is None
