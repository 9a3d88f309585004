"""The linkage model's comparisons and blocking rules, as Splink settings (plain data).

Each comparison has levels from the strongest agreement down to "everything else", with prior
m and u probabilities (m: how often a true match shows this level; u: how often two different
children do). Training (EM on the index) re-estimates them; the priors make an untrained
model usable on a new index. The levels are the design's hard cases: nicknames and spellings,
typing slips and sound-alikes, one half of a double surname or a former name, day and month
swapped, a date one out, the family's previous address, and identifiers compared only with
the same type of identifier (placeholders are blanked before they get here).

Blocking rules are equality joins on indexed columns (a hash join in DuckDB): a feed row is
scored only against children who share an identifier, or a date of birth and a name sound or
a postcode, or both names and the birth year, or a postcode and a given-name sound. Never all
pairs.
"""

from __future__ import annotations

import copy
from typing import Any

PROBABILITY_TWO_RANDOM_RECORDS_MATCH = 1 / 250_000

COLUMNS = (
    "unique_id",
    "given_name",
    "given_tokens",
    "given_variants",
    "given_phonetic",
    "family_name",
    "family_names",
    "family_phonetic",
    "dob",
    "dob_swapped",
    "birth_year",
    "gender",
    "postcode",
    "postcodes",
    "sector",
    "address",
    "town",
    "nhs",
    "chi",
    "hc",
    "upn",
    "local_ids",
)
LIST_COLUMNS = frozenset(
    {"given_tokens", "given_variants", "family_names", "postcodes", "local_ids"}
)


def _level(sql: str, label: str, m: float, u: float, **extra: Any) -> dict[str, Any]:
    return {
        "sql_condition": sql,
        "label_for_charts": label,
        "m_probability": m,
        "u_probability": u,
        **extra,
    }


_FIXED = {"fix_u_probability": True, "fix_m_probability": True}


def _null(columns: str, label: str) -> dict[str, Any]:
    return {"sql_condition": columns, "label_for_charts": label, "is_null_level": True}


def _else(m: float, u: float) -> dict[str, Any]:
    return _level("ELSE", "All other comparisons", m, u)


# Where each identifier's check character is, and how many of its last characters a second
# child's number issued just after it (a twin's) may differ in: a one-character slip there is
# not evidence (see the "one digit out" level).
_BODIES = {
    # (first character of the body, its length, trailing characters a sibling's may differ in)
    "nhs": (1, 9, 2),
    "hc": (1, 9, 2),
    "chi": (1, 9, 4),  # day, month, year, two serial digits and the sex digit
    "upn": (2, 12, 3),  # the check letter first; the last three digits are a school serial
}


def _identifier(column: str, label: str) -> dict[str, Any]:
    start, length, sibling = _BODIES[column]
    body_l = f'substr("{column}_l", {start}, {length})'
    body_r = f'substr("{column}_r", {start}, {length})'
    kept = length - sibling
    return {
        "output_column_name": column,
        "comparison_description": f"{label}: the same type of identifier only",
        "comparison_levels": [
            _null(f'"{column}_l" IS NULL OR "{column}_r" IS NULL', f"{label} missing"),
            _level(f'"{column}_l" = "{column}_r"', f"Same {label}", 0.997, 1e-6),
            # One character keyed wrong (the check character fixed up by the system) or two
            # swapped, in the part that two children's numbers issued one after the other do
            # not share: in a long number still strong evidence.
            _level(
                f"damerau_levenshtein({body_l}, {body_r}) <= 1 "
                f"AND left({body_l}, {kept}) <> left({body_r}, {kept})",
                f"{label} one digit out",
                0.001,
                2e-6,
            ),
            # Two valid identifiers of one type that differ otherwise: rarely the same child.
            _else(0.002, 0.999997),
        ],
    }


