"""The check rules of every identifier the index holds. Plain functions: no database."""

from __future__ import annotations

import contextlib
import datetime as dt
import random
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum import verhoeff
from stdnum.gb import nhs

from childindex.core.identifiers import (
    HC_RANGE,
    UPN_LA_NUMBERS,
    IdentifierError,
    IdentifierType,
    chi_date_of_birth,
    format_index_number,
    mod11_check_digit,
    new_index_number,
    synthetic_chi_number,
    synthetic_hc_number,
    synthetic_nhs_number,
    synthetic_upn,
    validate_chi_number,
    validate_hc_number,
    validate_identifier,
    validate_index_number,
    validate_local_identifier,
    validate_nhs_number,
    validate_upn,
)

seeds = st.integers(min_value=0, max_value=2**32)
nine_digit_bodies = st.integers(min_value=0, max_value=999_999_999).map(lambda i: f"{i:09d}")


def single_digit_substitutions(number: str):
    for position, digit in enumerate(number):
        for other in "0123456789":
            if other != digit:
                yield number[:position] + other + number[position + 1 :]


def adjacent_transpositions(number: str):
    for position in range(len(number) - 1):
        a, b = number[position], number[position + 1]
        if a != b:
            yield number[:position] + b + a + number[position + 2 :]


def mod11_body_without_check_digit(prefix: str = "") -> str:
    """The first nine digits (starting ``prefix``) whose modulus 11 check digit would be 10."""
    for i in range(10 ** (9 - len(prefix))):
        body = prefix + f"{i:0{9 - len(prefix)}d}"
        if mod11_check_digit(body) is None:
            return body
    raise AssertionError(f"no body starting {prefix} lacks a check digit")


# --- NHS number -------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["9434765919", "943 476 5919", "943-476-5919", " 9434765919 "])
def test_nhs_number_with_a_good_check_digit_is_accepted_in_compact_form(value):
    assert validate_nhs_number(value) == "9434765919"


def test_nhs_number_with_the_wrong_check_digit_is_refused():
    with pytest.raises(IdentifierError, match="fails its check digit"):
        validate_nhs_number("9434765918")


@pytest.mark.parametrize("value", ["943476591", "94347659190", "", "943476591 99"])
def test_nhs_number_of_the_wrong_length_is_refused(value):
    with pytest.raises(IdentifierError, match="must be 10 digits long|only digits"):
        validate_nhs_number(value)


@pytest.mark.parametrize(
    "value", ["943476591X", "NHS4765919", "９４３４７６５９１９", "٩٤٣٤٧٦٥٩١٩"]
)
def test_nhs_number_with_anything_but_ascii_digits_is_refused(value):
    with pytest.raises(IdentifierError, match="only digits"):
        validate_nhs_number(value)


def test_nhs_number_whose_check_digit_would_be_10_is_never_issued():
    body = mod11_body_without_check_digit()
    for last in "0123456789":
        with pytest.raises(IdentifierError, match="check digit"):
            validate_nhs_number(body + last)


def test_nhs_number_whose_remainder_is_0_has_check_digit_0():
    body = next(f"{i:09d}" for i in range(10**9) if mod11_check_digit(f"{i:09d}") == 0)
    assert validate_nhs_number(body + "0") == body + "0"


@given(body=nine_digit_bodies)
def test_nhs_number_has_exactly_the_one_completion_our_mod11_computes(body):
    """Our modulus 11 (used for CHI and H&C) agrees with python-stdnum's NHS rule."""
    valid = []
    for last in "0123456789":
        with contextlib.suppress(IdentifierError):
            valid.append(validate_nhs_number(body + last))
    check = mod11_check_digit(body)
    assert valid == ([] if check is None else [body + str(check)])


@given(number=st.integers(min_value=0, max_value=9_999_999_999).map(lambda i: f"{i:010d}"))
def test_nhs_number_check_is_python_stdnums(number):
    """The NHS check, done directly for speed, accepts exactly what python-stdnum accepts."""
    try:
        validate_nhs_number(number)
        ours = True
    except IdentifierError:
        ours = False
    assert ours == nhs.is_valid(number)


def test_every_single_digit_error_and_adjacent_swap_in_an_nhs_number_is_caught():
    for wrong in [
        *single_digit_substitutions("9434765919"),
        *adjacent_transpositions("9434765919"),
    ]:
        with pytest.raises(IdentifierError):
            validate_nhs_number(wrong)


