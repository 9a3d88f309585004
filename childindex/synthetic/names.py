"""Name data for the synthetic population: UK given names and surnames of diverse origins.

Plain data, no Django. The names themselves are in ``names.json`` beside this module (package
data, read once at import): the given-name and surname lists, each family background
(``Origin``) with its weight, names and countries, and the surname spellings a clerk may write
for one another (the feeds' name variant errors). Lists are roughly in order of popularity (the
generator weights earlier names more), so their order is part of the data: the same seed gives
the same files only while it is kept. Every name here is common; the combinations the generator
makes are invented. Nicknames and given-name spellings live in ``childindex.linkage.nicknames``
(linkage reuses them).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from typing import Any


@dataclass(frozen=True, slots=True)
class Origin:
    """A family background: where the family's names come from and how often it occurs."""

    key: str
    weight: float
    girls: tuple[str, ...]
    boys: tuple[str, ...]
    surnames: tuple[str, ...]
    british_given_share: float
    countries: tuple[str, ...]
    spanish_surnames: bool = False


def _load() -> dict[str, Any]:
    text = resources.files("childindex.synthetic").joinpath("names.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


_DATA = _load()
_LISTS: dict[str, tuple[str, ...]] = {key: tuple(names) for key, names in _DATA["lists"].items()}

BRITISH_GIRLS = _LISTS["british_girls"]
BRITISH_BOYS = _LISTS["british_boys"]
ADULT_WOMEN = _LISTS["adult_women"]
OLDER_WOMEN = _LISTS["older_women"]
ADULT_MEN = _LISTS["adult_men"]
OLDER_MEN = _LISTS["older_men"]
ENGLISH_SURNAMES = _LISTS["english_surnames"]


def _names(value: str | list[str]) -> tuple[str, ...]:
    """An origin's names: a list of its own, or the name of one of the shared lists."""
    return _LISTS[value] if isinstance(value, str) else tuple(value)


ORIGINS: tuple[Origin, ...] = tuple(
    Origin(
        key=o["key"],
        weight=float(o["weight"]),
        girls=_names(o["girls"]),
        boys=_names(o["boys"]),
        surnames=_names(o["surnames"]),
        british_given_share=float(o["british_given_share"]),
        countries=tuple(o["countries"]),
        spanish_surnames=bool(o["spanish_surnames"]),
    )
    for o in _DATA["origins"]
)
ORIGINS_BY_KEY = {origin.key: origin for origin in ORIGINS}

# Surname spellings a clerk may write for one another (used for the feeds' name variant errors).
SURNAME_SPELLINGS: tuple[tuple[str, ...], ...] = tuple(
    tuple(group) for group in _DATA["surname_spellings"]
)
_SURNAME_SPELLING_OF = {name: group for group in SURNAME_SPELLINGS for name in group}
del _DATA


def surname_spellings(family_name: str) -> tuple[str, ...]:
    """Other spellings of one surname, in table order (empty when none are known)."""
    group = _SURNAME_SPELLING_OF.get(family_name, ())
    return tuple(name for name in group if name != family_name)


def feminine_surname(family_name: str) -> str:
    """The form a Polish woman's surname takes (Kowalski -> Kowalska); others unchanged."""
    for masculine, feminine in (("ski", "ska"), ("cki", "cka"), ("dzki", "dzka")):
        if family_name.endswith(masculine):
            return family_name[: -len(masculine)] + feminine
    return family_name
