"""Deciding a chunk's new records: each scored against the index (``linkage.Linkage``), then
the rows that would create children scored against each other, so a source's own duplicates
become one child.

The import's own rules on top of ``linkage.decide``:

- Twins are kept apart by evidence, not by its absence. A candidate the twin rule set aside
  (same birth, same family name or address, a given name altogether different) stays apart
  only when something shows a second child: an identifier or the gender disagrees, or the
  same source lists that child under another key (an earlier import, or another row of this
  chunk linked to it). Otherwise the row goes to review (``given_name_differs``): it never
  silently becomes a new child. Where the index holds the row's own child too, the row links
  or is reviewed as usual.
- An incomplete row (no given name, family name or date of birth) never creates a child.
- A file's own copies of a child become one new child, linked transitively: a row joins the
  new child of the earlier row it matches best (its candidates grouped by new child, so five
  copies are one candidate, not five that "fit two children"). It never joins a new child
  one of whose rows it is clearly different from (twins, or an identifier or the gender
  disagreeing): then it goes to review (``conflicts_with_new_child``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

from childindex.linkage.decide import Decision, Outcome, is_twin_or_sibling
from childindex.linkage.model import Candidate, LevelIndex
from childindex.sources.bulk import select_in, table
from childindex.sources.importing.linkage import Linkage
from childindex.sources.importing.parse import WorkRow
from childindex.sources.index_data import row_record
from childindex.sources.models import RecordStatus, SourceRecord

NO_CANDIDATE_MAY_NOT_CREATE = "no_candidate_source_may_not_create"
INCOMPLETE_ROW = "incomplete_row"  # no candidate, and too little of the row to add a child
GIVEN_NAME_DIFFERS = "given_name_differs"
CONFLICTS_WITH_NEW_CHILD = "conflicts_with_new_child"
NATIONAL_IDENTIFIERS = ("nhs", "chi", "hc", "upn")


def disagrees(candidate: Candidate) -> bool:
    """An identifier of the same type, or the gender, differs: two children."""
    return any(candidate.level(name) == 0 for name in (*NATIONAL_IDENTIFIERS, "gender"))


def clearly_different(candidate: Candidate, levels: LevelIndex) -> bool:
    return disagrees(candidate) or is_twin_or_sibling(candidate, levels)


def uid(row_number: int) -> str:
    """A feed row's id in the linkage tables (child ids are digits, rows start with r)."""
    return f"r{row_number:09d}"


def decide_new_records(
    fresh: list[WorkRow], linkage: Linkage, *, may_create: bool, feed_id: int | None = None
) -> None:
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
    _twins_without_evidence(fresh, feed_id)
    cluster_new_children(fresh, linkage)


def _twins_without_evidence(fresh: list[WorkRow], feed_id: int | None) -> None:
    """A row that would create a child, whose candidates the twin rule set aside, goes to
    review unless each of them is shown to be another child."""
    creating = [
        r for r in fresh if r.decision and r.decision.outcome == Outcome.CREATE and r.decision.twins
    ]
    if not creating:
        return
    listed: set[str] = {  # children the chunk's other rows link to
        str(r.decision.other_id)
        for r in fresh
        if r.decision and r.decision.outcome == Outcome.LINK and r.decision.other_id
    }
    wanted = sorted({int(c.other_id) for r in creating for c in r.decision.twins})  # type: ignore[union-attr]
    if feed_id is not None and wanted:
        listed |= {  # children the same source already lists under another key
            str(child_id)
            for (child_id,) in select_in(
                f"SELECT DISTINCT child_id FROM {table(SourceRecord)} "  # noqa: S608
                "WHERE feed_id = %s AND status = %s AND withdrawn_run_id IS NULL "
                "AND child_id IN ({})",
                wanted,
                params=[feed_id, RecordStatus.LINKED],
            )
        }
    for row in creating:
        decision = row.decision
        assert decision is not None
        unexplained = tuple(
            c for c in decision.twins if c.other_id not in listed and not disagrees(c)
        )
        if unexplained:
            explained = tuple(c for c in decision.twins if c not in unexplained)
            row.decision = Decision(
                Outcome.REVIEW,
                candidates=unexplained,
                twins=explained,
                reason=GIVEN_NAME_DIFFERS,
            )


def cluster_new_children(fresh: list[WorkRow], linkage: Linkage) -> None:
    """Rows that would create children, scored against each other: a pair above the upper
    threshold is one new child (transitively, checked for consistency); a pair between the
    thresholds goes to review."""
    creating = [r for r in fresh if r.decision and r.decision.outcome == Outcome.CREATE]
    if len(creating) < 2:
        return
    levels = linkage.levels
    by_uid = {uid(r.parsed.row_number): r for r in creating}
    partners: dict[str, list[Candidate]] = defaultdict(list)
    for c in linkage.score_within([row_record(u, r.parsed) for u, r in by_uid.items()]):
        # record_id < other_id: the later row (other_id) looks back at the earlier one.
        partners[c.other_id].append(c.flipped())
    root: dict[str, str] = {}  # a row -> the row whose new child it joins
    for u in sorted(by_uid):
        row = by_uid[u]
        earlier = [c for c in partners.get(u, []) if c.other_id in by_uid]
        # Grouped by the new child they are (or join): the best row of each, and the new
        # children one of whose rows this one is clearly different from.
        best: dict[str, Candidate] = {}
        agree: dict[str, int] = defaultdict(int)
        twin_of: dict[str, int] = defaultdict(int)
        hard: set[str] = set()
        for c in earlier:
            group = root.get(c.other_id, c.other_id)
            if disagrees(c):
                hard.add(group)
            elif is_twin_or_sibling(c, levels):
                twin_of[group] += 1
            else:
                agree[group] += 1
                if group not in best or c.weight > best[group].weight:
                    best[group] = c
        # A new child is consistent with the row when none of its rows has an identifier or
        # gender that disagrees, and more of its rows agree with the row than look like its
        # twin (a copy spelt "Isabela" does not keep "Bella" from "Isabella"'s child; "Amy"
        # and "Zoe" stay apart even when "Amy Zoe" matches both).
        conflicts = hard | {g for g in twin_of if twin_of[g] >= agree[g]}
        ranked = sorted(
            (c for g, c in best.items() if g not in conflicts),
            key=lambda c: (-c.weight, c.other_id),
        )
        outcome = linkage.decide(ranked, may_create=True)
        chained = [
            c for g, c in best.items() if g in conflicts and c.weight >= linkage.thresholds.upper
        ]
        if outcome.outcome == Outcome.CREATE and chained:
            # It would join a new child through one row, but is clearly different from another.
            group = root.get(chained[0].other_id, chained[0].other_id)
            row.new_child_of = by_uid[group].parsed.row_number
            row.decision = Decision(
                Outcome.REVIEW,
                candidates=tuple(sorted(chained, key=lambda c: -c.weight)),
                reason=CONFLICTS_WITH_NEW_CHILD,
            )
        elif outcome.outcome == Outcome.LINK and outcome.other_id is not None:
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
