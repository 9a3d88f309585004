"""A linkage model estimated without labels from an LA's own data, the way Splink does it.

``estimate(settings, index, records)`` is what an LA's first import of a source is scored
with: the index's children (``index``, may be empty) and the incoming rows (``records``),
both as linkage tables (``model.link_table``). No truth is used:

- the prior (the chance that a random pair is one child) from deterministic rules: pairs
  that agree on an NHS number, or on both names and the date of birth, counted as matches
  found with a recall of ``PRIOR_RECALL``;
- u by random sampling of pairs;
- m by EM on blocked pairs (``comparisons.TRAINING_BLOCKS``: each block trains the
  comparisons it does not block on), starting from the hand-set m, which also stay where a
  level was not seen often enough, or EM did not converge to something usable.

The result is new settings (JSON-able) with ``ESTIMATE_KEY`` saying how they were made.
Rows are sampled (``MAX_ROWS`` of each side) so that a large first import is not slowed much.
"""

from __future__ import annotations

import copy
import logging
import math
import random
import time
from typing import Any

import duckdb
import pyarrow as pa

from childindex.linkage.comparisons import (
    COLUMNS,
    TERM_FREQUENCY_KEY,
    TRAINING_BLOCKS,
    splink_settings,
)
from childindex.linkage.model import ScoringSql, _quiet

ESTIMATE_KEY = "childindex_estimate"
MAX_ROWS = 60_000  # of each side: enough for every level, a few seconds at most
MAX_U_PAIRS = 150_000
PRIOR_RECALL = 0.8
DETERMINISTIC_RULES = [
    'l."nhs" = r."nhs"',
    'l."given_name" = r."given_name" AND l."family_name" = r."family_name" AND l."dob" = r."dob"',
]
# The prior is kept within these (one child in 20 to one in 50 million pairs).
PRIOR_RANGE = (2e-8, 0.05)


def _sample(table: pa.Table, size: int, seed: int) -> pa.Table:
    if table.num_rows <= size:
        return table
    rows = sorted(random.Random(seed).sample(range(table.num_rows), size))
    return table.take(pa.array(rows, type=pa.int64()))


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    value = float(value)
    return value if math.isfinite(value) and 0 < value <= 1 else None


def _keep_usable(seed: dict[str, Any], trained: dict[str, Any]) -> None:
    """Where estimation left a level without a usable m or u, the seed's value stays; a
    comparison estimation lost (Splink drops one whose EM block found no pairs) is the
    seed's; the comparisons keep the seed's order."""
    found = {c["output_column_name"]: c for c in trained["comparisons"]}
    comparisons = []
    for seeded in seed["comparisons"]:
        comparison = found.get(seeded["output_column_name"])
        if comparison is None or len(comparison["comparison_levels"]) != len(
            seeded["comparison_levels"]
        ):
            comparisons.append(copy.deepcopy(seeded))
            continue
        for before, level in zip(
            seeded["comparison_levels"], comparison["comparison_levels"], strict=True
        ):
            if level.get("is_null_level"):
                continue
            for key in ("m_probability", "u_probability"):
                if _number(level.get(key)) is None:
                    level[key] = before[key]
        comparisons.append(comparison)
    trained["comparisons"] = comparisons


MIN_EM_PAIRS = 50


def _estimate_u(
    con: duckdb.DuckDBPyConnection,
    settings: dict[str, Any],
    max_pairs: float,
    seed: int,
    *,
    linked: bool,
) -> int:
    """u by random sampling, as Splink's ``estimate_u_using_random_sampling``: the share of
    random pairs at each level (nearly all are two different children). One query for every
    comparison (Splink runs one per comparison, ten times slower here). Levels not seen keep
    the seed's u; fixed ones keep theirs. Returns the pairs sampled."""
    sql = ScoringSql(settings)
    side = max(2, int(math.sqrt(max_pairs)))
    right = "estimate_index" if linked else "estimate_rows"
    sides = ", ".join(
        [f'l."{c}" AS "{c}_l", r."{c}" AS "{c}_r"' for c in COLUMNS if c != "unique_id"]
    )
    sample = "USING SAMPLE reservoir({n} ROWS) REPEATABLE ({seed})"
    query = (
        f"WITH l AS (SELECT * FROM estimate_rows {sample.format(n=side, seed=seed)}), "  # noqa: S608
        f"r AS (SELECT * FROM {right} {sample.format(n=side, seed=seed + 7)}), "
        f"pairs AS (SELECT {sides} FROM l CROSS JOIN r WHERE l.unique_id <> r.unique_id), "
        f"vectors AS (SELECT {', '.join(sql.gammas)} FROM pairs) "
        "SELECT "
        + ", ".join(
            f'histogram("gamma_{c["output_column_name"]}")' for c in settings["comparisons"]
        )
        + ", count(*) FROM vectors"
    )
    *histograms, total = con.execute(query).fetchall()[0]
    for comparison, counts in zip(settings["comparisons"], histograms, strict=True):
        counts = dict(counts or {})
        seen = sum(n for gamma, n in counts.items() if gamma >= 0)
        levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
        for position, level in enumerate(levels):
            gamma = len(levels) - 1 - position
            if level.get("fix_u_probability") or not seen or not counts.get(gamma):
                continue
            level["u_probability"] = counts[gamma] / seen
    return int(total)


