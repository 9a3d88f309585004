"""Unique synthetic identifiers in bounded memory. Plain Python, no Django.

Drawing identifiers at random and remembering them to avoid repeats costs memory in
proportion to the population. Instead each kind walks a counter through a keyed permutation
(a small Feistel network with cycle walking), which is a bijection: the values look random,
never repeat, and need no memory. The key comes from the seed, so a seed gives one sequence.
"""

from __future__ import annotations

import datetime as dt
import random

from stdnum import verhoeff
from stdnum.gb import upn as stdnum_upn

from childindex.core.identifiers import mod11_check_digit


class KeyedPermutation:
    """A keyed bijection on ``range(size)``."""

    def __init__(self, size: int, key: str, rounds: int = 6) -> None:
        bits = max(2, (size - 1).bit_length())
        bits += bits % 2
        self._size = size
        self._half = bits // 2
        self._mask = (1 << self._half) - 1
        source = random.Random(key)
        self._keys = tuple(source.getrandbits(32) for _ in range(rounds))

    def __call__(self, value: int) -> int:
        if not 0 <= value < self._size:
            raise ValueError("value outside the permutation's domain")
        half, mask = self._half, self._mask
        while True:
            left, right = value >> half, value & mask
            for key in self._keys:
                mixed = ((right ^ key) * 0x9E3779B1) & 0xFFFFFFFF
                mixed ^= mixed >> 15
                left, right = right, left ^ (mixed & mask)
            value = (left << half) | right
            if value < self._size:  # cycle walking keeps the result in range
                return value


class IndexNumbers:
    """Index numbers: ten digits that never start with 0 and a Verhoeff check digit."""

    def __init__(self, key: str) -> None:
        self._permutation = KeyedPermutation(9_000_000_000, key + ":index")
        self._next = 0

    def __call__(self) -> str:
        body = str(1_000_000_000 + self._permutation(self._next))
        self._next += 1
        return body + verhoeff.calc_check_digit(body)


class Mod11Numbers:
    """Check-digit-valid ten-digit numbers from a range of nine-digit bodies, each once.

    NHS numbers come from the 999 range, which is never issued to patients; it holds about
    909,000 valid numbers, after which ``__call__`` returns None.
    """

    def __init__(self, low: int, high: int, key: str) -> None:
        self._low = low
        self._size = high - low + 1
        self._permutation = KeyedPermutation(self._size, key)
        self._next = 0

    def __call__(self) -> str | None:
        while self._next < self._size:
            body = str(self._low + self._permutation(self._next))
            self._next += 1
            check = mod11_check_digit(body)
            if check is not None:
                return body + str(check)
        return None


def nhs_numbers(key: str) -> Mod11Numbers:
    return Mod11Numbers(999_000_000, 999_999_999, key + ":nhs")


def hc_numbers(key: str) -> Mod11Numbers:
    """Northern Ireland's Health and Care numbers (320 000 0000 to 399 999 9999)."""
    return Mod11Numbers(320_000_000, 399_999_999, key + ":hc")


class ChiNumbers:
    """Scottish CHI numbers: date of birth, two serial digits, a sex digit, a check digit.

    Counts per date of birth and sex (500 numbers each), so memory is bounded by the number
    of dates, never by the number of children.
    """

    def __init__(self) -> None:
        self._issued: dict[tuple[dt.date, bool], int] = {}

    def __call__(self, date_of_birth: dt.date, female: bool) -> str | None:
        prefix = date_of_birth.strftime("%d%m%y")
        digits = (0, 2, 4, 6, 8) if female else (1, 3, 5, 7, 9)
        n = self._issued.get((date_of_birth, female), 0)
        while n < 500:
            body = f"{prefix}{n // 5:02d}{digits[n % 5]}"
            n += 1
            check = mod11_check_digit(body)
            if check is not None:
                self._issued[(date_of_birth, female)] = n
                return body + str(check)
        self._issued[(date_of_birth, female)] = n
        return None


class Upns:
    """Unique Pupil Numbers as a school issues them: LA number, school number, year, serial.

    Counts per school and year (1,000 serials each; None beyond), bounded by the directory.
    """

    def __init__(self) -> None:
        self._issued: dict[tuple[int, int, int], int] = {}

    def __call__(self, la_number: int, school_number: int, year: int) -> str | None:
        key = (la_number, school_number, year % 100)
        serial = self._issued.get(key, 0)
        if serial > 999:
            return None
        self._issued[key] = serial + 1
        body = f"{la_number:03d}{school_number:04d}{year % 100:02d}{serial:03d}"
        return stdnum_upn.calc_check_digit(body) + body
