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
    return list(_name_parts(text or ""))


@lru_cache(maxsize=65536)
def _name_parts(text: str) -> tuple[str, ...]:
    return tuple(k for k in (name_key(p) for p in _PARTS.split(text)) if k)


@lru_cache(maxsize=65536)
def phonetic(key: str) -> str | None:
    """A sound-alike code (metaphone) for a name key, None for no name."""
    return jellyfish.metaphone(key) or None if key else None


@lru_cache(maxsize=65536)
def _variants(first_given: str) -> tuple[str, ...]:
    return tuple(sorted({name_key(v) for v in name_variants(first_given)} - {""}))


@lru_cache(maxsize=65536)
def postcode_key(text: str | None) -> str | None:
    """``"we27ay"`` -> ``"WE2 7AY"``; None when it is not shaped like a postcode."""
    compact = re.sub(r"\s+", "", text or "").upper()
    match = _POSTCODE.match(compact)
    return f"{match[1]} {match[2]}" if match else None


@lru_cache(maxsize=262_144)  # a county of 250,000 children has ~110,000 first lines
def address_key(line_1: str | None) -> str | None:
    """The first address line's letters and digits, upper case (house number and street)."""
    key = re.sub(r"[^A-Z0-9]", "", fold(line_1 or "").upper())
    return key or None


@lru_cache(maxsize=8192)
def town_key(town: str | None) -> str | None:
    """A town's letters, upper case (``"St. Leonards-on-Sea"`` -> ``"STLEONARDSONSEA"``)."""
    key = name_key(town) if town else ""
    return key or None


def identifier_key(value: str | None) -> str | None:
    """A compact identifier, or None for a missing or placeholder value."""
    if not value:
        return None
    compact = value.upper() if value.isalnum() else re.sub(r"[\s\-]", "", value).upper()
    if not compact or compact in PLACEHOLDER_IDENTIFIERS:
        return None
    return compact


def swapped(day: dt.date | None) -> str | None:
    """The date with day and month swapped (ISO), where that is another real date."""
    if day is None or day.day > 12 or day.day == day.month:
        return None
    return dt.date(day.year, day.day, day.month).isoformat()


@dataclass(slots=True)
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
    town: str | None = None

    def row(self) -> dict[str, object]:
        """The columns the linkage model compares (see ``comparisons.COLUMNS``)."""
        given_name, given_tokens, given_variants, given_phonetic = given_columns(
            self.given_names or "", tuple(self.other_given_names or ())
        )
        family_name, family_names, family_phonetic = family_columns(
            self.family_name or "", tuple(self.other_family_names or ())
        )
        postcode, postcodes, sector = postcode_columns(
            self.postcode or None, tuple(self.other_postcodes or ())
        )
        iso, dob_swapped, year = dob_columns(self.date_of_birth)
        identifiers = self.identifiers
        return {
            "unique_id": self.unique_id,
            "given_name": given_name,
            "given_tokens": given_tokens,
            "given_variants": given_variants,
            "given_phonetic": given_phonetic,
            "family_name": family_name,
            "family_names": family_names,
            "family_phonetic": family_phonetic,
            "dob": iso,
            "dob_swapped": dob_swapped,
            "birth_year": year,
            "gender": self.gender if self.gender in GENDERS else None,
            "postcode": postcode,
            "postcodes": postcodes,
            "sector": sector,
            "address": address_key(self.address_line_1) if self.address_line_1 else None,
            "town": town_key(self.town),
            "nhs": identifier_key(identifiers.get("nhs")),
            "chi": identifier_key(identifiers.get("chi")),
            "hc": identifier_key(identifiers.get("hc")),
            "upn": identifier_key(identifiers.get("upn")),
            "local_ids": local_ids(self.local_identifiers),
        }


# The columns of one value (and the index's other values of it), each computed once per
# distinct value: a county has a few thousand names and dates, not a row's worth. The cached
# ``*_key_columns`` give tuples (shared between callers); the others give lists.
KEY_CACHE = 131_072  # distinct values kept (an index of 1,000,000 children has ~150,000 names)


