"""Linkage without a database: normalisation, Splink scoring of the hard cases, and the rules
applied after scoring (twins, two children, shielding, thresholds)."""

from __future__ import annotations

import datetime as dt

import pytest

from childindex.linkage.comparisons import BLOCKING_RULES, default_settings
from childindex.linkage.decide import Outcome, Thresholds, decide, is_twin_or_sibling
from childindex.linkage.model import Scorer, to_table
from childindex.linkage.normalise import (
    LinkRecord,
    identifier_key,
    name_key,
    name_parts,
    postcode_key,
    swapped,
)

THRESHOLDS = Thresholds(upper=12, lower=0)


def test_names_compare_without_case_accents_or_punctuation():
    assert name_key("O'Brien") == name_key("OBRIEN") == "OBRIEN"
    assert name_key("Zoë") == "ZOE"
    assert name_parts("Smith-Jones") == ["SMITH", "JONES"]


def test_postcodes_and_identifiers_are_normalised_and_placeholders_dropped():
    assert postcode_key("we27ay") == "WE2 7AY"
    assert postcode_key("not one") is None
    assert identifier_key("999 674 0471") == "9996740471"
    assert identifier_key("0000000000") is None
    assert identifier_key("1111111111") is None


def test_a_swapped_date_exists_only_where_day_and_month_can_swap():
    assert swapped(dt.date(2015, 3, 8)) == "2015-08-03"
    assert swapped(dt.date(2015, 3, 20)) is None
    assert swapped(dt.date(2015, 3, 3)) is None


def test_every_blocking_rule_is_an_equality_join():
    for rule in BLOCKING_RULES:
        for part in rule.split(" AND "):
            left, op, right = part.partition(" = ")
            assert op and left.startswith("l.") and right.startswith("r."), rule


def child(uid: str, given: str, family: str = "Hart", dob=dt.date(2015, 3, 8), **kw):
    return LinkRecord(
        uid,
        given,
        family,
        dob,
        kw.pop("gender", "female"),
        kw.pop("postcode", "TN34 1AB"),
        kw.pop("line", "1 Elm Road"),
        **kw,
    ).row()


@pytest.fixture(scope="module")
def scorer():
    scorer = Scorer(default_settings())
    scorer.add_index(
        [
            child("1", "Olivia"),
            child("2", "Amelia"),  # Olivia's twin
            child("3", "Alfred", gender="male", family="Stone", postcode="BN1 2AB", line="9 Oak"),
            child(
                "4",
                "Ava",
                identifiers={"nhs": "9990000026"},
                family="Field",
                postcode="L36 1AB",
                line="4 Ash",
            ),
        ]
    )
    yield scorer
    scorer.close()


def best(scorer, row):
    candidates = scorer.score(to_table([row]), min_weight=-50)
    return candidates, decide(
        [c for c in candidates if c.weight >= 0],
        thresholds=THRESHOLDS,
        levels=scorer.levels,
        may_create=True,
    )


def test_a_twin_scores_but_is_never_the_same_child(scorer):
    candidates, decision = best(scorer, child("r", "Olivia"))
    twin = next(c for c in candidates if c.other_id == "2")
    assert twin.weight > 0 and is_twin_or_sibling(twin, scorer.levels)
    assert decision.outcome == Outcome.LINK and decision.other_id == "1"


def test_a_third_child_with_the_twins_birthday_and_address_is_new(scorer):
    _, decision = best(scorer, child("r", "Grace"))
    assert decision.outcome == Outcome.CREATE
    assert {c.other_id for c in decision.twins} == {"1", "2"}


def test_a_nickname_and_a_swapped_date_still_link(scorer):
    row = child(
        "r",
        "Alfie",
        gender="male",
        family="Stone",
        postcode="BN1 2AB",
        line="9 Oak",
        dob=dt.date(2015, 8, 3),
    )
    candidates, decision = best(scorer, row)
    levels = {e.comparison: e.level for e in candidates[0].evidence}
    assert levels["given_name"] == "Nickname or other spelling"
    assert levels["dob"] == "Day and month swapped"
    assert decision.outcome == Outcome.LINK and decision.other_id == "3"


def test_a_different_nhs_number_weighs_against_a_match(scorer):
    same = best(
        scorer,
        child(
            "r",
            "Ava",
            identifiers={"nhs": "9990000026"},
            family="Field",
            postcode="L36 1AB",
            line="4 Ash",
        ),
    )[0][0]
    other = best(
        scorer,
        child(
            "r",
            "Ava",
            identifiers={"nhs": "9990000034"},
            family="Field",
            postcode="L36 1AB",
            line="4 Ash",
        ),
    )[0][0]
    assert other.weight < same.weight - 20


def test_a_row_that_fits_two_children_goes_to_review(scorer):
    candidates = scorer.score(to_table([child("r", "Olivia")]), min_weight=-50)
    doubled = [
        candidates[0],
        type(candidates[0])(
            "r",
            "9",
            candidates[0].weight - 1,
            1.0,
            candidates[0].gammas,
            candidates[0].weights,
            candidates[0].index,
        ),
    ]
    decision = decide(doubled, thresholds=THRESHOLDS, levels=scorer.levels, may_create=True)
    assert decision.outcome == Outcome.REVIEW and decision.reason == "fits_two_children"


def test_a_possible_shielded_child_waits_for_a_person_unless_it_is_that_child(scorer):
    candidates, _ = best(scorer, child("r", "Olivia"))
    eligible = [c for c in candidates if c.weight >= 0]
    shield_best = decide(
        eligible,
        thresholds=THRESHOLDS,
        levels=scorer.levels,
        may_create=True,
        is_shielded={"1"}.__contains__,
    )
    assert shield_best.outcome == Outcome.LINK
    shield_twin = decide(
        eligible,
        thresholds=THRESHOLDS,
        levels=scorer.levels,
        may_create=True,
        is_shielded={"2"}.__contains__,
    )
    assert shield_twin.outcome == Outcome.REVIEW and shield_twin.shielded


def test_thresholds_decide_between_link_review_and_create(scorer):
    candidates, _ = best(scorer, child("r", "Olivia", postcode="M1 1AB", line="8 Elm"))
    eligible = [c for c in candidates if c.weight >= 0]
    assert 0 < eligible[0].weight < 12
    assert (
        decide(eligible, thresholds=THRESHOLDS, levels=scorer.levels, may_create=True).outcome
        == Outcome.REVIEW
    )
    assert (
        decide(
            eligible, thresholds=Thresholds(upper=1, lower=0), levels=scorer.levels, may_create=True
        ).outcome
        == Outcome.LINK
    )
    assert (
        decide([], thresholds=THRESHOLDS, levels=scorer.levels, may_create=False).outcome
        == Outcome.REVIEW
    )
    with pytest.raises(ValueError):
        Thresholds(upper=0, lower=1)


def test_each_untrained_model_is_a_copy_of_its_own():
    """Training changes a model's m and u probabilities in place: that must never reach the
    module's comparisons, nor another model made from them."""
    first = default_settings()
    level = first["comparisons"][0]["comparison_levels"][-1]
    level["m_probability"] = 0.123456789
    first["comparisons"][0]["comparison_levels"].append({"sql_condition": "TRUE"})
    second = default_settings()
    assert second["comparisons"][0]["comparison_levels"][-1].get("m_probability") != 0.123456789
    assert len(second["comparisons"][0]["comparison_levels"]) == (
        len(first["comparisons"][0]["comparison_levels"]) - 1
    )
