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
- Rows of one child that wait together: an incomplete row with no child to be linked to
  (neither in the index nor made by the file) is offered the file's other waiting
  incomplete rows that match it above the lower threshold and are not clearly different
  (``may_be_waiting_row``). Neither creates a child; a person decides them together, so
  "resolved by its best candidate" puts them in one child.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace

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
SAME_AS_NEW_CHILD = "same_as_new_child"
MAY_BE_NEW_CHILD = "may_be_new_child"
MAY_BE_WAITING_ROW = "may_be_waiting_row"  # incomplete: its best match is another waiting row
CHILD_MADE_BY_ANOTHER_FEED = "child_made_by_another_feed"  # found at a later import
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


@dataclass
class _Groups:
    """A row's scored partners among the file's rows, grouped by the new child each is (or
    joins): the best agreeing row of each, the best row that looks like its twin, and the
    new children one of whose rows it is clearly different from."""

    best: dict[str, Candidate] = field(default_factory=dict)
    twin_best: dict[str, Candidate] = field(default_factory=dict)
    agree: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    twin_of: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    hard: set[str] = field(default_factory=set)

    @classmethod
    def of(cls, partners: list[Candidate], group_of: dict[str, str], levels: LevelIndex) -> _Groups:
        groups = cls()
        for c in partners:
            group = group_of.get(c.other_id)
            if group is None:
                continue
            if disagrees(c):
                groups.hard.add(group)
            elif is_twin_or_sibling(c, levels):
                groups.twin_of[group] += 1
                if group not in groups.twin_best or c.weight > groups.twin_best[group].weight:
                    groups.twin_best[group] = c
            else:
                groups.agree[group] += 1
                if group not in groups.best or c.weight > groups.best[group].weight:
                    groups.best[group] = c
        return groups

    @property
    def conflicts(self) -> set[str]:
        # A new child is consistent with the row when none of its rows has an identifier or
        # gender that disagrees, and more of its rows agree with the row than look like its
        # twin (a copy spelt "Isabela" does not keep "Bella" from "Isabella"'s child; "Amy"
        # and "Zoe" stay apart even when "Amy Zoe" matches both).
        return self.hard | {g for g in self.twin_of if self.twin_of[g] >= self.agree[g]}

    def ranked(self) -> list[Candidate]:
        conflicts = self.conflicts
        return sorted(
            (c for g, c in self.best.items() if g not in conflicts),
            key=lambda c: (-c.weight, c.other_id),
        )

    def chained(self, upper: float) -> list[Candidate]:
        """Agreeing rows above the upper threshold of new children the row conflicts with."""
        conflicts = self.conflicts
        return sorted(
            (c for g, c in self.best.items() if g in conflicts and c.weight >= upper),
            key=lambda c: (-c.weight, c.other_id),
        )

    def unexplained_twins(self) -> list[Candidate]:
        """Rows that look like its twin (a given name altogether different) of new children
        with nothing that shows a second child: no identifier or gender that disagrees."""
        return sorted(
            (c for g, c in self.twin_best.items() if g not in self.hard),
            key=lambda c: (-c.weight, c.other_id),
        )