def given_columns(
    given_names: str, others: tuple[str, ...] = ()
) -> tuple[str | None, list[str] | None, list[str] | None, str | None]:
    """given_name, given_tokens, given_variants, given_phonetic."""
    first, tokens, variants, sound = given_key_columns(given_names, others)
    return first, list(tokens) if tokens else None, list(variants) if variants else None, sound


@lru_cache(maxsize=KEY_CACHE)
def given_key_columns(
    given_names: str, others: tuple[str, ...] = ()
) -> tuple[str | None, tuple[str, ...] | None, tuple[str, ...] | None, str | None]:
    first, given_tokens, variants = _given_facts(given_names)
    if others:
        tokens, names = set(given_tokens), set(variants)
        for other in others:
            _, other_tokens, other_variants = _given_facts(other or "")
            tokens.update(other_tokens)
            names.update(other_variants)
        given_tokens, variants = tuple(sorted(tokens)), tuple(sorted(names))
    return first or None, given_tokens or None, variants or None, phonetic(first)


def family_columns(
    family_name: str, others: tuple[str, ...] = ()
) -> tuple[str | None, list[str] | None, str | None]:
    """family_name, family_names, family_phonetic."""
    family, families, sound = family_key_columns(family_name, others)
    return family, list(families) if families else None, sound


@lru_cache(maxsize=KEY_CACHE)
def family_key_columns(
    family_name: str, others: tuple[str, ...] = ()
) -> tuple[str | None, tuple[str, ...] | None, str | None]:
    family, families = _family_facts(family_name)
    if others:
        all_families = set(families)
        for other in others:
            all_families.update(_family_facts(other or "")[1])
        families = tuple(sorted(all_families))
    return family or None, families or None, phonetic(family)


def postcode_columns(
    postcode_text: str | None, others: tuple[str, ...] = ()
) -> tuple[str | None, list[str] | None, str | None]:
    """postcode, postcodes (with previous addresses'), sector."""
    postcode, postcodes, sector = postcode_key_columns(postcode_text, others)
    return postcode, list(postcodes) if postcodes else None, sector


@lru_cache(maxsize=KEY_CACHE)
def postcode_key_columns(
    postcode_text: str | None, others: tuple[str, ...] = ()
) -> tuple[str | None, tuple[str, ...] | None, str | None]:
    postcode = postcode_key(postcode_text) if postcode_text else None
    if others:
        postcodes = {postcode} | {postcode_key(p) for p in others}
        postcode_list = tuple(sorted(p for p in postcodes if p is not None)) or None
    else:
        postcode_list = (postcode,) if postcode else None
    return postcode, postcode_list, postcode[:-2] if postcode else None


def local_ids(values: Iterable[str]) -> list[str] | None:
    """A source's own identifiers ("issuer:value"), sorted, or None."""
    if not values:
        return None
    return sorted({v for v in values if v}) or None


GENDERS = frozenset({"female", "male"})


@lru_cache(maxsize=65536)
def _given_facts(given_names: str) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """First given name's key, every given name's key, the first name's variants' keys."""
    tokens = _name_parts(given_names)
    words = given_names.split()
    variants = _variants(words[0]) if words else ()
    return (tokens[0] if tokens else "", tuple(sorted(set(tokens))), variants)


@lru_cache(maxsize=65536)
def _family_facts(family_name: str) -> tuple[str, tuple[str, ...]]:
    """The family name's key, and the keys of it and its parts (a double name's halves)."""
    key = name_key(family_name)
    return key, tuple(sorted({key, *_name_parts(family_name)} - {""}))


@lru_cache(maxsize=8192)
def dob_columns(day: dt.date | None) -> tuple[str | None, str | None, int | None]:
    if day is None:
        return None, None, None
    return day.isoformat(), swapped(day), day.year
