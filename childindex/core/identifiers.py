"""National identifiers and the index number, with their real check rules.

Plain functions, no Django. Each ``validate_*`` returns the compact form or raises
``IdentifierError`` with a reason a person can act on.

- NHS number (England, Wales, Isle of Man): 10 digits, modulus 11 check digit.
- Health and Care number (Northern Ireland): 10 digits, the same modulus 11 rule, allocated
  from the range 320 000 0000 to 399 999 9999.
- CHI number (Scotland): 10 digits, the first six the date of birth DDMMYY, the ninth odd for
  male and even for female, the tenth a modulus 11 check digit computed as for the NHS number.
- Unique Pupil Number (England): 13 characters, a check letter, the issuing LA's number, the
  school's DfE number, year and serial (python-stdnum).
- Index number (this index): 11 digits, 10 drawn at random (never sequential, never starting
  with 0) and a Verhoeff check digit, which catches every single-digit error and every swap of
  adjacent digits. Eleven digits, so it is never mistaken for a 10-digit NHS, CHI or H&C number.
"""

from __future__ import annotations

import datetime as dt
import operator
import random
import re
from collections.abc import Callable
from enum import StrEnum

from stdnum import verhoeff
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.gb import upn


class IdentifierError(ValueError):
    """An identifier that fails its format or check rule; the message says which."""


class IdentifierType(StrEnum):
    NHS = "nhs"
    CHI = "chi"
    HC = "hc"
    UPN = "upn"
    INDEX = "index"
    LOCAL = "local"


IDENTIFIER_LABELS = {
    IdentifierType.NHS: "NHS number",
    IdentifierType.CHI: "CHI number",
    IdentifierType.HC: "Health and Care number",
    IdentifierType.UPN: "Unique Pupil Number",
    IdentifierType.INDEX: "index number",
    IdentifierType.LOCAL: "local identifier",
}

_SEPARATORS = re.compile(r"[\s\-]")
HC_RANGE = (3_200_000_000, 3_999_999_999)


def _digits(value: str, label: str, length: int) -> str:
    value = value or ""
    compact = value if value.isdigit() else _SEPARATORS.sub("", value)
    if not compact.isdigit() or not compact.isascii():
        raise IdentifierError(f"{label} must contain only digits")
    if len(compact) != length:
        raise IdentifierError(f"{label} must be {length} digits long (got {len(compact)})")
    return compact


_MOD11_WEIGHTS = tuple(range(10, 1, -1))


def mod11_check_digit(first_nine: str) -> int | None:
    """The NHS modulus 11 check digit for nine digits, or None where none exists (10)."""
    if len(first_nine) != len(_MOD11_WEIGHTS):
        raise ValueError("nine digits")
    total: int = sum(map(operator.mul, map(int, first_nine), _MOD11_WEIGHTS))
    check = 11 - total % 11
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


def validate_nhs_number(value: str) -> str:
    label = IDENTIFIER_LABELS[IdentifierType.NHS]
    compact = _digits(value, label, 10)
    # python-stdnum's rule (the ten digits weighted 10 to 1 sum to a multiple of 11), checked
    # here directly: stdnum's own cleaning costs more than the check (a feed has one per row).
    if mod11_check_digit(compact[:9]) != int(compact[9]):
        raise IdentifierError(f"{label} {compact} fails its check digit")
    return compact


def validate_hc_number(value: str) -> str:
    label = IDENTIFIER_LABELS[IdentifierType.HC]
    compact = _digits(value, label, 10)
    if not HC_RANGE[0] <= int(compact) <= HC_RANGE[1]:
        raise IdentifierError(f"{label} must lie between 320 000 0000 and 399 999 9999")
    if mod11_check_digit(compact[:9]) != int(compact[9]):
        raise IdentifierError(f"{label} {compact} fails its check digit")
    return compact


def chi_date_of_birth(compact: str, *, today: dt.date | None = None) -> dt.date:
    """The date of birth in a CHI number's first six digits: the latest such date that is not
    in the future (so a date later this year is a century ago, not a birth still to come)."""
    today = today or dt.date.today()
    day, month, yy = int(compact[0:2]), int(compact[2:4]), int(compact[4:6])
    year = 2000 + yy
    if (year, month, day) > (today.year, today.month, today.day):
        year -= 100
    return dt.date(year, month, day)


def validate_chi_number(value: str) -> str:
    label = IDENTIFIER_LABELS[IdentifierType.CHI]
    compact = _digits(value, label, 10)
    try:
        chi_date_of_birth(compact)
    except ValueError as exc:
        raise IdentifierError(f"{label} must start with a real date of birth (DDMMYY)") from exc
    if mod11_check_digit(compact[:9]) != int(compact[9]):
        raise IdentifierError(f"{label} {compact} fails its check digit")
    return compact


