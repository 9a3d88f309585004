"""The record-linkage model: Splink (Fellegi-Sunter) on an in-process DuckDB.

Plain Python behind a small API, so the feed importer, the review queue and the tests use it
without knowing Splink:

- ``Scorer(settings)`` holds the index's children as a DuckDB table (``add_index``) and scores
  feed rows against them (``score``: blocked pairs only) or against each other
  (``score_within``: rows that would create children, to catch a source's own duplicates).
- ``train(settings, index, records)`` re-estimates the m and u probabilities by EM on the
  index's children and the feed rows linked to them, and returns new settings (JSON-able).

Each candidate carries every comparison's level and match weight: the evidence a person sees
in the review queue.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa

from childindex.linkage.comparisons import (
    COLUMNS,
    LIST_COLUMNS,
    TERM_FREQUENCY_KEY,
    TRAINING_BLOCKS,
    splink_settings,
)
from childindex.linkage.normalise import (
    GENDERS,
    LinkRecord,
    address_key,
    dob_columns,
    family_key_columns,
    given_key_columns,
    identifier_key,
    local_ids,
    postcode_key_columns,
    town_key,
)

_INT_COLUMNS = frozenset({"birth_year"})


def _schema() -> pa.Schema:
    fields = []
    for name in COLUMNS:
        if name in LIST_COLUMNS:
            fields.append(pa.field(name, pa.list_(pa.string())))
        elif name in _INT_COLUMNS:
            fields.append(pa.field(name, pa.int32()))
        else:
            fields.append(pa.field(name, pa.string()))
    return pa.schema(fields)


SCHEMA = _schema()


def to_table(rows: Iterable[dict[str, Any]]) -> pa.Table:
    """Normalised rows (``LinkRecord.row()``) as an Arrow table with the model's columns."""
    listed = rows if isinstance(rows, list) else list(rows)
    return pa.Table.from_arrays(
        [pa.array([r[f.name] for r in listed], type=f.type) for f in SCHEMA], schema=SCHEMA
    )


def _facts(
    keys: dict[Any, int],
    compute: Callable[..., tuple[Any, ...]],
    names: Sequence[str],
    positions: list[int],
) -> list[pa.Array]:
    """The columns ``compute`` gives for each distinct key, taken in the rows' order."""
    values = [compute(*key) for key in keys]
    take = pa.array(positions, type=pa.int32())
    return [
        pa.array([v[i] for v in values], type=SCHEMA.field(name).type).take(take)
        for i, name in enumerate(names)
    ]


def link_table(records: Iterable[LinkRecord]) -> pa.Table:
    """``to_table(r.row() for r in records)``, built column by column (``link_columns``)."""
    rows = records if isinstance(records, list) else list(records)
    return link_columns(
        uids=[r.unique_id for r in rows],
        given=[r.given_names or "" for r in rows],
        other_given=[tuple(r.other_given_names) if r.other_given_names else () for r in rows],
        family=[r.family_name or "" for r in rows],
        other_family=[tuple(r.other_family_names) if r.other_family_names else () for r in rows],
        dob=[r.date_of_birth for r in rows],
        gender=[r.gender for r in rows],
        postcode=[r.postcode or None for r in rows],
        other_postcodes=[tuple(r.other_postcodes) if r.other_postcodes else () for r in rows],
        address=[r.address_line_1 or None for r in rows],
        identifiers={
            kind: [r.identifiers.get(kind) if r.identifiers else None for r in rows]
            for kind in ("nhs", "chi", "hc", "upn")
        },
        local=[r.local_identifiers for r in rows],
        town=[r.town for r in rows],
    )