# Names whose "Same" level's weight is adjusted by how common the name is (Splink's term
# frequency adjustment): the same rare name is stronger evidence than the same common one.
# Kept outside the comparisons (Splink's own ``tf_adjustment_column`` needs its own term
# frequency tables); ``ScoringSql`` applies it: the level's weight becomes
# log2(m/u) + weight * log2(u / max(tf, minimum)), tf the name's share of the names held.
TERM_FREQUENCY_KEY = "childindex_term_frequency"
TERM_FREQUENCY = {
    "given_name": {"label": "Same given name", "weight": 1.0, "minimum": 0.0001},
    "family_name": {"label": "Same family name", "weight": 1.0, "minimum": 0.0001},
}
SWAPPED_GIVEN = "Given and family names swapped"
# Each name in the other's column, allowing a slip in either.
SWAP = (
    'jaro_winkler_similarity("given_name_l", "family_name_r") >= 0.92 '
    'AND jaro_winkler_similarity("family_name_l", "given_name_r") >= 0.92'
)
SWAPPED_FAMILY = "Family and given names swapped"


COMPARISONS: list[dict[str, Any]] = [
    {
        "output_column_name": "given_name",
        "comparison_description": "First given name",
        "comparison_levels": [
            _null('"given_name_l" IS NULL OR "given_name_r" IS NULL', "Given name missing"),
            _level('"given_name_l" = "given_name_r"', "Same given name", 0.88, 0.005),
            _level(
                'list_contains("given_variants_l", "given_name_r") '
                'OR list_contains("given_variants_r", "given_name_l")',
                "Nickname or other spelling",
                0.04,
                0.0008,
            ),
            _level(
                'jaro_winkler_similarity("given_name_l", "given_name_r") >= 0.92 '
                'OR damerau_levenshtein("given_name_l", "given_name_r") <= 1',
                "Given name with a typing slip",
                0.04,
                0.002,
            ),
            _level(
                '"given_phonetic_l" = "given_phonetic_r"', "Given name sounds the same", 0.01, 0.003
            ),
            _level(
                'len(list_intersect("given_tokens_l", "given_tokens_r")) > 0',
                "Shares a given or middle name",
                0.01,
                0.003,
            ),
            _level(
                SWAP,
                SWAPPED_GIVEN,
                0.005,
                1e-5,
            ),
            _level(
                'jaro_winkler_similarity("given_name_l", "given_name_r") >= 0.8 '
                'OR (length("given_name_l") >= 5 '
                'AND damerau_levenshtein("given_name_l", "given_name_r") <= 2)',
                "Given name similar",
                0.01,
                0.02,
            ),
            _else(0.01, 0.96599),
        ],
    },
    {
        "output_column_name": "family_name",
        "comparison_description": "Family name",
        "comparison_levels": [
            _null('"family_name_l" IS NULL OR "family_name_r" IS NULL', "Family name missing"),
            _level('"family_name_l" = "family_name_r"', "Same family name", 0.9, 0.003),
            _level(
                'len(list_intersect("family_names_l", "family_names_r")) > 0',
                "Half a double name, or a former name",
                0.03,
                0.0008,
            ),
            _level(
                'jaro_winkler_similarity("family_name_l", "family_name_r") >= 0.92 '
                'OR damerau_levenshtein("family_name_l", "family_name_r") <= 1',
                "Family name with a typing slip",
                0.035,
                0.001,
            ),
            _level(
                '"family_phonetic_l" = "family_phonetic_r"',
                "Family name sounds the same",
                0.01,
                0.002,
            ),
            _level(
                SWAP,
                SWAPPED_FAMILY,
                0.005,
                1e-5,
            ),
            _level(
                'jaro_winkler_similarity("family_name_l", "family_name_r") >= 0.8 '
                'OR (length("family_name_l") >= 5 '
                'AND damerau_levenshtein("family_name_l", "family_name_r") <= 2)',
                "Family name similar",
                0.01,
                0.01,
            ),
            _else(0.015, 0.98299),
        ],
    },
    {
        "output_column_name": "dob",
        "comparison_description": "Date of birth",
        "comparison_levels": [
            _null('"dob_l" IS NULL OR "dob_r" IS NULL', "Date of birth missing"),
            _level('"dob_l" = "dob_r"', "Same date of birth", 0.95, 0.00015),
            _level('"dob_swapped_l" = "dob_r"', "Day and month swapped", 0.02, 0.00015),
            _level(
                'levenshtein("dob_l", "dob_r") <= 1 OR abs(date_diff(\'day\', '
                'CAST("dob_l" AS DATE), CAST("dob_r" AS DATE))) <= 1',
                "Date of birth one out",
                0.02,
                0.002,
            ),
            _level(
                'damerau_levenshtein("dob_l", "dob_r") <= 2',
                "Date of birth with two slips",
                0.005,
                0.01,
            ),
            _else(0.005, 0.98785),
        ],
    },
    {
        "output_column_name": "gender",
        "comparison_description": "Gender",
        "comparison_levels": [
            _null('"gender_l" IS NULL OR "gender_r" IS NULL', "Gender not specified"),
            _level('"gender_l" = "gender_r"', "Same gender", 0.99, 0.5),
            _else(0.01, 0.5),
        ],
    },
    {
        "output_column_name": "postcode",
        "comparison_description": "Postcode",
        "comparison_levels": [
            _null('"postcode_l" IS NULL OR "postcode_r" IS NULL', "No postcode"),
            _level('"postcode_l" = "postcode_r"', "Same postcode", 0.88, 0.0003),
            _level(
                'len(list_intersect("postcodes_l", "postcodes_r")) > 0',
                "A previous address",
                0.08,
                0.0002,
            ),
            _level(
                'damerau_levenshtein("postcode_l", "postcode_r") <= 1',
                "Postcode with a typing slip",
                0.01,
                0.0005,
            ),
            _level('"sector_l" = "sector_r"', "Same postcode sector", 0.02, 0.01),
            _else(0.01, 0.989),
        ],
    },
    {
        "output_column_name": "address",
        "comparison_description": "First address line (house number and street)",
        # Most pairs with the same first line share the postcode too: u here is the chance
        # for two children with the same postcode, and a different line says nothing (the
        # postcode has said it). Fixed, so that training does not count the postcode twice.
        "comparison_levels": [
            _null('"address_l" IS NULL OR "address_r" IS NULL', "No address line"),
            _level('"address_l" = "address_r"', "Same address line", 0.85, 0.03, **_FIXED),
            # A slip in the house number or the street ("12 Elm Road", "13 Elm Road").
            _level(
                'jaro_winkler_similarity("address_l", "address_r") >= 0.9',
                "Address line with a slip",
                0.05,
                0.02,
                **_FIXED,
            ),
            _level(
                'jaro_winkler_similarity("address_l", "address_r") >= 0.75',
                "Address line similar",
                0.04,
                0.05,
                **_FIXED,
            ),
            _level("ELSE", "All other comparisons", 0.5, 0.5, **_FIXED),
        ],
    },
    {
        "output_column_name": "town",
        "comparison_description": "Town",
        "comparison_levels": [
            _null('"town_l" IS NULL OR "town_r" IS NULL', "No town"),
            _level('"town_l" = "town_r"', "Same town", 0.9, 0.1),
            _level(
                'jaro_winkler_similarity("town_l", "town_r") >= 0.9',
                "Town with a slip",
                0.03,
                0.01,
            ),
            _else(0.07, 0.89),
        ],
    },
    _identifier("nhs", "NHS number"),
    _identifier("chi", "CHI number"),
    _identifier("hc", "Health and Care number"),
    _identifier("upn", "UPN"),
    {
        "output_column_name": "local_ids",
        "comparison_description": "A source's own identifier (same issuer only)",
        "comparison_levels": [
            _null('"local_ids_l" IS NULL OR "local_ids_r" IS NULL', "No local identifier"),
            _level(
                'len(list_intersect("local_ids_l", "local_ids_r")) > 0',
                "Same local identifier",
                0.99,
                1e-6,
            ),
            # Different issuers say nothing either way: m = u, a weight of 0.
            _level(
                "ELSE",
                "Different local identifiers",
                0.5,
                0.5,
                fix_m_probability=True,
                fix_u_probability=True,
            ),
        ],
    },
]

