"""The one linkage facade: the index's children loaded into a scorer, candidates scored,
shielded children found, and each row's outcome decided.

Used by the feed import (a chunk at a time, the index read once per import and brought up
to date with the children a chunk changed), by training (the index as one table), by the
re-link dry run and by review decisions' writers (through ``write.Writer``, which needs no
scorer). Nothing here writes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from itertools import islice
from typing import Any

from childindex.linkage.comparisons import WITHIN_FILE_BLOCKING_RULES
from childindex.linkage.decide import Decision, Thresholds, decide
from childindex.linkage.model import Candidate, LevelIndex, Scorer, blocking_pairs, link_table
from childindex.linkage.normalise import LinkRecord
from childindex.records.models import Child, ChildIdentifier
from childindex.records.search_index import LINKAGE_KEY_COLUMNS
from childindex.sources.bulk import select_in, table
from childindex.sources.index_data import (
    index_blocking_matches,
    index_link_records,
    index_value_counts,
)

INDEX_BATCH = 50_000  # children read into the linkage table at a time (bounded memory)
# A run of at most this many rows (a Bundle, a small feed file) is scored against only the
# children its rows' blocking keys find (``CandidateIndex``) instead of the whole index.
SMALL_RUN = 5_000
# The columns of an index child that blocking reads from its stored linkage keys.
_CHEAP_COLUMNS = frozenset(LINKAGE_KEY_COLUMNS)
_IDENTIFIER_COLUMNS = frozenset({"nhs", "upn", "chi", "hc"})

Timer = Callable[[str], AbstractContextManager[Any]]


def chunks(iterable: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(iterable)
    while batch := list(islice(iterator, size)):
        yield batch


def index_tables() -> Iterator[Any]:
    """The index's children as linkage tables of ``INDEX_BATCH`` children each."""
    for batch in chunks(index_link_records(batch=INDEX_BATCH), INDEX_BATCH):
        yield link_table(batch)


def shielded_ids(ids: Iterable[str]) -> set[str]:
    """Which of these candidate ids (child ids as text; others ignored) are shielded."""
    numeric = sorted({int(i) for i in ids if i.isdigit()})
    if not numeric:
        return set()
    return {
        str(pk)
        for (pk,) in select_in(
            f"SELECT id FROM {table(Child)} WHERE shielded = %s AND id IN ({{}})",  # noqa: S608
            numeric,
            params=[True],
        )
    }


def candidate_json(c: Candidate) -> dict[str, Any]:
    """A candidate as a review item stores it (every comparison's level and weight)."""
    return {
        "child_id": int(c.other_id) if not c.other_id.startswith("r") else None,
        "weight": c.weight,
        "probability": round(c.probability, 6),
        "evidence": [
            {"comparison": e.comparison, "level": e.level, "weight": e.weight} for e in c.evidence
        ],
    }


class CandidateIndex:
    """A small run's rows scored against only the children their blocking keys find, with the
    same pairs, weights and decisions as against the whole index.

    The scorer pairs a row with a child when a blocking rule's columns are equal, so the
    children any rule can pair with the run's rows are found first: by identifier in the
    database, and by the rules' keys in each child's stored linkage keys
    (``records.ChildLinkageKeys``, kept with the search keys), through its indexes: never
    every child. Only those children's linkage rows are read and scored. The term-frequency
    adjustment counts each name's share of the WHOLE index, so the rows' names are counted in
    the same table and the scorer takes the counts (``Scorer.index_counts``): each weight is
    the whole index's.
    ``usable`` is False for settings this cannot follow (a blocking rule on other columns, or
    scoring by Splink), and the caller reads the whole index instead."""

    def __init__(self, settings: dict[str, Any]) -> None:
        self.scorer = Scorer(settings)
        rules = [
            rule["blocking_rule"] if isinstance(rule, dict) else str(rule)
            for rule in settings["blocking_rules_to_generate_predictions"]
        ]
        self.rules = [blocking_pairs(rule) for rule in rules]
        self.usable = (
            self.scorer.direct
            and set(self.scorer.frequency_columns) <= _CHEAP_COLUMNS
            and all(
                pairs is not None
                and (
                    all(right in _CHEAP_COLUMNS for _, right in pairs)
                    or (len(pairs) == 1 and pairs[0][1] in _IDENTIFIER_COLUMNS)
                )
                for pairs in self.rules
            )
        )
        self._held: list[str] = []

    def candidates(self, rows: Any) -> tuple[set[int], dict[str, dict[str, int]]]:
        """The ids of the children any blocking rule pairs with ``rows`` (a linkage table),
        and the whole index's counts of the rows' values of each term-frequency column (with
        every other value's count, so the shares' denominator is the whole index's)."""
        columns = {name: rows.column(name).to_pylist() for name in rows.column_names}
        wanted: list[tuple[list[str], set[tuple]]] = []
        by_identifier: dict[str, set[str]] = defaultdict(set)
        for pairs in self.rules:
            assert pairs is not None
            if pairs[0][1] in _IDENTIFIER_COLUMNS:
                left, right = pairs[0]
                by_identifier[right].update(v for v in columns[left] if v is not None)
                continue
            keys = set(zip(*(columns[left] for left, _ in pairs), strict=True))
            wanted.append(([right for _, right in pairs], keys))
        found = index_blocking_matches(wanted)
        for kind, values in by_identifier.items():
            found.update(
                child_id
                for (child_id,) in select_in(
                    f"SELECT child_id FROM {table(ChildIdentifier)} "  # noqa: S608
                    "WHERE type = %s AND value IN ({})",
                    sorted(values),
                    params=[kind],
                )
            )
        counts = index_value_counts({c: columns[c] for c in self.scorer.frequency_columns})
        return found, counts

    def load(self, rows: Any) -> Scorer:
        """The scorer with these rows' candidates as its index (the last call's removed)."""
        found, counts = self.candidates(rows)
        self.scorer.remove_index(self._held)
        self._held = []
        if found:
            part = link_table(index_link_records(child_ids=found))
            self.scorer.add_index(part)
            self._held = part.column("unique_id").to_pylist()
        self.scorer.index_counts(counts)
        return self.scorer

    def close(self) -> None:
        self.scorer.close()