def link_columns(
    *,
    uids: list[str],
    given: list[str],
    other_given: list[tuple[str, ...]],
    family: list[str],
    other_family: list[tuple[str, ...]],
    dob: list[dt.date | None],
    gender: list[str | None],
    postcode: list[str | None],
    other_postcodes: list[tuple[str, ...]],
    address: list[str | None],
    identifiers: dict[str, list[str | None]],
    local: list[Iterable[str] | None],
    town: list[str | None] | None = None,
) -> pa.Table:
    """The linkage table of records given as columns (what ``LinkRecord`` holds, one list
    per attribute; other names and postcodes as tuples). Each name, date, postcode and
    address is normalised once however many rows hold it (an index of 250,000 children has a
    few thousand given names), so a row costs a few dictionary look-ups."""
    given_keys: dict[tuple[Any, ...], int] = {}
    family_keys: dict[tuple[Any, ...], int] = {}
    postcode_keys: dict[tuple[Any, ...], int] = {}
    dob_keys: dict[tuple[Any, ...], int] = {}
    address_keys: dict[tuple[Any, ...], int] = {}
    # dict.setdefault(key, len(d)): the key's position, a new key taking the next one.
    positions = {
        "given": [
            given_keys.setdefault(k, len(given_keys)) for k in zip(given, other_given, strict=True)
        ],
        "family": [
            family_keys.setdefault(k, len(family_keys))
            for k in zip(family, other_family, strict=True)
        ],
        "postcode": [
            postcode_keys.setdefault(k, len(postcode_keys))
            for k in zip(postcode, other_postcodes, strict=True)
        ],
        "dob": [dob_keys.setdefault((d,), len(dob_keys)) for d in dob],
        "address": [address_keys.setdefault((a,), len(address_keys)) for a in address],
    }
    columns: dict[str, pa.Array] = {
        "unique_id": pa.array(uids, type=pa.string()),
        "gender": pa.array([g if g in GENDERS else None for g in gender], type=pa.string()),
        "local_ids": pa.array(
            [local_ids(v) if v else None for v in local], type=pa.list_(pa.string())
        ),
        "town": pa.array(
            [town_key(t) for t in town] if town is not None else [None] * len(uids),
            type=pa.string(),
        ),
    }
    for kind, values in identifiers.items():
        columns[kind] = pa.array(
            [identifier_key(v) if v else None for v in values], type=pa.string()
        )
    for names, keys, compute, key in (
        (
            ("given_name", "given_tokens", "given_variants", "given_phonetic"),
            given_keys,
            given_key_columns,
            "given",
        ),
        (
            ("family_name", "family_names", "family_phonetic"),
            family_keys,
            family_key_columns,
            "family",
        ),
        (("postcode", "postcodes", "sector"), postcode_keys, postcode_key_columns, "postcode"),
        (("dob", "dob_swapped", "birth_year"), dob_keys, dob_columns, "dob"),
        (("address",), address_keys, _address_column, "address"),
    ):
        columns.update(zip(names, _facts(keys, compute, names, positions[key]), strict=True))
    return pa.Table.from_arrays([columns[f.name] for f in SCHEMA], schema=SCHEMA)


def _address_column(line_1: str | None) -> tuple[str | None]:
    return (address_key(line_1) if line_1 else None,)


@dataclass(frozen=True)
class Evidence:
    """One comparison's verdict on a pair: its level and that level's match weight."""

    comparison: str
    level: str
    weight: float


@dataclass(frozen=True)
class Candidate:
    """A scored pair: a feed row (``record_id``) and a child or another row (``other_id``),
    with each comparison's level (``gammas``) and match weight (``weights``), in the order
    of ``index.names``."""

    record_id: str
    other_id: str
    weight: float
    probability: float
    gammas: tuple[int, ...]
    weights: tuple[float, ...]
    index: LevelIndex

    def level(self, comparison: str) -> int:
        position = self.index.position.get(comparison)
        return -1 if position is None else self.gammas[position]

    @property
    def levels(self) -> dict[str, int]:
        return dict(zip(self.index.names, self.gammas, strict=True))

    @property
    def evidence(self) -> tuple[Evidence, ...]:
        return tuple(
            Evidence(n, self.index.label(n, g), round(w, 2))
            for n, g, w in zip(self.index.names, self.gammas, self.weights, strict=True)
        )

    def flipped(self) -> Candidate:
        return Candidate(
            self.other_id,
            self.record_id,
            self.weight,
            self.probability,
            self.gammas,
            self.weights,
            self.index,
        )