# --- Health and Care number (Northern Ireland) ------------------------------------------------


def mod11_number(body: str) -> str:
    check = mod11_check_digit(body)
    assert check is not None, body
    return body + str(check)


def test_hc_number_in_range_with_good_check_digit_is_accepted():
    number = mod11_number("320000001")
    assert validate_hc_number(number) == number


@pytest.mark.parametrize("body", ["319999999", "400000000", "943476591", "100000000"])
def test_hc_number_outside_320_to_399_million_is_refused_even_with_a_good_check_digit(body):
    candidates = [body, str(int(body) - 1), str(int(body) + 1)]
    number = next(mod11_number(b) for b in candidates if mod11_check_digit(b) is not None)
    assert not HC_RANGE[0] <= int(number) <= HC_RANGE[1]
    with pytest.raises(IdentifierError, match="320 000 0000 and 399 999 9999"):
        validate_hc_number(number)


def test_hc_number_range_runs_from_320_to_399_million_inclusive():
    assert HC_RANGE == (3_200_000_000, 3_999_999_999)


def test_hc_number_with_the_wrong_check_digit_is_refused():
    number = mod11_number("350000000")
    wrong = number[:-1] + str((int(number[-1]) + 1) % 10)
    with pytest.raises(IdentifierError, match="fails its check digit"):
        validate_hc_number(wrong)


def test_hc_number_whose_check_digit_would_be_10_is_refused():
    body = mod11_body_without_check_digit("35")
    for last in "0123456789":
        with pytest.raises(IdentifierError, match="check digit"):
            validate_hc_number(body + last)


@pytest.mark.parametrize("value", ["32000000", "320000000000", "32000000AB"])
def test_hc_number_of_the_wrong_shape_is_refused(value):
    with pytest.raises(IdentifierError, match="digits"):
        validate_hc_number(value)


@given(seed=seeds)
def test_every_synthetic_hc_number_validates(seed):
    number = synthetic_hc_number(random.Random(seed))
    assert validate_hc_number(number) == number


@given(seed=seeds)
def test_every_single_digit_error_in_an_hc_number_is_caught(seed):
    number = synthetic_hc_number(random.Random(seed))
    for wrong in single_digit_substitutions(number):
        with pytest.raises(IdentifierError):
            validate_hc_number(wrong)


# --- CHI number (Scotland) --------------------------------------------------------------------

TODAY = dt.date(2026, 6, 15)
dates_of_birth = st.dates(min_value=dt.date(1926, 6, 16), max_value=TODAY)


def chi_with_body(body: str) -> str:
    """A modulus-11-valid CHI number from a body, adjusting the sex digit if needed."""
    for sex_digit in "0123456789":
        candidate = body[:8] + sex_digit
        if mod11_check_digit(candidate) is not None:
            return mod11_number(candidate)
    raise AssertionError(body)


@given(date_of_birth=dates_of_birth, female=st.booleans(), seed=seeds)
def test_every_synthetic_chi_number_validates_and_carries_the_birth_date_and_sex(
    date_of_birth, female, seed
):
    number = synthetic_chi_number(date_of_birth, female, random.Random(seed))
    assert validate_chi_number(number) == number
    assert number[:6] == date_of_birth.strftime("%d%m%y")
    assert int(number[8]) % 2 == (0 if female else 1)


@given(date_of_birth=dates_of_birth, seed=seeds)
def test_chi_number_gives_back_its_date_of_birth(date_of_birth, seed):
    number = synthetic_chi_number(date_of_birth, True, random.Random(seed))
    assert chi_date_of_birth(number, today=TODAY) == date_of_birth


def test_chi_date_of_birth_is_never_in_the_future():
    """A six-digit date later this year is a century ago, not a birth still to come."""
    assert chi_date_of_birth("3112261234", today=TODAY) == dt.date(1926, 12, 31)
    assert chi_date_of_birth("1506261234", today=TODAY) == dt.date(2026, 6, 15)
    assert chi_date_of_birth("0101251234", today=TODAY) == dt.date(2025, 1, 1)
    assert chi_date_of_birth("0101991234", today=TODAY) == dt.date(1999, 1, 1)