def cluster_new_children(fresh: list[WorkRow], linkage: Linkage) -> None:
    """The file's rows linked to each other as well as to the index.

    Rows that would create children are scored against each other: a pair above the upper
    threshold is one new child (transitively, checked for consistency); a pair between the
    thresholds goes to review; a row that looks like the twin of an earlier row's new child
    (a given name altogether different) with nothing showing a second child goes to review
    (``given_name_differs``), never silently a second child. Then the incomplete rows that
    found no candidate in the index (they never create a child) are scored against every
    new child of the file, whether its rows come before or after them: they link to one when
    the evidence clears the upper threshold, else wait in review with it as candidate."""
    creating = [r for r in fresh if r.decision and r.decision.outcome == Outcome.CREATE]
    followers = [
        r
        for r in fresh
        if r.decision and r.decision.outcome == Outcome.REVIEW
        and r.decision.reason == INCOMPLETE_ROW and not r.decision.candidates
    ]  # fmt: skip
    if len(creating) + len(followers) < 2:
        return
    levels = linkage.levels
    upper = linkage.thresholds.upper
    by_uid = {uid(r.parsed.row_number): r for r in creating}
    follower_uids = {uid(r.parsed.row_number): r for r in followers}
    earlier: dict[str, list[Candidate]] = defaultdict(list)
    anywhere: dict[str, list[Candidate]] = defaultdict(list)
    records = [row_record(u, r.parsed) for u, r in (*by_uid.items(), *follower_uids.items())]
    for c in linkage.score_within(records):
        # record_id < other_id: the later row (other_id) looks back at the earlier one.
        earlier[c.other_id].append(c.flipped())
        anywhere[c.other_id].append(c.flipped())
        anywhere[c.record_id].append(c)
    group_of: dict[str, str] = {}  # a creating row -> the row whose new child it is or joins
    new_children = _NewChildren(by_uid, group_of, anywhere, levels)
    for u in sorted(by_uid):
        row = by_uid[u]
        groups = _Groups.of([c for c in earlier.get(u, []) if c.other_id in by_uid],
                            group_of, levels)  # fmt: skip
        outcome = linkage.decide(groups.ranked(), may_create=True)
        outcome = new_children.bridge(outcome, groups.ranked(), upper)
        chained = groups.chained(upper)
        twins = groups.unexplained_twins()
        if outcome.outcome == Outcome.CREATE and chained:
            # It would join a new child through one row, but is clearly different from another.
            row.new_child_of = by_uid[group_of[chained[0].other_id]].parsed.row_number
            row.decision = Decision(
                Outcome.REVIEW, candidates=tuple(chained), reason=CONFLICTS_WITH_NEW_CHILD
            )
        elif outcome.outcome == Outcome.CREATE and twins:
            # Another row's new child has its birth and family or address, and another given
            # name: a twin, or the same child with the name replaced. A person decides.
            row.new_child_of = by_uid[group_of[twins[0].other_id]].parsed.row_number
            row.decision = Decision(
                Outcome.REVIEW, candidates=tuple(twins), reason=GIVEN_NAME_DIFFERS
            )
        elif outcome.outcome == Outcome.CREATE:
            group_of[u] = u
        elif outcome.outcome == Outcome.LINK and outcome.other_id is not None:
            target = group_of[outcome.other_id]
            group_of[u] = target
            row.new_child_of = by_uid[target].parsed.row_number
            row.decision = Decision(
                Outcome.LINK,
                None,
                outcome.weight,
                outcome.candidates,
                outcome.twins,
                reason=SAME_AS_NEW_CHILD,
            )
        elif outcome.outcome == Outcome.REVIEW:
            row.decision = Decision(
                Outcome.REVIEW,
                candidates=outcome.candidates,
                twins=outcome.twins,
                reason=MAY_BE_NEW_CHILD,
            )
            row.new_child_of = by_uid[group_of[outcome.candidates[0].other_id]].parsed.row_number
    for u, row in follower_uids.items():
        _follow(row, groups=_Groups.of(anywhere.get(u, []), group_of, levels),
                linkage=linkage, by_uid=by_uid, group_of=group_of)  # fmt: skip
    _wait_together(follower_uids, anywhere, levels)