def validate_upn(value: str) -> str:
    label = IDENTIFIER_LABELS[IdentifierType.UPN]
    try:
        return upn.validate(value or "")
    except InvalidLength as exc:
        raise IdentifierError(f"{label} must be 13 characters long") from exc
    except InvalidFormat as exc:
        raise IdentifierError(
            f"{label} must be a check letter, 11 digits and a final digit or letter"
        ) from exc
    except InvalidComponent as exc:
        raise IdentifierError(f"{label} does not start with a known English LA number") from exc
    except InvalidChecksum as exc:
        raise IdentifierError(f"{label} has the wrong check letter") from exc
    except StdnumError as exc:  # pragma: no cover
        raise IdentifierError(f"{label} is not valid: {exc}") from exc


def validate_index_number(value: str) -> str:
    label = IDENTIFIER_LABELS[IdentifierType.INDEX]
    compact = _digits(value, label, 11)
    if compact[0] == "0":
        raise IdentifierError(f"{label} never starts with 0")
    if not verhoeff.is_valid(compact):
        raise IdentifierError(f"{label} {compact} fails its check digit")
    return compact


def validate_local_identifier(value: str) -> str:
    compact = (value or "").strip()
    if not compact or len(compact) > 64 or not compact.isprintable():
        raise IdentifierError("a local identifier must be 1 to 64 printable characters")
    return compact


VALIDATORS: dict[str, Callable[[str], str]] = {
    IdentifierType.NHS: validate_nhs_number,
    IdentifierType.CHI: validate_chi_number,
    IdentifierType.HC: validate_hc_number,
    IdentifierType.UPN: validate_upn,
    IdentifierType.INDEX: validate_index_number,
    IdentifierType.LOCAL: validate_local_identifier,
}


def validate_identifier(kind: str, value: str) -> str:
    """Validate ``value`` as an identifier of ``kind``; returns the compact form."""
    validator = VALIDATORS.get(kind)
    if validator is not None:
        return validator(value)
    try:
        identifier_type = IdentifierType(kind)
    except ValueError as exc:
        known = ", ".join(IdentifierType)
        raise IdentifierError(
            f"{kind!r} is not a kind of identifier the index holds ({known})"
        ) from exc
    return VALIDATORS[identifier_type](value)


# --- Making identifiers (index numbers for real; the others for synthetic data) ---------------


def new_index_number(rng: random.Random | None = None) -> str:
    """A fresh random index number: 10 random digits (not starting 0) and a Verhoeff digit.

    Uses the operating system's randomness unless a seeded generator is given (synthetic data).
    """
    source = rng or random.SystemRandom()
    body = str(source.randint(1_000_000_000, 9_999_999_999))
    return body + verhoeff.calc_check_digit(body)


def format_index_number(compact: str) -> str:
    return f"{compact[0:4]} {compact[4:8]} {compact[8:]}"


def format_identifier(type_: str, value: str) -> str:
    """An identifier as people read it: NHS, CHI and Health and Care numbers 3-3-4 (NHS
    Digital's style, "943 476 5919"), index numbers 4-4-3; others as held."""
    if type_ in (IdentifierType.NHS, IdentifierType.CHI, IdentifierType.HC) and (
        len(value) == 10 and value.isdigit()
    ):
        return f"{value[0:3]} {value[3:6]} {value[6:]}"
    if type_ == IdentifierType.INDEX and len(value) == 11 and value.isdigit():
        return format_index_number(value)
    return value


def _mod11_number(prefix_low: int, prefix_high: int, rng: random.Random) -> str:
    while True:
        body = str(rng.randint(prefix_low, prefix_high))
        check = mod11_check_digit(body)
        if check is not None:
            return body + str(check)


def synthetic_nhs_number(rng: random.Random) -> str:
    """A check-digit-valid NHS number from the 999 range, which the NHS never issues to
    patients (reserved for testing), so a synthetic number can never be a real person's."""
    return _mod11_number(999_000_000, 999_999_999, rng)


def synthetic_hc_number(rng: random.Random) -> str:
    return _mod11_number(320_000_000, 399_999_999, rng)


def synthetic_chi_number(date_of_birth: dt.date, female: bool, rng: random.Random) -> str:
    prefix = date_of_birth.strftime("%d%m%y")
    while True:
        serial = rng.randint(0, 99)
        sex_digit = rng.choice((0, 2, 4, 6, 8) if female else (1, 3, 5, 7, 9))
        body = f"{prefix}{serial:02d}{sex_digit}"
        check = mod11_check_digit(body)
        if check is not None:
            return body + str(check)


UPN_LA_NUMBERS = tuple(sorted(upn._la_numbers))  # noqa: SLF001 - stdnum's own list of LA numbers


def synthetic_upn(la_number: int, school_dfe_number: int, year: int, rng: random.Random) -> str:
    body = f"{la_number:03d}{school_dfe_number:04d}{year % 100:02d}{rng.randint(0, 999):03d}"
    return upn.calc_check_digit(body) + body
