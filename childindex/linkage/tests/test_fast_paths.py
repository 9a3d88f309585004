"""The import's fast paths give exactly what the plain ones give: the linkage table built
column by column (``link_table``) is ``to_table`` of each record's ``row()``, and the direct
scoring query (``ScoringSql``) gives Splink's own pairs, levels, weights and probabilities.

Records are drawn from a small vocabulary so that names, dates, postcodes and identifiers
collide the way a county's do: twins, double and former names, previous addresses, nicknames,
typing slips, swapped dates, placeholders, missing values.
"""

from __future__ import annotations

import copy
import datetime as dt
import random

import pytest

from childindex.linkage.comparisons import (
    WITHIN_FILE_BLOCKING_RULES,
    default_settings,
    splink_settings,
)
from childindex.linkage.model import Scorer, ScoringSql, link_table, to_table
from childindex.linkage.normalise import LinkRecord

GIVEN = [
    "Olivia",
    "Amelia",
    "Alfie",
    "Alfred",
    "Mohammed",
    "Muhammad",
    "Zoë",
    "Zoe",
    "Ava",
    "Eva",
    "Oliver Jack",
    "Jack",
    "Isla-Rose",
    "Grace",
    "",
    "oppy",
    "Poppy",
    "Harry",
]
FAMILY = ["Hart", "Smith-Jones", "Smith", "Jones", "O'Brien", "OBrien", "Ng", "Field", ""]
POSTCODES = ["TN34 1AB", "tn341ab", "BN1 2AB", "L36 1AB", "WE2 7AY", "not one", None]
LINES = ["1 Elm Road", "9 Oak", "4 Ash", None, "Flat 2, 10 High St"]
NHS = ["9990000026", "9990000034", "0000000000", "1234567890", "999 000 0026"]


def _records(rng: random.Random, count: int, prefix: str, *, index: bool) -> list[LinkRecord]:
    records = []
    for i in range(count):
        day = dt.date(2012 + rng.randrange(4), 1 + rng.randrange(12), 1 + rng.randrange(28))
        identifiers = {}
        if rng.random() < 0.7:
            identifiers["nhs"] = rng.choice(NHS)
        if rng.random() < 0.1:
            identifiers["upn"] = rng.choice(["A123456789012", "B987654321098"])
        local = [f"gp:{rng.randrange(20)}"] if rng.random() < 0.3 else []
        others: dict = {}
        if index and rng.random() < 0.3:
            others = {
                "other_family_names": [rng.choice(FAMILY)],
                "other_given_names": [rng.choice(GIVEN)],
                "other_postcodes": [rng.choice(POSTCODES) or "", "BN1 2AB"],
            }
        records.append(
            LinkRecord(
                f"{prefix}{i}",
                rng.choice(GIVEN),
                rng.choice(FAMILY),
                None if rng.random() < 0.05 else day,
                rng.choice(["female", "male", "not_specified", None]),
                rng.choice(POSTCODES),
                rng.choice(LINES),
                identifiers,
                local,
                **others,
            )
        )
    return records


def test_the_linkage_table_built_by_column_is_the_table_of_rows():
    rng = random.Random(7)
    for index in (True, False):
        records = _records(rng, 400, "c", index=index)
        assert link_table(records).equals(to_table([r.row() for r in records]))
    assert link_table([]).equals(to_table([]))


def _key(c):
    """A candidate as everything a scorer decides: the pair, its weight, probability, levels."""
    return c.record_id, c.other_id, c.weight, c.probability, tuple(c.gammas), tuple(c.weights)


def _trained_like(settings: dict) -> dict:
    """Settings as training leaves them: every m and u moved."""
    rng = random.Random(3)
    trained = copy.deepcopy(settings)
    for comparison in trained["comparisons"]:
        for level in comparison["comparison_levels"]:
            if level.get("is_null_level") or level.get("fix_m_probability"):
                continue
            level["m_probability"] = min(0.999, level["m_probability"] * rng.uniform(0.5, 1.5))
            level["u_probability"] = min(0.999, level["u_probability"] * rng.uniform(0.5, 1.5))
    return trained


@pytest.mark.parametrize(
    "settings",
    [splink_settings(default_settings()), splink_settings(_trained_like(default_settings()))],
    ids=["untrained", "trained"],
)
def test_direct_scoring_is_splinks(settings):
    # (Without the term frequency adjustment: that is this model's own, not Splink's.)
    rng = random.Random(11)
    index = link_table(_records(rng, 600, "", index=True))
    rows = link_table(_records(rng, 600, "r", index=False))
    scorer = Scorer(settings)
    try:
        assert scorer._sql.supported
        scorer.add_index(index)
        direct = scorer.score(rows, min_weight=-60)
        scorer._sql.supported = False  # the same call through Splink's predict_between
        splink = scorer.score(rows, min_weight=-60)
    finally:
        scorer.close()

    assert len(direct) > 1000
    assert [_key(c) for c in direct] == [_key(c) for c in splink]


@pytest.mark.parametrize(
    "settings",
    [default_settings(), _trained_like(default_settings())],
    ids=["untrained", "trained"],
)
def test_direct_scoring_of_rows_against_each_other_is_splinks(settings):
    # A file's rows scored against each other (its own copies), with the file's own blocking
    # rules, one of them not an equality: the same pairs, levels, weights and probabilities as
    # Splink's dedupe_only prediction (which has no term-frequency adjustment either).
    settings = copy.deepcopy(settings)
    settings["blocking_rules_to_generate_predictions"] += [
        {"blocking_rule": rule, "sql_dialect": "duckdb"} for rule in WITHIN_FILE_BLOCKING_RULES
    ]
    rng = random.Random(12)
    rows = link_table(_records(rng, 500, "r", index=False))
    scorer = Scorer(settings)
    try:
        assert scorer._within_sql.supported
        direct = scorer.score_within(rows, min_weight=-60)
        scorer._within_sql.supported = False  # the same call through Splink
        splink = scorer.score_within(rows, min_weight=-60)
    finally:
        scorer.close()

    assert len(direct) > 1000
    assert all(c.record_id < c.other_id for c in direct)
    assert [_key(c) for c in direct] == [_key(c) for c in splink]


def test_settings_the_direct_query_does_not_cover_are_left_to_splink():
    settings = copy.deepcopy(default_settings())  # (its levels are the module's own dicts)
    settings["comparisons"][1]["comparison_levels"][1]["tf_adjustment_column"] = "family_name"
    assert not ScoringSql(settings).supported
    for value in (None, "level not observed"):
        settings = copy.deepcopy(default_settings())
        settings["comparisons"][2]["comparison_levels"][1]["u_probability"] = value
        assert not ScoringSql(settings).supported