class _NewChildren:
    """The file's new children as groups of rows, and the rule that joins two of them: a
    row that matches both above the upper threshold shows them to be one child (two copies
    that no blocking rule paired, each with its own slips), unless a row of one is clearly
    different from a row of the other (twins, an identifier or the gender disagreeing)."""

    def __init__(
        self,
        by_uid: dict[str, WorkRow],
        group_of: dict[str, str],
        anywhere: dict[str, list[Candidate]],
        levels: LevelIndex,
    ) -> None:
        self.by_uid, self.group_of, self.levels = by_uid, group_of, levels
        self.pairs = {(c.record_id, c.other_id): c for cs in anywhere.values() for c in cs}

    def members(self, group: str) -> list[str]:
        return [u for u, g in self.group_of.items() if g == group]

    def _apart(self, first: str, second: str) -> bool:
        return any(
            (c := self.pairs.get((a, b))) is not None and clearly_different(c, self.levels)
            for a in self.members(first)
            for b in self.members(second)
        )

    def bridge(self, outcome: Decision, ranked: list[Candidate], upper: float) -> Decision:
        """The row's outcome once the new children it matches above the upper threshold
        are one: a link to the best (they are joined into it), or the outcome unchanged."""
        strong = [c for c in ranked if c.weight >= upper]
        if len(strong) < 2 or not (
            outcome.outcome == Outcome.LINK or outcome.reason == "fits_two_children"
        ):
            return outcome
        best, *others = strong
        into = self.group_of[best.other_id]
        joined = [c for c in others if not self._apart(into, self.group_of[c.other_id])]
        if outcome.outcome != Outcome.LINK and len(joined) < len(others):
            return outcome  # fits two children that are not shown to be one: a person decides
        for c in joined:
            self._join(self.group_of[c.other_id], into, weight=c.weight)
        return Decision(
            Outcome.LINK, best.other_id, best.weight, tuple(strong), outcome.twins,
            reason="above_upper_threshold",
        )  # fmt: skip

    def _join(self, group: str, into: str, *, weight: float) -> None:
        """One new child for two: the first row of ``group`` links to ``into``'s new child
        instead of making one, and the group's rows follow it."""
        if group == into:
            return
        target = self.by_uid[into]
        for member in self.members(group):
            self.group_of[member] = into
            row = self.by_uid[member]
            row.new_child_of = target.parsed.row_number
            if member == group:
                assert row.decision is not None
                row.decision = Decision(
                    Outcome.LINK, None, weight, row.decision.candidates, row.decision.twins,
                    reason=SAME_AS_NEW_CHILD,
                )  # fmt: skip


def _waiting_alone(row: WorkRow) -> bool:
    decision = row.decision
    return bool(
        decision
        and decision.outcome == Outcome.REVIEW
        and decision.reason == INCOMPLETE_ROW
        and not decision.candidates
    )


def _wait_together(
    followers: dict[str, WorkRow], anywhere: dict[str, list[Candidate]], levels: LevelIndex
) -> None:
    """Incomplete rows left with no child to be linked to: each is offered the other such
    rows of the file that match it (above the lower threshold, as every scored pair is) and
    are not clearly different from it, best first. They stay in review: two incomplete rows
    are not enough to make a child without a person, who decides them together."""
    alone = {u for u, r in followers.items() if _waiting_alone(r)}
    if len(alone) < 2:
        return
    for u in sorted(alone):
        partners = sorted(
            (
                c
                for c in anywhere.get(u, [])
                if c.other_id in alone and not clearly_different(c, levels)
            ),
            key=lambda c: (-c.weight, c.other_id),
        )
        if partners:
            row = followers[u]
            assert row.decision is not None
            row.decision = Decision(
                Outcome.REVIEW,
                candidates=tuple(partners),
                twins=row.decision.twins,
                reason=MAY_BE_WAITING_ROW,
            )


def _follow(
    row: WorkRow,
    *,
    groups: _Groups,
    linkage: Linkage,
    by_uid: dict[str, WorkRow],
    group_of: dict[str, str],
) -> None:
    """An incomplete row against the file's new children: it links to one when the evidence
    clears the upper threshold and nothing conflicts; else it waits in review with them."""
    outcome = linkage.decide(groups.ranked(), may_create=False)
    chained = groups.chained(linkage.thresholds.upper)
    twins = groups.unexplained_twins()
    if outcome.outcome == Outcome.LINK and outcome.other_id is not None:
        target = group_of[outcome.other_id]
        row.new_child_of = by_uid[target].parsed.row_number
        row.decision = Decision(
            Outcome.LINK, None, outcome.weight, outcome.candidates, outcome.twins,
            reason=SAME_AS_NEW_CHILD,
        )  # fmt: skip
        return
    if outcome.candidates:
        candidates, reason = outcome.candidates, outcome.reason
        if reason == "between_thresholds":
            reason = MAY_BE_NEW_CHILD
    elif chained:
        candidates, reason = tuple(chained), CONFLICTS_WITH_NEW_CHILD
    elif twins:
        candidates, reason = tuple(twins), GIVEN_NAME_DIFFERS
    else:
        return  # nothing in the file either: it waits as an incomplete row
    row.new_child_of = by_uid[group_of[candidates[0].other_id]].parsed.row_number
    row.decision = Decision(Outcome.REVIEW, candidates=candidates, reason=reason)
