"""The comparisons good linkers use: term frequency adjustment for names, Jaro-Winkler levels
on the address line and town, Damerau-Levenshtein levels on postcode and identifiers, and the
given and family names swapped. Each pair still carries every comparison's level and weight.
"""

from __future__ import annotations

import datetime as dt

import pytest

from childindex.linkage.comparisons import SWAPPED_FAMILY, SWAPPED_GIVEN, default_settings
from childindex.linkage.decide import Outcome, Thresholds, decide, is_twin_or_sibling
from childindex.linkage.model import Scorer, link_table
from childindex.linkage.normalise import LinkRecord

DAY = dt.date(2016, 5, 20)


def record(uid, given, family="Hart", *, dob=DAY, postcode="TN34 1AB", line="12 Elm Road",
           town="Hastings", ids=None, gender="female"):  # fmt: skip
    return LinkRecord(
        uid, given, family, dob, gender, postcode, line, ids or {}, (), (), (), (), town
    )


@pytest.fixture
def scorer():
    scorer = Scorer(default_settings())
    yield scorer
    scorer.close()


def pair(scorer, index, row):
    scorer.add_index(link_table(index))
    found = [c for c in scorer.score(link_table([row]), min_weight=-80) if c.other_id == "x"]
    assert found, "the pair was not blocked"
    return found[0]


def level(candidate, comparison):
    return next(e for e in candidate.evidence if e.comparison == comparison)


def test_the_same_rare_given_name_weighs_more_than_the_same_common_one(scorer):
    # 80 Olivias in the index and one Zephyrine: each same given name, different weight.
    index = [record(f"o{i}", "Olivia", f"Other{i}", postcode="BN1 1AA") for i in range(80)]
    index += [
        record("x", "Zephyrine", "Hart", dob=DAY),
        record("y", "Olivia", "Hart", dob=dt.date(2016, 5, 21), postcode="TN34 1AB"),
    ]
    scorer.add_index(link_table(index))
    rare = scorer.score(link_table([record("r1", "Zephyrine")]), min_weight=-80)
    common = scorer.score(
        link_table([record("r2", "Olivia", dob=dt.date(2016, 5, 21))]), min_weight=-80
    )
    rare_pair = next(c for c in rare if c.other_id == "x")
    common_pair = next(c for c in common if c.other_id == "y")
    assert level(rare_pair, "given_name").level == level(common_pair, "given_name").level
    assert level(rare_pair, "given_name").level == "Same given name"
    assert level(rare_pair, "given_name").weight > level(common_pair, "given_name").weight + 3


def test_a_family_name_weight_follows_its_frequency_too(scorer):
    index = [record(f"s{i}", f"Name{i}", "Smith", postcode="BN1 1AA") for i in range(80)]
    index += [record("x", "Ada", "Quennell")]
    scorer.add_index(link_table(index))
    rare = next(
        c for c in scorer.score(link_table([record("r", "Ada", "Quennell")]), min_weight=-80)
    )
    smith = scorer.score(link_table([record("q", "Name1", "Smith", postcode="BN1 1AA")]),
                         min_weight=-80)  # fmt: skip
    common = next(c for c in smith if c.other_id == "s1")
    assert level(rare, "family_name").weight > level(common, "family_name").weight + 3


def test_a_street_number_slip_and_a_town_slip_are_their_own_levels(scorer):
    found = pair(scorer, [record("x", "Ada")], record("r", "Ada", line="13 Elm Road",
                                                       town="Hastngs"))  # fmt: skip
    assert level(found, "address").level == "Address line with a slip"
    assert level(found, "town").level == "Town with a slip"
    assert level(found, "address").weight > 0 and level(found, "town").weight > 0
    same = pair(scorer, [], record("s", "Ada"))
    assert level(same, "address").level == "Same address line"
    assert level(same, "address").weight > level(found, "address").weight


def test_a_postcode_with_a_slip_is_evidence_but_less_than_the_same(scorer):
    found = pair(scorer, [record("x", "Ada")], record("r", "Ada", postcode="TN34 1BA"))
    assert level(found, "postcode").level == "Postcode with a typing slip"
    assert 0 < level(found, "postcode").weight < 11


