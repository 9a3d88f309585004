"""``Patient/$match`` (IHE PDQm): the feeds' linkage model over the candidates a search would
give this client, never writing a child, a source record or a review item.

Candidates come from ``records.selectors.child_search`` (the access policy decides which
children the client can find and on which fields; the search is audited and rate-limited like
a person's). They are then scored by the active linkage model exactly as a feed row is (the same
comparisons, weights and ``linkage.decide``; evaluated in plain Python for these few pairs,
``fhir.scoring``, which gives the feeds' scorer's result), on the fields the client may see only: a
shielded child's address and identifiers are left out of the comparison for a client that may
not see them, so a $match cannot tell it where a shielded child lives.
"""

from __future__ import annotations

import dataclasses
import threading
from dataclasses import dataclass
from typing import Any

from childindex.access.models import User
from childindex.fhir.scoring import PythonScorer
from childindex.linkage.decide import Outcome, decide
from childindex.linkage.model import Scorer, link_table
from childindex.linkage.normalise import LinkRecord
from childindex.records.search import Match, SearchCriteria
from childindex.records.selectors import child_search
from childindex.sources.index_data import index_link_records
from childindex.sources.models import LinkageModel
from childindex.sources.services import linkage_model_active, thresholds_for

QUERY_ID = "query"
_local = threading.local()


def _scorer(model) -> Scorer:
    """This thread's scorer for the active model, kept between calls: making one (Splink's
    linker on an in-process DuckDB) costs far more than scoring a few candidates with it.
    Its index table holds only the current call's candidates."""
    cached: tuple[Any, Scorer, list[str]] | None = getattr(_local, "scorer", None)
    key = model.pk
    if cached is None or cached[0] != key:
        if cached is not None:
            cached[1].close()
        cached = (key, Scorer(model.settings, threads=1), [])
        _local.scorer = cached
    scorer, previous = cached[1], cached[2]
    scorer.remove_index(previous)
    previous.clear()
    return scorer


_python_scorers: dict[int, tuple] = {}


def _active_model():
    """The active linkage model and its plain-Python scorer, made once per model version (a
    version's settings never change once saved; training makes a new version). Each call
    reads only which version is active, not its settings."""
    active = LinkageModel.objects.filter(active=True).values_list("pk", flat=True).first()
    if active is None or active not in _python_scorers:
        model = linkage_model_active()
        _python_scorers.clear()
        _python_scorers[model.pk] = (model, PythonScorer(model.settings))
        active = model.pk
    return _python_scorers[active]


def _score(query: LinkRecord, index: list[LinkRecord]):
    """The blocked candidates scored by the active model (``fhir.scoring``; DuckDB's scorer
    for a model whose comparisons the plain-Python one does not understand), and its level
    index."""
    model, scorer = _active_model()
    table = link_table([dataclasses.replace(query, unique_id=QUERY_ID)])
    if scorer.supported:
        rows = link_table(index).to_pylist()
        return scorer.score(table.to_pylist(), rows, min_weight=-1e9), scorer.levels
    duck = _scorer(model)
    duck.add_index(link_table(index))
    _local.scorer[2].extend(r.unique_id for r in index)
    return duck.score(table, min_weight=-1e9), duck.levels


@dataclass(frozen=True)
class Graded:
    match: Match
    probability: float
    weight: float
    grade: str  # certain, probable, possible


def patient_match(
    *, actor: User, criteria: SearchCriteria, record: LinkRecord, ip_address: str | None = None
) -> list[Graded]:
    """The candidates for ``record``, best first, each graded certain (the feeds would link
    it), probable (the feeds would send it to review) or possible (below review)."""
    matches = child_search(actor=actor, criteria=criteria, ip_address=ip_address)
    if not matches:
        return []
    by_id = {str(m.child_id): m for m in matches}
    index = []
    for child in index_link_records(child_ids=[m.child_id for m in matches]):
        if not by_id[child.unique_id].details_visible:
            child = dataclasses.replace(
                child,
                postcode=None,
                address_line_1=None,
                identifiers={},
                local_identifiers=(),
                other_postcodes=(),
            )
        index.append(child)
    thresholds = thresholds_for(actor.local_authority_id)
    candidates, levels = _score(record, index)
    decision = decide(
        [c for c in candidates if c.weight >= thresholds.lower],
        thresholds=thresholds,
        levels=levels,
        may_create=False,
    )
    graded = []
    for c in candidates:
        if c.other_id not in by_id:
            continue
        if decision.outcome == Outcome.LINK and decision.other_id == c.other_id:
            grade = "certain"
        elif c.weight >= thresholds.lower:
            grade = "probable"
        else:
            grade = "possible"
        graded.append(Graded(by_id[c.other_id], c.probability, c.weight, grade))
    graded.sort(key=lambda g: -g.weight)
    return graded