BLOCKING_RULES = [
    'l."nhs" = r."nhs"',
    'l."upn" = r."upn"',
    'l."chi" = r."chi"',
    'l."hc" = r."hc"',
    'l."dob" = r."dob" AND l."family_phonetic" = r."family_phonetic"',
    'l."dob" = r."dob" AND l."postcode" = r."postcode"',
    'l."dob" = r."dob" AND l."given_phonetic" = r."given_phonetic"',
    'l."dob_swapped" = r."dob" AND l."family_phonetic" = r."family_phonetic"',
    # Both names and the year: a date with a slip in day or month (common names would
    # otherwise pair with every namesake in the county).
    'l."given_name" = r."given_name" AND l."family_name" = r."family_name" '
    'AND l."birth_year" = r."birth_year"',
    'l."postcode" = r."postcode" AND l."given_phonetic" = r."given_phonetic"',
    # The family at the same address: a slip in the date and in the given name at once.
    'l."postcode" = r."postcode" AND l."family_phonetic" = r."family_phonetic"',
    # Names swapped (with the date).
    'l."dob" = r."dob" AND l."given_phonetic" = r."family_phonetic"',
    # Both names in the same postcode sector: a date missing or far out, and a slip in the
    # postcode's last letters (few namesakes share a sector).
    'l."sector" = r."sector" AND l."given_name" = r."given_name" '
    'AND l."family_name" = r."family_name"',
    # Names swapped at the same postcode: with the date missing or out.
    'l."postcode" = r."postcode" AND l."given_phonetic" = r."family_phonetic"',
]