def test_chi_date_of_birth_29_february_2000_is_a_real_date():
    assert chi_date_of_birth("2902001234", today=TODAY) == dt.date(2000, 2, 29)


@pytest.mark.parametrize("ddmmyy", ["310299", "290201", "320112", "001012", "011312", "000000"])
def test_chi_number_that_does_not_start_with_a_real_date_is_refused(ddmmyy):
    number = chi_with_body(ddmmyy + "123")
    with pytest.raises(IdentifierError, match="real date of birth"):
        validate_chi_number(number)


def test_chi_number_with_the_wrong_check_digit_is_refused():
    number = synthetic_chi_number(dt.date(2015, 3, 9), False, random.Random(1))
    wrong = number[:-1] + str((int(number[-1]) + 1) % 10)
    with pytest.raises(IdentifierError, match="fails its check digit"):
        validate_chi_number(wrong)


@given(date_of_birth=dates_of_birth, seed=seeds)
def test_every_single_digit_error_in_a_chi_number_is_caught(date_of_birth, seed):
    number = synthetic_chi_number(date_of_birth, False, random.Random(seed))
    for wrong in single_digit_substitutions(number):
        with pytest.raises(IdentifierError):
            validate_chi_number(wrong)


@pytest.mark.parametrize("value", ["090315123", "09031512345", "0903151X34"])
def test_chi_number_of_the_wrong_shape_is_refused(value):
    with pytest.raises(IdentifierError, match="digits"):
        validate_chi_number(value)


# --- Unique Pupil Number ----------------------------------------------------------------------


def test_upn_from_python_stdnums_example_is_accepted():
    assert validate_upn("B801200005001") == "B801200005001"


def test_upn_is_accepted_in_lower_case_and_stored_in_upper_case():
    assert validate_upn("b801200005001") == "B801200005001"


def test_upn_with_the_wrong_check_letter_is_refused():
    with pytest.raises(IdentifierError, match="wrong check letter"):
        validate_upn("A801200005001")


def test_upn_from_an_unknown_la_number_is_refused():
    assert 0 not in UPN_LA_NUMBERS
    with pytest.raises(IdentifierError, match="known English LA number"):
        validate_upn("E000200005001")


@pytest.mark.parametrize("value", ["B80120000500", "B8012000050011", ""])
def test_upn_of_the_wrong_length_is_refused(value):
    with pytest.raises(IdentifierError, match="13 characters"):
        validate_upn(value)


def test_upn_with_letters_in_its_middle_is_refused():
    with pytest.raises(IdentifierError, match="check letter, 11 digits"):
        validate_upn("X80120000A001")


@given(
    la_number=st.sampled_from(UPN_LA_NUMBERS),
    school=st.integers(min_value=0, max_value=9999),
    year=st.integers(min_value=2000, max_value=2099),
    seed=seeds,
)
def test_every_synthetic_upn_validates(la_number, school, year, seed):
    number = synthetic_upn(la_number, school, year, random.Random(seed))
    assert validate_upn(number) == number
    assert re.fullmatch(r"[A-Z][0-9]{11}[0-9A-Z]", number)


# --- Index number (this index): Verhoeff ------------------------------------------------------

SOME_INDEX_NUMBERS = [new_index_number(random.Random(seed)) for seed in (1, 2, 3, 2026)]


@pytest.mark.parametrize("number", SOME_INDEX_NUMBERS)
def test_index_number_is_eleven_digits_not_starting_with_zero_and_verhoeff_valid(number):
    assert re.fullmatch(r"[1-9][0-9]{10}", number)
    assert verhoeff.is_valid(number)
    assert validate_index_number(number) == number


@pytest.mark.parametrize("number", SOME_INDEX_NUMBERS)
def test_every_single_digit_error_in_an_index_number_is_caught(number):
    for wrong in single_digit_substitutions(number):
        with pytest.raises(IdentifierError, match="check digit|never starts with 0"):
            validate_index_number(wrong)
        if wrong[0] != "0":
            assert not verhoeff.is_valid(wrong), wrong


@pytest.mark.parametrize("number", SOME_INDEX_NUMBERS)
def test_every_adjacent_swap_in_an_index_number_is_caught(number):
    swaps = list(adjacent_transpositions(number))
    assert swaps
    for wrong in swaps:
        with pytest.raises(IdentifierError, match="check digit|never starts with 0"):
            validate_index_number(wrong)
        if wrong[0] != "0":
            assert not verhoeff.is_valid(wrong), wrong