def test_an_identifier_one_digit_out_is_still_strong_evidence(scorer):
    # 943 476 5919 and 943 476 3916: one digit keyed wrong, the check digit fixed up.
    found = pair(
        scorer,
        [record("x", "Ada", ids={"nhs": "9434765919"})],
        record("r", "Ada", ids={"nhs": "9434763916"}),
    )
    assert level(found, "nhs").level == "NHS number one digit out"
    assert level(found, "nhs").weight > 8
    far = pair(scorer, [], record("q", "Ada", ids={"nhs": "4010232137"}))
    assert level(far, "nhs").level == "All other comparisons"
    assert level(far, "nhs").weight < -8


def test_given_and_family_names_swapped_link_and_are_not_twins(scorer):
    found = pair(scorer, [record("x", "Ada", "Hart")], record("r", "Hart", "Ada"))
    assert level(found, "given_name").level == SWAPPED_GIVEN
    assert level(found, "family_name").level == SWAPPED_FAMILY
    assert level(found, "given_name").weight > 0
    assert not is_twin_or_sibling(found, scorer.levels)
    decision = decide([found], thresholds=Thresholds(12, 0), levels=scorer.levels,
                      may_create=True)  # fmt: skip
    assert decision.outcome == Outcome.LINK


def test_every_pair_shows_every_comparison_with_its_level_and_weight(scorer):
    found = pair(scorer, [record("x", "Ada")], record("r", "Ada"))
    names = [c["output_column_name"] for c in default_settings()["comparisons"]]
    assert [e.comparison for e in found.evidence] == names
    assert {"address", "town"} <= set(names)
    assert all(isinstance(e.weight, float) and e.level for e in found.evidence)


def test_a_row_without_a_given_name_that_fits_a_twin_waits_for_a_person(scorer):
    # Twins at one address: the row has no given name, so nothing tells them apart.
    twin = record("x", "Archie", "Wright", postcode="WE1 6AA", gender="male")
    found = pair(scorer, [twin], record("r", "", "Wright", postcode="WE1 6AA", gender="male"))
    assert found.weight >= 12
    decision = decide([found], thresholds=Thresholds(12, 0), levels=scorer.levels,
                      may_create=True)  # fmt: skip
    assert decision.outcome == Outcome.REVIEW and decision.reason == "given_name_missing"
    # An identifier of the same type that agrees settles it.
    scorer.add_index(
        link_table([record("y", "Archie", "Wright", postcode="WE1 6AA", ids={"nhs": "9434765919"})])
    )
    row = record("s", "", "Wright", postcode="WE1 6AA", ids={"nhs": "9434765919"})
    same = next(c for c in scorer.score(link_table([row]), min_weight=0) if c.other_id == "y")
    assert decide([same], thresholds=Thresholds(12, 0), levels=scorer.levels,
                  may_create=True).outcome == Outcome.LINK  # fmt: skip


def test_a_different_given_name_with_a_date_one_out_or_swapped_is_a_twin_or_sibling(scorer):
    # Murdo's row with day and month swapped scored above Toby (his twin) on the address.
    index = [record("x", "Toby", "Henderson", dob=dt.date(2011, 12, 6), postcode="WE1 0BS")]
    swapped = pair(scorer, index, record("r", "Murdo", "Henderson", dob=dt.date(2011, 6, 12),
                                         postcode="WE1 0BS"))  # fmt: skip
    assert level(swapped, "dob").level == "Day and month swapped"
    assert is_twin_or_sibling(swapped, scorer.levels)
    # A sibling born a year later (one digit out), the given name with two slips.
    later = pair(scorer, [], record("s", "Acihe", "Henderson", dob=dt.date(2012, 12, 6),
                                     postcode="WE1 0BS"))  # fmt: skip
    assert level(later, "dob").level == "Date of birth one out"
    assert is_twin_or_sibling(later, scorer.levels)
    # The same child with a slip in the date and in the name is not.
    slip = pair(scorer, [], record("t", "Tobi", "Henderson", dob=dt.date(2011, 6, 12),
                                    postcode="WE1 0BS"))  # fmt: skip
    assert not is_twin_or_sibling(slip, scorer.levels)
