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


def _null(columns: str, label: str) -> dict[str, Any]:
    return {"sql_condition": columns, "label_for_charts": label, "is_null_level": True}


def _else(m: float, u: float) -> dict[str, Any]:
    return _level("ELSE", "All other comparisons", m, u)


def _identifier(column: str, label: str) -> dict[str, Any]:
    return {
        "output_column_name": column,
        "comparison_description": f"{label}: the same type of identifier only",
        "comparison_levels": [
            _null(f'"{column}_l" IS NULL OR "{column}_r" IS NULL', f"{label} missing"),
            _level(f'"{column}_l" = "{column}_r"', f"Same {label}", 0.998, 1e-6),
            # Two valid identifiers of one type that differ: rarely the same child (a typing
            # slip fails the check digit and the row is rejected before it gets here).
            _else(0.002, 0.999999),
        ],
    }


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
                'jaro_winkler_similarity("given_name_l", "given_name_r") >= 0.8',
                "Given name similar",
                0.01,
                0.02,
            ),
            _else(0.01, 0.966),
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
                'jaro_winkler_similarity("family_name_l", "family_name_r") >= 0.8',
                "Family name similar",
                0.01,
                0.01,
            ),
            _else(0.015, 0.983),
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
            _else(0.01, 0.99785),
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
        "comparison_description": "Address and postcode",
        "comparison_levels": [
            _null('"postcode_l" IS NULL OR "postcode_r" IS NULL', "No postcode"),
            _level(
                '"postcode_l" = "postcode_r" AND "address_l" = "address_r"',
                "Same address",
                0.8,
                0.00005,
            ),
            _level('"postcode_l" = "postcode_r"', "Same postcode", 0.08, 0.0003),
            _level(
                'len(list_intersect("postcodes_l", "postcodes_r")) > 0',
                "A previous address",
                0.08,
                0.0002,
            ),
            _level('"sector_l" = "sector_r"', "Same postcode sector", 0.03, 0.01),
            _else(0.01, 0.98945),
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
]

# EM re-estimates m one group of comparisons at a time, blocking on the others.
TRAINING_BLOCKS = [
    'l."dob" = r."dob" AND l."postcode" = r."postcode"',
    'l."given_name" = r."given_name" AND l."family_name" = r."family_name"',
    'l."nhs" = r."nhs"',
]


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
        "sql_dialect": "duckdb",
        "em_convergence": 0.001,
        "max_iterations": 20,
    }