class Linkage:
    """A model's scorer over the index, read when first needed (a re-sent file of known
    records never reads the index). ``close`` frees it."""

    def __init__(
        self,
        settings: dict[str, Any],
        thresholds: Thresholds,
        *,
        timed: Timer | None = None,
        small: bool = False,
    ) -> None:
        self.settings, self.thresholds = settings, thresholds
        self._timed: Timer = timed or (lambda _phase: nullcontext())
        self._scorer: Scorer | None = None
        self._within: Scorer | None = None  # a file's rows against each other
        self._small: CandidateIndex | None = None
        self._stale: set[int] = set()  # children to read again before the next scoring
        self._prepared: Any = None  # linkage rows built already (``prepare``)
        self._prepared_at: dict[str, int] = {}
        if small:
            candidates = CandidateIndex(settings)
            if candidates.usable:
                self._small = candidates
            else:
                candidates.close()

    @property
    def loaded(self) -> bool:
        return self._scorer is not None

    @property
    def scorer(self) -> Scorer:
        if self._scorer is None:
            with self._timed("read the index"):
                scorer = Scorer(self.settings)
                for part in index_tables():
                    scorer.add_index(part)
                self._scorer = scorer
        if self._stale:
            stale, self._stale = sorted(self._stale), set()
            with self._timed("read the index"):
                self._scorer.replace_index(link_table(index_link_records(child_ids=stale)))
        return self._scorer

    @property
    def levels(self) -> LevelIndex:
        return self._small.scorer.levels if self._small is not None else self.scorer.levels

    def prepare(self, rows: Any | None) -> None:
        """Linkage rows already built (a linkage table: the first import's rows, built once
        for its estimate), taken instead of building them again for records of the same
        ids; None forgets them. Only for records made as these rows were (``row_record`` of
        the same parsed rows)."""
        self._prepared = rows
        self._prepared_at = (
            {}
            if rows is None
            else {u: i for i, u in enumerate(rows.column("unique_id").to_pylist())}
        )

    def _link_table(self, records: Sequence[LinkRecord]) -> Any:
        """``link_table(records)``, from the prepared rows when it holds them all."""
        if self._prepared is not None and records:
            at = self._prepared_at
            positions = [at.get(r.unique_id) for r in records]
            if None not in positions:
                return self._prepared.take(positions)
        return link_table(records)

    def refresh(self, child_ids: Sequence[int]) -> None:
        """Read these children again (their names, addresses or identifiers changed), exactly
        as a resumed import would read them from the database: before the scorer is next
        used, so a run's last chunk (the only one of most files) never reads back the
        children it has just made."""
        if child_ids and self._scorer is not None:
            self._stale.update(child_ids)

    def score(self, records: Sequence[LinkRecord]) -> dict[str, list[Candidate]]:
        """Each record's candidates above the lower threshold, best first."""
        with self._timed("linkage rows (feed)"):
            rows = self._link_table(records)
        if self._small is not None:
            with self._timed("read the index (candidates)"):
                scorer = self._small.load(rows)
        else:
            scorer = self.scorer
        with self._timed("score"):
            scored = scorer.score(rows, min_weight=self.thresholds.lower)
        found: dict[str, list[Candidate]] = defaultdict(list)
        for c in scored:
            found[c.record_id].append(c)
        return found

    def score_within(self, records: Sequence[LinkRecord]) -> list[Candidate]:
        """Pairs of these records (not the index) above the lower threshold, blocked by the
        model's rules and the file's own (``WITHIN_FILE_BLOCKING_RULES``)."""
        if self._within is None:
            rules = list(self.settings["blocking_rules_to_generate_predictions"])
            self._within = Scorer(
                {
                    **self.settings,
                    "blocking_rules_to_generate_predictions": rules
                    + [
                        {"blocking_rule": rule, "sql_dialect": "duckdb"}
                        for rule in WITHIN_FILE_BLOCKING_RULES
                    ],
                }
            )
        with self._timed("score"):
            return self._within.score_within(
                self._link_table(records), min_weight=self.thresholds.lower
            )

    def decide(
        self,
        candidates: Sequence[Candidate],
        *,
        may_create: bool,
        shielded: set[str] | frozenset[str] = frozenset(),
    ) -> Decision:
        return decide(
            candidates,
            thresholds=self.thresholds,
            levels=self.levels,
            may_create=may_create,
            is_shielded=shielded.__contains__,
        )

    def score_and_decide(
        self, records: Sequence[LinkRecord], *, may_create: Callable[[str], bool]
    ) -> tuple[dict[str, list[Candidate]], dict[str, Decision]]:
        """Each record's candidates and outcome (``may_create`` by the record's id)."""
        found = self.score(records)
        with self._timed("decide"):
            shielded = shielded_ids({c.other_id for cs in found.values() for c in cs})
            decisions = {
                r.unique_id: self.decide(
                    found.get(r.unique_id, []),
                    may_create=may_create(r.unique_id),
                    shielded=shielded,
                )
                for r in records
            }
        return found, decisions

    def close(self) -> None:
        if self._scorer is not None:
            self._scorer.close()
            self._scorer = None
        if self._small is not None:
            self._small.close()
            self._small = None
        if self._within is not None:
            self._within.close()
            self._within = None
