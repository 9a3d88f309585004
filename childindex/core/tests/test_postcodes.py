"""UK postcodes: normalised to the one form the database accepts, or refused with a reason."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from childindex.core.postcodes import (
    PostcodeError,
    is_outward_code,
    normalise_postcode,
    postcode_district,
)

# The database's own rule for a stored postcode (records.ChildAddress "postcode_normalised").
STORED_FORM = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][A-Z]{2}$")

INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"  # C, I, K, M, O and V are never used in the inward code
letters = st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
digits = st.sampled_from("0123456789")
outward_codes = st.builds(
    lambda area, district, extra: area + district + extra,
    st.text(alphabet="ABCDEFGHIJKLMNOPRSTUWYZ", min_size=1, max_size=2),
    digits,
    st.one_of(st.just(""), digits, letters),
)
inward_codes = st.builds(
    lambda d, a, b: d + a + b,
    digits,
    st.sampled_from(INWARD_LETTERS),
    st.sampled_from(INWARD_LETTERS),
)


@pytest.mark.parametrize(
    ("entered", "stored"),
    [
        ("SW1A 1AA", "SW1A 1AA"),
        ("sw1a1aa", "SW1A 1AA"),
        ("  sw1a   1aa  ", "SW1A 1AA"),
        ("tn34\t1aa", "TN34 1AA"),
        ("M1 1AE", "M1 1AE"),  # A9 9AA
        ("B33 8TH", "B33 8TH"),  # A99 9AA
        ("CR2 6XH", "CR2 6XH"),  # AA9 9AA
        ("DN55 1PT", "DN55 1PT"),  # AA99 9AA
        ("W1A 0AX", "W1A 0AX"),  # A9A 9AA
        ("EC1A 1BB", "EC1A 1BB"),  # AA9A 9AA
    ],
)
def test_postcode_is_normalised_to_capitals_with_one_space(entered, stored):
    assert normalise_postcode(entered) == stored


@pytest.mark.parametrize(
    "entered",
    [
        "SW1A 1AC",  # C is never used in the inward code
        "SW1A 1IA",  # nor I
        "SW1A AAA",  # inward code starts with a digit
        "SW1A1A",  # inward code too short
        "SWA1 1AA",  # outward code needs a digit after the area
        "123 1AA",
        "ABC1 1AA",
        "SW1A 1AA X",
        "SW1A-1AA",
        "not a postcode",
    ],
)
def test_anything_not_shaped_like_a_postcode_is_refused_with_an_example(entered):
    with pytest.raises(PostcodeError, match=r"is not a UK postcode \(like SW1A 1AA\)"):
        normalise_postcode(entered)


@pytest.mark.parametrize("entered", ["", "   ", None])
def test_a_missing_postcode_asks_for_one(entered):
    with pytest.raises(PostcodeError, match="enter a postcode"):
        normalise_postcode(entered)


def test_refusal_quotes_at_most_twelve_characters_of_what_was_entered():
    with pytest.raises(PostcodeError) as caught:
        normalise_postcode("x" * 500)
    assert "x" * 13 not in str(caught.value)


@given(
    outward=outward_codes,
    inward=inward_codes,
    lower=st.booleans(),
    space=st.sampled_from(["", " ", "  "]),
)
def test_any_postcode_normalises_to_the_form_the_database_stores_and_stays_there(
    outward, inward, lower, space
):
    entered = outward + space + inward
    stored = normalise_postcode(entered.lower() if lower else entered)
    assert stored == f"{outward} {inward}"
    assert STORED_FORM.match(stored)
    assert normalise_postcode(stored) == stored
    assert postcode_district(stored) == outward
    assert is_outward_code(outward)


@pytest.mark.parametrize("value", ["TN34", "tn34", "M1", "SW1A", "EC1A", " W1 "])
def test_a_district_on_its_own_is_an_outward_code(value):
    assert is_outward_code(value)


@pytest.mark.parametrize("value", ["", "TN", "TN34 1AA", "34", "TN345", None])
def test_a_full_postcode_or_nonsense_is_not_an_outward_code(value):
    assert not is_outward_code(value)


def test_postcode_district_is_the_outward_code():
    assert postcode_district("SW1A 1AA") == "SW1A"
    assert postcode_district("M1 1AE") == "M1"
