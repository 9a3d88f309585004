"""Names and keys for search: normalising, phonetic codes, blocking keys and name similarity.

Plain Python over strings (no Django), so the rules are tested without a database and shared by
the search-key builder and the scorer.

- A name is split into tokens on anything that is not a letter (so hyphenated and double
  surnames become two tokens: "Smith-Jones" finds "Jones"); accents are folded and apostrophes
  dropped ("O'Brien" is "obrien").
- Each token has a phonetic code (Metaphone: Smith/Smyth, Mohammed/Muhammad share one) and a
  three-letter prefix (partial names and late typos: "Alex" finds "Alexander").
- A blocking key pairs a code with the date of birth (``"pSM0|2015-03-04"``), the birth year
  (``"pSM0|2015"``), a postcode district (``"xsmi|TN34"``) or a district and birth year
  (``"xsmi|TN34|2015"``), so candidates for "name + date of birth", "name + postcode" or
  "name + district + year" come out of one index lookup, however common the name.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

import jellyfish

from childindex.linkage.nicknames import name_variants

_NOT_LETTERS = re.compile(r"[^a-z]+")
_APOSTROPHES = re.compile(r"['’`]")
PREFIX_LENGTH = 3


@lru_cache(maxsize=65536)
def name_tokens(text: str) -> tuple[str, ...]:
    """``"Anne-Marie O'Brien"`` -> ``("anne", "marie", "obrien")``."""
    folded = unicodedata.normalize("NFKD", text or "")
    folded = "".join(c for c in folded if not unicodedata.combining(c)).lower()
    folded = _APOSTROPHES.sub("", folded)
    return tuple(t for t in _NOT_LETTERS.split(folded) if t)


@lru_cache(maxsize=65536)
def phonetic(token: str) -> str:
    return jellyfish.metaphone(token) if token else ""


@lru_cache(maxsize=65536)
def nysiis(token: str) -> str:
    return jellyfish.nysiis(token) if token else ""


def token_codes(token: str) -> set[str]:
    """The codes a token is filed under: its phonetic code and its three-letter prefix."""
    codes = {"x" + token[:PREFIX_LENGTH]}
    code = phonetic(token)
    if code:
        codes.add("p" + code)
    return codes


@lru_cache(maxsize=16384)
def variants(token: str) -> frozenset[str]:
    """A name token's nicknames and other spellings, as tokens (``"bill"`` -> william, will...)."""
    found = {token}
    for variant in name_variants(token):
        parts = name_tokens(variant)
        if len(parts) == 1:
            found.add(parts[0])
    return frozenset(found)


@lru_cache(maxsize=16384)
def query_token_codes(token: str) -> frozenset[str]:
    """The codes a query token looks under: its own and those of its nickname variants."""
    codes: set[str] = set()
    for variant in variants(token):
        codes |= token_codes(variant)
    return frozenset(codes)


def child_keys(
    tokens: Iterable[str], *, date_of_birth: dt.date, districts: Iterable[str]
) -> set[str]:
    """Every blocking key of a child with these name tokens, date of birth and address
    districts: each code paired with the birth date, the birth year, each district, and each
    district with the birth year (``"xsmi|TN34|2015"``)."""
    codes: set[str] = set()
    for token in tokens:
        codes |= token_codes(token)
    year = str(date_of_birth.year)
    places = sorted(set(districts))
    blocks = [date_of_birth.isoformat(), year, *places, *(f"{place}|{year}" for place in places)]
    return {f"{code}|{block}" for code in codes for block in blocks}


def query_keys(tokens: Iterable[str], *, blocks: Iterable[str]) -> set[str]:
    codes: set[str] = set()
    for token in tokens:
        codes |= query_token_codes(token)
    return {f"{code}|{block}" for code in codes for block in blocks}


# --- Similarity ------------------------------------------------------------------------------

EXACT = 1.0
NICKNAME = 0.95
SOUNDS_ALIKE = 0.9
PARTIAL = 0.85


@lru_cache(maxsize=262144)
def token_similarity(query: str, candidate: str) -> float:
    """How alike a typed name token and a held one are, from 0 to 1.

    Exact; a known nickname or spelling (Bill/William); the same sound (Smyth/Smith); a typed
    beginning of the name (Alex/Alexander); otherwise Jaro–Winkler, which forgives typos.
    """
    if query == candidate:
        return EXACT
    if candidate in variants(query):
        return NICKNAME
    if (
        len(query) >= 3
        and len(candidate) >= 3
        and (phonetic(query) == phonetic(candidate) or nysiis(query) == nysiis(candidate))
    ):
        return SOUNDS_ALIKE
    if len(query) >= 2 and candidate.startswith(query):
        return PARTIAL
    return jellyfish.jaro_winkler_similarity(query, candidate)


UNMATCHED_TOKEN_PENALTY = 0.02
WEAK_TOKEN = 0.6  # below this a typed name is not this child's name at all
SPARE_TOKEN_PENALTY = 0.05  # a typed middle name the index does not hold


def name_similarity(query: tuple[str, ...], candidate: tuple[str, ...]) -> float:
    """Typed tokens (in any order) against a held name's tokens: each typed token takes its best
    unused match; the mean of those, less a little for each held token left unmatched (so
    "Olivia Smith" ranks "Olivia Smith" just above "Olivia Mae Smith").

    Every typed name must fit one of the child's names — except one, when three or more are
    typed (a middle name the index does not hold) — so "Amelia Selstead" does not bring back
    every Amelia in the district.
    """
    if not query or not candidate:
        return 0.0
    pairs = sorted(
        (
            (token_similarity(q, c), qi, ci)
            for qi, q in enumerate(query)
            for ci, c in enumerate(candidate)
        ),
        reverse=True,
    )
    used_q: set[int] = set()
    used_c: set[int] = set()
    scores = [0.0] * len(query)
    for sim, qi, ci in pairs:
        if qi in used_q or ci in used_c:
            continue
        used_q.add(qi)
        used_c.add(ci)
        scores[qi] = sim
    weak = [score for score in scores if score < WEAK_TOKEN]
    if len(weak) > (1 if len(query) >= 3 else 0):
        return 0.0
    strong = [score for score in scores if score >= WEAK_TOKEN]
    unmatched = len(candidate) - len(used_c)
    penalty = UNMATCHED_TOKEN_PENALTY * unmatched + SPARE_TOKEN_PENALTY * len(weak)
    return max(0.0, sum(strong) / len(strong) - penalty)