class LevelIndex:
    """Splink numbers a comparison's levels top-down from n-1 to 0 (null is -1)."""

    def __init__(self, settings: dict[str, Any]) -> None:
        self.labels: dict[str, dict[int, str]] = {}
        self.top: dict[str, int] = {}
        self.derived: dict[str, Any] = {}  # rules worked out from these levels, kept once
        self.names = tuple(c["output_column_name"] for c in settings["comparisons"])
        self.position = {name: i for i, name in enumerate(self.names)}
        for comparison in settings["comparisons"]:
            name = comparison["output_column_name"]
            levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
            count = len(levels)
            self.labels[name] = {
                count - 1 - i: lv["label_for_charts"] for i, lv in enumerate(levels)
            }
            self.labels[name][-1] = next(
                (
                    lv["label_for_charts"]
                    for lv in comparison["comparison_levels"]
                    if lv.get("is_null_level")
                ),
                "Missing",
            )
            self.top[name] = count - 1

    def label(self, comparison: str, gamma: int) -> str:
        return self.labels.get(comparison, {}).get(gamma, str(gamma))


def _quiet() -> None:
    for name in ("splink", "duckdb"):
        logging.getLogger(name).setLevel(logging.WARNING)


TF_PSEUDO_COUNT = 500  # names: a term frequency is drawn towards u as if seen among so many
_CLAMP = 1e-300  # Splink's floor for m and u in a match weight (M_U_CLAMP_MIN)


