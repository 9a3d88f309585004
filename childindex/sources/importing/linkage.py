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

from childindex.linkage.decide import Decision, Thresholds, decide
from childindex.linkage.model import Candidate, LevelIndex, Scorer, link_table
from childindex.linkage.normalise import LinkRecord
from childindex.records.models import Child
from childindex.sources.bulk import select_in, table
from childindex.sources.index_data import index_link_records

INDEX_BATCH = 50_000  # children read into the linkage table at a time (bounded memory)

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


class Linkage:
    """A model's scorer over the index, read when first needed (a re-sent file of known
    records never reads the index). ``close`` frees it."""

    def __init__(
        self,
        settings: dict[str, Any],
        thresholds: Thresholds,
        *,
        timed: Timer | None = None,
    ) -> None:
        self.settings, self.thresholds = settings, thresholds
        self._timed: Timer = timed or (lambda _phase: nullcontext())
        self._scorer: Scorer | None = None

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
        return self._scorer

    @property
    def levels(self) -> LevelIndex:
        return self.scorer.levels

    def refresh(self, child_ids: Sequence[int]) -> None:
        """Read these children again (their names, addresses or identifiers changed), exactly
        as a resumed import would read them from the database."""
        if child_ids and self._scorer is not None:
            with self._timed("read the index"):
                self._scorer.replace_index(link_table(index_link_records(child_ids=child_ids)))

    def score(self, records: Sequence[LinkRecord]) -> dict[str, list[Candidate]]:
        """Each record's candidates above the lower threshold, best first."""
        scorer = self.scorer
        with self._timed("linkage rows (feed)"):
            rows = link_table(records)
        with self._timed("score"):
            scored = scorer.score(rows, min_weight=self.thresholds.lower)
        found: dict[str, list[Candidate]] = defaultdict(list)
        for c in scored:
            found[c.record_id].append(c)
        return found

    def score_within(self, records: Sequence[LinkRecord]) -> list[Candidate]:
        """Pairs of these records (not the index) above the lower threshold."""
        scorer = self.scorer
        with self._timed("score"):
            return scorer.score_within(link_table(records), min_weight=self.thresholds.lower)

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
