"""Deciding a chunk's new records: each scored against the index (``linkage.Linkage``), then
the rows that would create children scored against each other, so a source's own duplicates
become one child.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

from childindex.linkage.decide import Decision, Outcome
from childindex.linkage.model import Candidate
from childindex.sources.importing.linkage import Linkage
from childindex.sources.importing.parse import WorkRow
from childindex.sources.index_data import row_record

NO_CANDIDATE_MAY_NOT_CREATE = "no_candidate_source_may_not_create"
INCOMPLETE_ROW = "incomplete_row"  # no candidate, and too little of the row to add a child


def uid(row_number: int) -> str:
    """A feed row's id in the linkage tables (child ids are digits, rows start with r)."""
    return f"r{row_number:09d}"


def decide_new_records(fresh: list[WorkRow], linkage: Linkage, *, may_create: bool) -> None:
    """Sets each new record's ``decision`` against the index, then within the chunk.

    An incomplete row (no given name, family name or date of birth) never creates a child:
    it links when its evidence clears the upper threshold, else it goes to review."""
    if not fresh:
        return
    by_uid = {uid(r.parsed.row_number): r for r in fresh}
    _, decisions = linkage.score_and_decide(
        [row_record(u, r.parsed) for u, r in by_uid.items()],
        may_create=lambda u: may_create and by_uid[u].parsed.complete,
    )
    for u, row in by_uid.items():
        decision = decisions[u]
        if (
            may_create
            and not row.parsed.complete
            and decision.reason == NO_CANDIDATE_MAY_NOT_CREATE
        ):
            decision = replace(decision, reason=INCOMPLETE_ROW)
        row.decision = decision
    cluster_new_children(fresh, linkage)


def cluster_new_children(fresh: list[WorkRow], linkage: Linkage) -> None:
    """Rows that would create children, scored against each other: a pair above the upper
    threshold is one new child; a pair between the thresholds goes to review."""
    creating = [r for r in fresh if r.decision and r.decision.outcome == Outcome.CREATE]
    if len(creating) < 2:
        return
    by_uid = {uid(r.parsed.row_number): r for r in creating}
    partners: dict[str, list[Candidate]] = defaultdict(list)
    for c in linkage.score_within([row_record(u, r.parsed) for u, r in by_uid.items()]):
        # record_id < other_id: the later row (other_id) looks back at the earlier one.
        partners[c.other_id].append(c.flipped())
    root: dict[str, str] = {}
    for u in sorted(by_uid):
        row = by_uid[u]
        earlier = sorted(
            (c for c in partners.get(u, []) if row.decision and c.other_id in by_uid),
            key=lambda c: (-c.weight, c.other_id),
        )
        outcome = linkage.decide(earlier, may_create=True)
        if outcome.outcome == Outcome.LINK and outcome.other_id is not None:
            target = root.get(outcome.other_id, outcome.other_id)
            root[u] = target
            row.new_child_of = by_uid[target].parsed.row_number
            row.decision = Decision(
                Outcome.LINK,
                None,
                outcome.weight,
                outcome.candidates,
                outcome.twins,
                reason="same_as_new_child",
            )
        elif outcome.outcome == Outcome.REVIEW:
            row.decision = Decision(
                Outcome.REVIEW,
                candidates=outcome.candidates,
                twins=outcome.twins,
                reason="may_be_new_child",
            )
            row.new_child_of = by_uid[
                root.get(outcome.candidates[0].other_id, outcome.candidates[0].other_id)
            ].parsed.row_number