def _probability(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return max(float(value), _CLAMP)


def blocking_pairs(rule: str) -> list[tuple[str, str]] | None:
    """A blocking rule ``l."a" = r."b" AND ...`` as its (a, b) pairs; None for any other
    kind of rule."""
    pairs = []
    for part in re.split(r"\s+AND\s+", rule.strip()):
        found = re.match(r'^l\."(\w+)"\s*=\s*r\."(\w+)"$', part.strip())
        if not found:
            return None
        pairs.append((found.group(1), found.group(2)))
    return pairs


class ScoringSql:
    """The model's scoring as one DuckDB query over blocked pairs, written from its Splink
    settings as Splink writes it (``predict``): each comparison's gamma is the first level
    whose SQL holds (null level -1, then n-1 down to 0), its match weight log2(m/u) (0 for
    the null level), a pair's weight the prior's plus the sum, its probability from that.

    Splink's own ``predict_between`` gives the same pairs, gammas, weights and probabilities
    to the bit (``test_direct_scoring_is_splinks``); this skips its per-call work (building
    and parsing SQL, a dataset per call, string join keys), half of an import's scoring.
    ``supported`` is False for settings it does not cover (term-frequency adjustments, a
    level without a number for m or u), which Splink then scores.

    ``within``: the pairs of the rows with each other (``feed_rows`` on both sides, each pair
    once, the lower id on the left), as Splink's ``dedupe_only`` predicts them, and like it
    without this model's term-frequency adjustment."""

    def __init__(self, settings: dict[str, Any], *, within: bool = False) -> None:
        self.supported = True
        self.names = [c["output_column_name"] for c in settings["comparisons"]]
        # Term frequency adjustments (``comparisons.TERM_FREQUENCY``): the column, and the
        # share of the names held that each value has, joined onto both sides.
        self.term_frequency: list[str] = []
        self._frequency_u: dict[str, float] = {}
        frequency = {} if within else settings.get(TERM_FREQUENCY_KEY) or {}
        gammas, weights = [], []
        for comparison in settings["comparisons"]:
            name = comparison["output_column_name"]
            levels = comparison["comparison_levels"]
            adjust = frequency.get(name)
            if adjust is not None and name in COLUMNS:
                self.term_frequency.append(name)
            value = sum(1 for lv in levels if not lv.get("is_null_level")) - 1
            gamma, weight = ["CASE"], ["CASE"]
            for level in levels:
                if level.get("tf_adjustment_column") or level.get("tf_adjustment_weight"):
                    self.supported = False
                if level.get("is_null_level"):
                    gamma.append(f"WHEN {level['sql_condition']} THEN -1")
                    weight.append(f"WHEN gamma_{name} = -1 THEN CAST(0.0 AS FLOAT8)")
                    continue
                condition = level["sql_condition"]
                gamma.append(
                    f"ELSE {value}"
                    if condition.strip().upper() == "ELSE"
                    else f"WHEN {condition} THEN {value}"
                )
                m, u = (
                    _probability(level.get("m_probability")),
                    _probability(level.get("u_probability")),
                )
                if m is None or u is None:
                    self.supported = False
                    m = u = 1.0
                base = f"CAST({math.log2(m / u)!r} AS FLOAT8)"
                if adjust is not None and level.get("label_for_charts") == adjust["label"]:
                    # Splink's adjustment: weight x log2(u / tf), tf no lower than minimum.
                    minimum = float(adjust.get("minimum", 0.0001))
                    self._frequency_u[name] = u
                    base += (
                        f" + CAST({float(adjust.get('weight', 1.0))!r} AS FLOAT8) * "
                        f'log2(CAST({u!r} AS FLOAT8) / greatest("tf_{name}_l", '
                        f"CAST({minimum!r} AS FLOAT8)))"
                    )
                weight.append(f"WHEN gamma_{name} = {value} THEN {base}")
                value -= 1
            gammas.append(" ".join([*gamma, f'END AS "gamma_{name}"']))
            weights.append(" ".join([*weight, f'END AS "mw_{name}"']))
        self.gammas = gammas  # each comparison's gamma as a SQL expression over a pair's sides
        p = settings["probability_two_random_records_match"]
        prior = math.log2(p / (1 - p))
        columns = [c for c in COLUMNS if c != "unique_id"]
        both_sides = ", ".join(
            ["l.unique_id AS unique_id_l", "r.unique_id AS unique_id_r"]
            + [f'l."{c}" AS "{c}_l", r."{c}" AS "{c}_r"' for c in columns]
            + [f'coalesce("tf_{c}".tf, 1.0) AS "tf_{c}_l"' for c in self.term_frequency]
        )
        frequency_joins = "".join(
            f' LEFT JOIN "tf_{c}" ON "tf_{c}".value = l."{c}"' for c in self.term_frequency
        )
        # Each name's share of the names held by the index and the incoming rows, drawn
        # towards the level's u by TF_PSEUDO_COUNT names (a small index says little).
        self.frequencies = {
            c: (
                f'CREATE OR REPLACE TEMP TABLE "tf_{c}" AS '  # noqa: S608 - own SQL
                f"SELECT value, (CAST(count(*) AS FLOAT8) + {TF_PSEUDO_COUNT * u!r}) / "
                f"(sum(count(*)) OVER () + {TF_PSEUDO_COUNT}) AS tf FROM "
                f'(SELECT "{c}" AS value FROM index_children '
                f'UNION ALL SELECT "{c}" FROM feed_rows) WHERE value IS NOT NULL GROUP BY value'
            )
            for c, u in self._frequency_u.items()
        }
        # The same shares from the index's counts given as a table (``Scorer.index_counts``:
        # the whole index's names when the index table holds only some of its children).
        self.counted_frequencies = {
            c: (
                f'CREATE OR REPLACE TEMP TABLE "tf_{c}" AS '  # noqa: S608 - own SQL
                f"SELECT value, (CAST(sum(n) AS FLOAT8) + {TF_PSEUDO_COUNT * u!r}) / "
                f"(sum(sum(n)) OVER () + {TF_PSEUDO_COUNT}) AS tf FROM "
                f'(SELECT value, n FROM "index_counts_{c}" '
                f'UNION ALL SELECT "{c}", 1 FROM feed_rows) WHERE value IS NOT NULL GROUP BY value'
            )
            for c, u in self._frequency_u.items()
        }
        total = " + ".join([f"CAST({prior!r} AS FLOAT8)", *(f'"mw_{n}"' for n in self.names)])
        power = "POWER(CAST(2 AS FLOAT8), {})"
        # The pairs any blocking rule makes (each once), by row position: the index's rows
        # are then read only for the children paired (a hash join built on the pairs).
        rules = [
            rule["blocking_rule"] if isinstance(rule, dict) else str(rule)
            for rule in settings["blocking_rules_to_generate_predictions"]
        ]
        other = "feed_rows" if within else "index_children"
        self.pairs = " UNION ".join(
            "SELECT l.rowid AS lr, r.rowid AS rr FROM feed_rows AS l "  # noqa: S608 - own SQL
            + (
                f"JOIN feed_rows AS r ON ({rule}) AND l.unique_id < r.unique_id"
                if within
                else f"JOIN index_children AS r ON {rule}"
            )
            for rule in rules
        )
        self.score = (
            f"WITH sides AS (SELECT {both_sides} FROM feed_pairs AS p "  # noqa: S608 - own SQL
            f"JOIN feed_rows AS l ON l.rowid = p.lr JOIN {other} AS r ON r.rowid = p.rr"
            f"{frequency_joins}), "
            "vectors AS (SELECT unique_id_l, unique_id_r, "
            + "".join(f'"tf_{c}_l", ' for c in self.term_frequency)
            + f"{', '.join(gammas)} FROM sides), "  # noqa: S608 - own SQL
            f"parts AS (SELECT *, {', '.join(weights)} FROM vectors), "
            f"scored AS (SELECT *, {total} AS match_weight FROM parts) "
            "SELECT unique_id_l, unique_id_r, match_weight, "
            f"CASE WHEN match_weight >= 0 THEN 1.0 / (1.0 + {power.format('-match_weight')}) "
            f"ELSE {power.format('match_weight')} / (1.0 + {power.format('match_weight')}) END, "
            + ", ".join(f'"gamma_{n}"' for n in self.names)
            + ", "
            + ", ".join(f'"mw_{n}"' for n in self.names)
            + " FROM scored WHERE match_weight >= ? "
            "ORDER BY unique_id_l, match_weight DESC, unique_id_r"
        )


class Scorer:
    """Scores feed rows against the index's children with one model version's settings."""

    def __init__(self, settings: dict[str, Any], *, threads: int | None = None) -> None:
        from splink import DuckDBAPI

        _quiet()
        self.settings = settings
        self.levels = LevelIndex(settings)
        self._rules = [
            rule["blocking_rule"] if isinstance(rule, dict) else str(rule)
            for rule in settings["blocking_rules_to_generate_predictions"]
        ]
        self._con = duckdb.connect(":memory:")
        if threads:
            self._con.execute(f"SET threads = {int(threads)}").fetchall()
        self._db = DuckDBAPI(self._con)
        self._con.register("empty_index", to_table([]))
        self._run("CREATE TABLE index_children AS SELECT * FROM empty_index")
        self._con.unregister("empty_index")
        self._index_df = self._db.register("index_children", table_name="index_children_input")
        self._splink: Any = None  # Splink's linker, made when first needed (see ``_linker``)
        self._batches = 0
        self._sql = ScoringSql(settings)
        self._within_sql = ScoringSql(settings, within=True)
        self._counted = False  # term frequencies from ``index_counts``, not the table

    @property
    def _linker(self) -> Any:
        """Splink's linker over the index table, made on first use: the plain-SQL scorer
        (``_score_direct``) never needs it, and making it is a tenth of a second, which a
        small run (a Bundle, a $match) would otherwise pay for nothing."""
        if self._splink is None:
            from splink import Linker

            self._splink = Linker(
                self._index_df,
                splink_settings(self.settings),
                log_level=None,
                validate_settings=False,
            )
        return self._splink

    @property
    def index_size(self) -> int:
        return int(self._run("SELECT count(*) FROM index_children")[0][0])

    def _run(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        """Execute and read every row (DuckDB refuses new work while a result is open)."""
        return self._con.execute(sql, params or []).fetchall()

    def add_index(self, rows: Iterable[dict[str, Any]] | pa.Table) -> None:
        """Add children to the index table (their ``unique_id`` is the child's key)."""
        table = rows if isinstance(rows, pa.Table) else to_table(rows)
        if table.num_rows:
            self._con.register("incoming", table)
            self._run("INSERT INTO index_children SELECT * FROM incoming")
            self._con.unregister("incoming")

    def replace_index(self, rows: Iterable[dict[str, Any]] | pa.Table) -> None:
        """Replace (or add) these children's rows: their record changed."""
        table = rows if isinstance(rows, pa.Table) else to_table(rows)
        if table.num_rows:
            self._con.register("incoming", table)
            self._run(
                "DELETE FROM index_children WHERE unique_id IN (SELECT unique_id FROM incoming)"
            )
            self._run("INSERT INTO index_children SELECT * FROM incoming")
            self._con.unregister("incoming")

    def remove_index(self, ids: Iterable[str]) -> None:
        """Drop children from the index table (merged into another record, or a $match call's
        candidates once it has been answered)."""
        wanted = list(ids)
        if wanted:
            self._run("DELETE FROM index_children WHERE unique_id IN (SELECT unnest(?))", [wanted])

    def _register(self, rows: Sequence[dict[str, Any]] | pa.Table) -> Any:
        self._batches += 1
        table = rows if isinstance(rows, pa.Table) else to_table(rows)
        return self._db.register(table, table_name=f"feed_rows_{self._batches}")

    def _candidates(
        self, predictions: Any, min_weight: float, *, within: bool = False
    ) -> list[Candidate]:
        names = [c["output_column_name"] for c in self.settings["comparisons"]]
        columns = ", ".join(
            ["unique_id_l", "unique_id_r", "match_weight", "match_probability"]
            + [f'"gamma_{n}"' for n in names]
            + [f'"mw_{n}"' for n in names]
        )
        result = self._run(
            f"SELECT {columns} FROM {predictions.physical_name} "  # noqa: S608 - own names
            f"WHERE match_weight >= ? {'AND unique_id_l < unique_id_r' if within else ''} "
            "ORDER BY unique_id_l, match_weight DESC, unique_id_r",
            [min_weight],
        )
        predictions.drop_table_from_database_and_remove_from_cache()
        out = []
        count = len(names)
        index = self.levels
        for row in result:
            gammas = tuple(int(g) for g in row[4 : 4 + count])
            weights = tuple(float(w or 0.0) for w in row[4 + count : 4 + 2 * count])
            probability = float(row[3]) if row[3] is not None and not math.isnan(row[3]) else 0.0
            out.append(
                Candidate(
                    str(row[0]),
                    str(row[1]),
                    round(float(row[2]), 3),
                    probability,
                    gammas,
                    weights,
                    index,
                )
            )
        return out

    def score(
        self, rows: Sequence[dict[str, Any]] | pa.Table, *, min_weight: float
    ) -> list[Candidate]:
        """Every blocked pair (feed row, child) scoring at least ``min_weight``, best first
        within each row.

        The children any blocking rule can pair with these rows are picked first (one hash
        semi-join per rule), so Splink's own blocking and scoring see only them, not the
        whole index: a chunk of rows costs the same against 250,000 children as against
        50,000."""
        table = rows if isinstance(rows, pa.Table) else to_table(rows)
        if not table.num_rows or not self.index_size:
            return []
        if self._sql.supported:
            return self._score_direct(table, min_weight)
        new = self._register(table)
        subset = f"index_subset_{self._batches}"
        pairs = " UNION ".join(
            f"SELECT r.unique_id FROM {new.physical_name} AS l "  # noqa: S608 - own names
            f"JOIN index_children AS r ON {rule}"
            for rule in self._rules
        )
        self._run(
            f"CREATE TABLE {subset} AS SELECT * FROM index_children "  # noqa: S608
            f"WHERE unique_id IN ({pairs})"
        )
        right = self._db.register(subset, table_name=f"{subset}_input")
        try:
            predictions = self._linker.inference.predict_between(
                new,
                right,
                link_type="link_only",
                warning_mode="never",
                threshold_match_weight=min_weight,
            )
            return self._candidates(predictions, min_weight)
        finally:
            new.drop_table_from_database_and_remove_from_cache(force_non_splink_table=True)
            right.drop_table_from_database_and_remove_from_cache(force_non_splink_table=True)

    @property
    def frequency_columns(self) -> list[str]:
        """The columns whose values' shares of the index adjust a weight (term frequency)."""
        return list(self._sql.frequencies)

    @property
    def direct(self) -> bool:
        """Scored by the one DuckDB query (``ScoringSql``), not by Splink."""
        return self._sql.supported

    def index_counts(self, counts: dict[str, dict[str, int]] | None) -> None:
        """How often each value of the term-frequency columns occurs in the whole index, for
        an index table that holds only some of its children (the candidates of a small run):
        the shares are then counted from these, not from the table, so every weight is the
        one the whole index gives. None: counted from the table again."""
        for column in self._sql.frequencies:
            self._con.execute(f'DROP TABLE IF EXISTS "index_counts_{column}"')
        self._counted = counts is not None
        for column, seen in (counts or {}).items():
            if column not in self._sql.frequencies:
                continue
            table = pa.table(
                {
                    "value": pa.array(list(seen), type=pa.string()),
                    "n": pa.array(list(seen.values()), type=pa.int64()),
                }
            )
            self._con.register("incoming_counts", table)
            try:
                self._run(
                    f'CREATE TABLE "index_counts_{column}" AS '  # noqa: S608 - own names
                    "SELECT * FROM incoming_counts"
                )
            finally:
                self._con.unregister("incoming_counts")

    def _score_direct(
        self, table: pa.Table, min_weight: float, *, within: bool = False
    ) -> list[Candidate]:
        query = self._within_sql if within else self._sql
        self._con.register("incoming_rows", table)
        try:
            self._run("CREATE OR REPLACE TEMP TABLE feed_rows AS SELECT * FROM incoming_rows")
        finally:
            self._con.unregister("incoming_rows")
        try:
            self._run(f"CREATE OR REPLACE TEMP TABLE feed_pairs AS {query.pairs}")
            frequencies = query.counted_frequencies if self._counted else query.frequencies
            for sql in frequencies.values():
                self._run(sql)
            result = self._run(query.score, [min_weight])
        finally:
            self._run("DROP TABLE IF EXISTS feed_pairs")
            self._run("DROP TABLE IF EXISTS feed_rows")
            for column in query.frequencies:
                self._run(f'DROP TABLE IF EXISTS "tf_{column}"')
        count = len(query.names)
        index = self.levels
        nan = math.isnan
        return [
            Candidate(
                row[0],
                row[1],
                round(row[2], 3),
                0.0 if row[3] is None or nan(row[3]) else row[3],
                row[4 : 4 + count],
                row[4 + count : 4 + 2 * count],
                index,
            )
            for row in result
        ]

    def score_within(
        self, rows: Sequence[dict[str, Any]] | pa.Table, *, min_weight: float
    ) -> list[Candidate]:
        """Blocked pairs of rows within ``rows`` (each pair once, the lower id on the left), as
        Splink's ``dedupe_only`` predicts them: by the one DuckDB query where the settings
        allow (``ScoringSql(within=True)``), else by Splink."""
        table = rows if isinstance(rows, pa.Table) else to_table(rows)
        if table.num_rows < 2:
            return []
        if self._within_sql.supported:
            return self._score_direct(table, min_weight, within=True)
        left, right = self._register(table), self._register(table)
        predictions = self._linker.inference.predict_between(
            left,
            right,
            link_type="dedupe_only",
            warning_mode="never",
            threshold_match_weight=min_weight,
        )
        try:
            return self._candidates(predictions, min_weight, within=True)
        finally:
            left.drop_table_from_database_and_remove_from_cache(force_non_splink_table=True)
            right.drop_table_from_database_and_remove_from_cache(force_non_splink_table=True)

    def close(self) -> None:
        self._con.close()


def train(
    settings: dict[str, Any],
    index: pa.Table,
    records: pa.Table,
    *,
    max_pairs: float = 2e6,
    seed: int = 1,
) -> dict[str, Any]:
    """EM on the index: u from random pairs of children, m from pairs blocked on the other
    comparisons between children and the feed rows linked to them. Returns new settings."""
    from splink import DuckDBAPI, Linker

    _quiet()
    con = duckdb.connect(":memory:")
    db = DuckDBAPI(con)
    left = db.register(index, table_name="train_index")
    right = db.register(records, table_name="train_records")
    linker = Linker(
        [left, right], splink_settings(settings), log_level=None, validate_settings=False
    )
    from splink.internals.exceptions import EMTrainingException

    linker.training.estimate_u_using_random_sampling(max_pairs=max_pairs, seed=seed)
    trained_rules = 0
    for rule in TRAINING_BLOCKS:
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(
                rule, estimate_without_term_frequencies=True
            )
        except EMTrainingException:
            continue  # no pairs under this rule: the others train what it would have
        trained_rules += 1
    if not trained_rules:
        con.close()
        raise ValueError("too few linked rows to train on: import more feeds first")
    trained = linker.misc.save_model_to_json()
    con.close()
    trained.pop("linker_uid", None)
    if TERM_FREQUENCY_KEY in settings:
        trained[TERM_FREQUENCY_KEY] = settings[TERM_FREQUENCY_KEY]
    trained["probability_two_random_records_match"] = settings[
        "probability_two_random_records_match"
    ]
    return trained