# A file's rows scored against each other (a source's own copies) are also paired on rules
# the index could not afford, since a file is small beside the county: both names where one
# of the two rows has no date of birth (with the postcode out of its sector as well, no rule
# above pairs them); the date of birth alone; one name in the postcode sector without a date.
WITHIN_FILE_BLOCKING_RULES = [
    'l."given_name" = r."given_name" AND l."family_name" = r."family_name" '
    'AND (l."dob" IS NULL OR r."dob" IS NULL)',
    # The date of birth alone: both names edited and the postcode mistyped. Against the
    # county it pairs every child born that day; one file's rows share a date far less.
    'l."dob" = r."dob"',
    # One name in the same postcode sector where a row has no date (a slip in the other
    # name and in the postcode's last letters).
    'l."sector" = r."sector" AND l."given_name" = r."given_name" '
    'AND (l."dob" IS NULL OR r."dob" IS NULL)',
    'l."sector" = r."sector" AND l."family_name" = r."family_name" '
    'AND (l."dob" IS NULL OR r."dob" IS NULL)',
    # The source's own identifier: one child under two keys of one source, whatever else
    # was keyed differently (a row of a source holds one such identifier of each issuer, so
    # the lists are equal where they share one). Against the county it is not needed: a
    # source's rows already linked keep their child by their key.
    'l."local_ids" = r."local_ids"',
]

# EM re-estimates m one group of comparisons at a time, blocking on the others.
TRAINING_BLOCKS = [
    'l."dob" = r."dob" AND l."postcode" = r."postcode"',
    'l."given_name" = r."given_name" AND l."family_name" = r."family_name"',
    'l."nhs" = r."nhs"',
]


def splink_settings(settings: dict[str, Any]) -> dict[str, Any]:
    """The settings as Splink takes them: without this model's own keys."""
    return {k: v for k, v in settings.items() if not k.startswith("childindex_")}


def default_settings() -> dict[str, Any]:
    """The untrained model: the comparisons with their prior m and u probabilities."""
    return {
        "link_type": "link_only",
        "unique_id_column_name": "unique_id",
        "probability_two_random_records_match": PROBABILITY_TWO_RANDOM_RECORDS_MATCH,
        "retain_matching_columns": True,
        "retain_intermediate_calculation_columns": True,
        "blocking_rules_to_generate_predictions": [
            {"blocking_rule": rule, "sql_dialect": "duckdb"} for rule in BLOCKING_RULES
        ],
        "comparisons": copy.deepcopy(COMPARISONS),
        TERM_FREQUENCY_KEY: copy.deepcopy(TERM_FREQUENCY),
        "sql_dialect": "duckdb",
        "em_convergence": 0.001,
        "max_iterations": 20,
    }