def _pairs(con: duckdb.DuckDBPyConnection, rule: str, linked: bool) -> int:
    """How many pairs a blocking rule makes (EM needs some; Splink fails without)."""
    if linked:
        sql = f"SELECT count(*) FROM estimate_index AS l JOIN estimate_rows AS r ON {rule}"  # noqa: S608
    else:
        sql = (
            "SELECT count(*) FROM estimate_rows AS l JOIN estimate_rows AS r "  # noqa: S608
            f"ON {rule} AND l.unique_id < r.unique_id"
        )
    return int(con.execute(sql).fetchall()[0][0])


def estimate(
    settings: dict[str, Any],
    index: pa.Table,
    records: pa.Table,
    *,
    seed: int = 1,
    max_rows: int = MAX_ROWS,
    max_u_pairs: float = MAX_U_PAIRS,
) -> dict[str, Any]:
    """Settings estimated without labels on ``index`` and ``records`` (see the module)."""
    from splink import DuckDBAPI, Linker
    from splink.internals.exceptions import EMTrainingException

    _quiet()
    logging.getLogger("splink").setLevel(logging.ERROR)  # "level not observed": the seed stays
    started = time.monotonic()
    index = _sample(index, max_rows, seed)
    records = _sample(records, max_rows, seed + 1)
    if records.num_rows < 2:
        raise ValueError("too few rows to estimate a model on")
    # One thread: DuckDB's parallel sums differ in their last bits from run to run, and the
    # same rows must give the same model (and so the same decisions) every time. The u query
    # runs on one thread anyway; EM on two was no faster here (2.3 to 2.9 s either way).
    con = duckdb.connect(":memory:", config={"threads": 1})
    try:
        db = DuckDBAPI(con)
        base = splink_settings(copy.deepcopy(settings))
        con.register("estimate_index", index)
        con.register("estimate_rows_arrow", records)
        con.execute("CREATE TABLE estimate_rows AS SELECT * FROM estimate_rows_arrow")
        con.unregister("estimate_rows_arrow")
        if index.num_rows:
            # The incoming rows against the children they may be (a link of two datasets).
            base["link_type"] = "link_only"
            inputs = [
                db.register("estimate_index", table_name="estimate_index_input"),
                db.register("estimate_rows", table_name="estimate_rows_input"),
            ]
        else:
            # An empty index (the first feed creates it): the rows' own duplicates.
            base["link_type"] = "dedupe_only"
            inputs = [db.register("estimate_rows", table_name="estimate_rows_input")]
        linker = Linker(inputs, base, log_level=None, validate_settings=False)
        facts: dict[str, Any] = {
            "method": "unsupervised (Splink: prior from deterministic rules, u by random "
            "sampling, m by EM on blocked pairs)",
            "index_rows": index.num_rows,
            "rows": records.num_rows,
            "seed": seed,
        }
        prior = None
        try:
            linker.training.estimate_probability_two_random_records_match(
                list[Any](DETERMINISTIC_RULES), recall=PRIOR_RECALL
            )
            prior = linker._settings_obj._probability_two_random_records_match
            facts["prior_from_rules"] = True
        except Exception:  # noqa: BLE001 - Splink raises plain errors when no pair agrees
            facts["prior_from_rules"] = False
        facts["u_pairs"] = _estimate_u(con, base, max_u_pairs, seed, linked=bool(index.num_rows))
        linker = Linker(inputs, base, log_level=None, validate_settings=False)
        if prior is not None:
            linker._settings_obj._probability_two_random_records_match = prior
        trained_blocks = []
        for rule in TRAINING_BLOCKS:
            if _pairs(con, rule, bool(index.num_rows)) < MIN_EM_PAIRS:
                continue
            try:
                linker.training.estimate_parameters_using_expectation_maximisation(
                    rule, estimate_without_term_frequencies=True
                )
            except EMTrainingException:
                continue  # no pairs under this rule: the seed's m stays for what it trains
            trained_blocks.append(rule)
        facts["em_blocks"] = trained_blocks
        estimated = linker.misc.save_model_to_json()
    finally:
        con.close()
    estimated.pop("linker_uid", None)
    estimated["link_type"] = settings.get("link_type", "link_only")
    _keep_usable(settings, estimated)
    prior = _number(estimated.get("probability_two_random_records_match"))
    if prior is None or not facts["prior_from_rules"]:
        prior = settings["probability_two_random_records_match"]
    estimated["probability_two_random_records_match"] = min(
        max(prior, PRIOR_RANGE[0]), PRIOR_RANGE[1]
    )
    if TERM_FREQUENCY_KEY in settings:
        estimated[TERM_FREQUENCY_KEY] = copy.deepcopy(settings[TERM_FREQUENCY_KEY])
    facts["prior"] = estimated["probability_two_random_records_match"]
    facts["seconds"] = round(time.monotonic() - started, 2)
    estimated[ESTIMATE_KEY] = facts
    return estimated
