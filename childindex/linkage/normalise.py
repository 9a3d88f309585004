"""Normalising what a source or the index says about a child into the values linkage compares.

Plain Python, no Django. One ``LinkRecord`` per feed row or per child of the index; both sides
are normalised by the same functions, so "O'Brien" and "OBrien", "we27ay" and "WE2 7AY",
"Zoë" and "Zoe" compare as equal.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

import jellyfish

from childindex.linkage.nicknames import fold, name_variants

_NOT_LETTER = re.compile(r"[^A-Z]")
_PARTS = re.compile(r"[\s\-]+")
_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})$")

# Values that systems put where they hold no identifier. They pass the check digit (ten equal
# digits do), so they are not rejected; linkage treats them as missing.
PLACEHOLDER_IDENTIFIERS = frozenset(
    {d * 10 for d in "0123456789"} | {"0123456789", "1234567890", "9876543210"}
)
IDENTIFIER_TYPES = ("nhs", "chi", "hc", "upn")


@lru_cache(maxsize=65536)
def name_key(text: str | None) -> str:
    """Letters only, accents folded, upper case: ``"O'Brien-Smith"`` -> ``"OBRIENSMITH"``."""
    return _NOT_LETTER.sub("", fold(text or "").upper())


def name_parts(text: str | None) -> list[str]:
    """The parts of a name as keys: ``"Smith-Jones"`` -> ``["SMITH", "JONES"]``."""
    return [k for k in (name_key(p) for p in _PARTS.split(text or "")) if k]


@lru_cache(maxsize=65536)
def phonetic(key: str) -> str | None:
    """A sound-alike code (metaphone) for a name key, None for no name."""
    return jellyfish.metaphone(key) or None if key else None


@lru_cache(maxsize=65536)
def _variants(first_given: str) -> tuple[str, ...]:
    return tuple(sorted({name_key(v) for v in name_variants(first_given)} - {""}))


def given_name_variants(first_given: str) -> list[str]:
    """The first given name's nicknames and spellings as keys (itself included), sorted."""
    return list(_variants(first_given))


def postcode_key(text: str | None) -> str | None:
    """``"we27ay"`` -> ``"WE2 7AY"``; None when it is not shaped like a postcode."""
    compact = re.sub(r"\s+", "", text or "").upper()
    match = _POSTCODE.match(compact)
    return f"{match[1]} {match[2]}" if match else None


def address_key(line_1: str | None) -> str | None:
    """The first address line's letters and digits, upper case (house number and street)."""
    key = re.sub(r"[^A-Z0-9]", "", fold(line_1 or "").upper())
    return key or None


def identifier_key(value: str | None) -> str | None:
    """A compact identifier, or None for a missing or placeholder value."""
    compact = re.sub(r"[\s\-]", "", value or "").upper()
    if not compact or compact in PLACEHOLDER_IDENTIFIERS:
        return None
    return compact


def swapped(day: dt.date | None) -> str | None:
    """The date with day and month swapped (ISO), where that is another real date."""
    if day is None or day.day > 12 or day.day == day.month:
        return None
    return dt.date(day.year, day.day, day.month).isoformat()


@dataclass
class LinkRecord:
    """One side of a comparison: a feed row or a child of the index, normalised."""

    unique_id: str
    given_names: str = ""
    family_name: str = ""
    date_of_birth: dt.date | None = None
    gender: str | None = None
    postcode: str | None = None
    address_line_1: str | None = None
    identifiers: dict[str, str] = field(default_factory=dict)
    local_identifiers: Iterable[str] = ()  # "issuer:value"
    other_family_names: Iterable[str] = ()  # former names, aliases (the index's side)
    other_given_names: Iterable[str] = ()
    other_postcodes: Iterable[str] = ()  # previous addresses (the index's side)

    def row(self) -> dict[str, object]:
        """The columns the linkage model compares (see ``comparisons.COLUMNS``)."""
        given_tokens = name_parts(self.given_names)
        first = given_tokens[0] if given_tokens else ""
        raw_first = (self.given_names or "").split()[0] if (self.given_names or "").split() else ""
        variants = set(given_name_variants(raw_first)) if raw_first else set()
        for other in self.other_given_names:
            other_tokens = name_parts(other)
            given_tokens += other_tokens
            if other.split():
                variants |= set(given_name_variants(other.split()[0]))
        family = name_key(self.family_name)
        families = {family, *name_parts(self.family_name)}
        for other in self.other_family_names:
            families |= {name_key(other), *name_parts(other)}
        postcode = postcode_key(self.postcode)
        postcodes = {postcode} | {postcode_key(p) for p in self.other_postcodes}
        postcodes.discard(None)
        dob = self.date_of_birth
        ids = {t: identifier_key(self.identifiers.get(t)) for t in IDENTIFIER_TYPES}
        local = sorted({v for v in self.local_identifiers if v})
        return {
            "unique_id": self.unique_id,
            "given_name": first or None,
            "given_tokens": sorted(set(given_tokens)) or None,
            "given_variants": sorted(variants) or None,
            "given_phonetic": phonetic(first),
            "family_name": family or None,
            "family_names": sorted(families - {""}) or None,
            "family_phonetic": phonetic(family),
            "dob": dob.isoformat() if dob else None,
            "dob_swapped": swapped(dob),
            "birth_year": dob.year if dob else None,
            "gender": self.gender if self.gender in {"female", "male"} else None,
            "postcode": postcode,
            "postcodes": sorted(postcodes) or None,
            "sector": postcode[:-2] if postcode else None,
            "address": address_key(self.address_line_1),
            **ids,
            "local_ids": local or None,
        }