@given(seed=seeds)
def test_verhoeff_catches_every_single_digit_error_and_adjacent_swap_for_any_index_number(seed):
    number = new_index_number(random.Random(seed))
    for wrong in [*single_digit_substitutions(number), *adjacent_transpositions(number)]:
        assert not verhoeff.is_valid(wrong) or wrong[0] == "0", wrong


def test_index_number_starting_with_zero_is_refused_even_with_a_good_check_digit():
    body = "0123456789"
    number = body + verhoeff.calc_check_digit(body)
    assert verhoeff.is_valid(number)
    with pytest.raises(IdentifierError, match="never starts with 0"):
        validate_index_number(number)


@pytest.mark.parametrize("length", [10, 12])
def test_index_number_of_the_wrong_length_is_refused(length):
    body = "7" * (length - 1)
    with pytest.raises(IdentifierError, match="must be 11 digits long"):
        validate_index_number(body + verhoeff.calc_check_digit(body))


def test_index_number_is_never_mistaken_for_a_ten_digit_national_number():
    number = SOME_INDEX_NUMBERS[0]
    for validate in (validate_nhs_number, validate_chi_number, validate_hc_number):
        with pytest.raises(IdentifierError, match="10 digits long"):
            validate(number)


def test_index_number_is_accepted_as_printed():
    number = SOME_INDEX_NUMBERS[0]
    printed = format_index_number(number)
    assert re.fullmatch(r"\d{4} \d{4} \d{3}", printed)
    assert validate_index_number(printed) == number


@given(seed=seeds)
def test_new_index_number_from_any_seed_is_valid(seed):
    assert validate_index_number(new_index_number(random.Random(seed)))


def test_new_index_number_is_random_not_sequential():
    numbers = [new_index_number() for _ in range(200)]
    assert len(set(numbers)) == 200
    assert all(validate_index_number(n) == n for n in numbers)
    bodies = sorted(int(n[:10]) for n in numbers)
    gaps = {b - a for a, b in zip(bodies, bodies[1:], strict=False)}
    assert max(gaps) > 1_000_000  # spread over the range, not counting up
    assert len({n[0] for n in numbers}) > 5  # leading digits vary too


# --- Local identifiers and dispatch -----------------------------------------------------------


def test_local_identifier_is_trimmed():
    assert validate_local_identifier("  MOSAIC-12345 ") == "MOSAIC-12345"


@pytest.mark.parametrize("value", ["", "   ", "x" * 65, "tab\there", "new\nline"])
def test_local_identifier_must_be_1_to_64_printable_characters(value):
    with pytest.raises(IdentifierError, match="1 to 64 printable"):
        validate_local_identifier(value)


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        (IdentifierType.NHS, "9434765919"),
        (IdentifierType.HC, mod11_number("320000001")),
        (IdentifierType.CHI, synthetic_chi_number(dt.date(2014, 5, 1), True, random.Random(5))),
        (IdentifierType.UPN, "B801200005001"),
        (IdentifierType.INDEX, SOME_INDEX_NUMBERS[0]),
        (IdentifierType.LOCAL, "MOSAIC-1"),
    ],
)
def test_validate_identifier_uses_the_rule_of_its_kind(kind, value):
    assert validate_identifier(kind, value) == value
    assert validate_identifier(kind.value, value) == value


def test_validate_identifier_applies_the_kinds_rule_not_anothers():
    with pytest.raises(IdentifierError):
        validate_identifier("hc", "9434765919")  # a good NHS number, outside the H&C range


@pytest.mark.parametrize("kind", ["passport", "", "NHS"])
def test_validate_identifier_refuses_an_unknown_kind_with_a_reason(kind):
    with pytest.raises(IdentifierError, match="is not a kind of identifier the index holds"):
        validate_identifier(kind, "9434765919")


@given(seed=seeds)
def test_every_synthetic_nhs_number_validates_and_comes_from_the_never_issued_999_range(seed):
    number = synthetic_nhs_number(random.Random(seed))
    assert validate_nhs_number(number) == number
    assert number.startswith("999")
