"""UK postcodes: normalise, validate, and split into the outward code (the district)."""

from __future__ import annotations

import re

# The published shape of a UK postcode (outward code, space, inward code), BFPO aside.
_POSTCODE = re.compile(
    r"^(?P<outward>[A-Z]{1,2}[0-9][A-Z0-9]?)(?P<inward>[0-9][ABD-HJLNP-UW-Z]{2})$"
)
_OUTWARD = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?$")


class PostcodeError(ValueError):
    """Not a UK postcode; the message says what shape one has."""


def normalise_postcode(value: str) -> str:
    """``"sw1a1aa"`` -> ``"SW1A 1AA"``; raises PostcodeError for anything not a postcode."""
    compact = re.sub(r"\s+", "", value or "").upper()
    match = _POSTCODE.match(compact)
    if not match:
        raise PostcodeError(
            f"{value.strip()[:12]!r} is not a UK postcode (like SW1A 1AA)"
            if value and value.strip()
            else "enter a postcode"
        )
    return f"{match['outward']} {match['inward']}"


def is_outward_code(value: str) -> bool:
    """True for a postcode district on its own, such as ``"TN34"``."""
    return bool(_OUTWARD.match(re.sub(r"\s+", "", value or "").upper()))


def postcode_district(postcode: str) -> str:
    """The outward code of a normalised postcode: ``"SW1A 1AA"`` -> ``"SW1A"``."""
    return postcode.split(" ", 1)[0]
