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
- A file's own copies of a child become one new child, linked transitively: the file's rows
  are joined by their pairs above the upper threshold, strongest first (``_Copies``), so
  the order of the file does not decide which copy makes the child. Two rows clearly
  different from each other (twins, or an identifier or the gender disagreeing) are never
  in one child: a row that would join a new child through one row but is clearly different
  from another goes to review (``conflicts_with_new_child``), one that matches two new
  children that may not be joined as strongly as each other waits (``fits_two_children``).
- Rows of one child that wait together: an incomplete row with no child to be linked to
  (neither in the index nor made by the file) is offered the file's other waiting
  incomplete rows that match it above the lower threshold and are not clearly different
  (``may_be_waiting_row``). Neither creates a child; a person decides them together, so
  "resolved by its best candidate" puts them in one child.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace

from childindex.linkage.decide import (
    AMBIGUITY_MARGIN,
    Decision,
    Outcome,
    is_twin_or_sibling,
    may_be_twin_without_given_name,
)
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

    The rows that would create children, and the incomplete rows that found no candidate in
    the index, are scored against each other. Their pairs above the upper threshold join
    them strongest first (``_Copies``): each group of two or more rows is one new child
    (made by its first complete row; the others link to it), never one holding two rows that
    are clearly different. A row that matches another group as strongly as its own, which it
    may not join, waits for a person (``fits_two_children``). Then each row left alone is
    decided against those children and the lone rows before it that made one: a pair between
    the thresholds goes to review (``may_be_new_child``); a row that looks like the twin of
    one (a given name altogether different) with nothing showing a second child goes to
    review (``given_name_differs``), never silently a second child. The incomplete rows
    (they never create a child) link to a child of the file or wait with it as candidate,
    else wait with each other (``_wait_together``)."""
    creating = [r for r in fresh if r.decision and r.decision.outcome == Outcome.CREATE]
    followers = [r for r in fresh if _waiting_alone(r)]
    if len(creating) + len(followers) < 2:
        return
    levels = linkage.levels
    upper = linkage.thresholds.upper
    rows = {uid(r.parsed.row_number): r for r in (*creating, *followers)}
    follower_uids = {uid(r.parsed.row_number): r for r in followers}
    anywhere: dict[str, list[Candidate]] = defaultdict(list)
    records = [row_record(u, r.parsed) for u, r in sorted(rows.items())]
    for c in linkage.score_within(records):
        anywhere[c.record_id].append(c)
        anywhere[c.other_id].append(c.flipped())
    copies = _Copies(sorted(rows), anywhere, levels)
    copies.join_strongest_first(upper)

    group_of: dict[str, str] = {}  # a row -> the row whose new child it is or joins
    for members in copies.groups():
        makers = [u for u in members if u not in follower_uids]
        if not makers:
            continue  # incomplete rows only: no child to be made (they wait, below)
        maker = makers[0]
        group_of.update(dict.fromkeys(members, maker))
        for u in members:
            if u != maker:
                best = copies.best_within(u)
                assert best is not None  # groups() keeps only rows with one
                rows[u].new_child_of = rows[maker].parsed.row_number
                rows[u].decision = Decision(
                    Outcome.LINK, None, best.weight, (best,), reason=SAME_AS_NEW_CHILD
                )
    for u, candidates in copies.torn.items():
        candidates = tuple(c for c in candidates if c.other_id in group_of)
        if candidates:
            rows[u].new_child_of = rows[group_of[candidates[0].other_id]].parsed.row_number
        rows[u].decision = Decision(
            Outcome.REVIEW, candidates=candidates, reason="fits_two_children"
        )
    for u in copies.lone():
        if u in follower_uids:
            continue
        row = rows[u]
        groups = _Groups.of(anywhere.get(u, []), group_of, levels)
        outcome = linkage.decide(groups.ranked(), may_create=True)
        chained = groups.chained(upper)
        twins = groups.unexplained_twins()
        if outcome.outcome == Outcome.CREATE and chained:
            # It would join a new child through one row, but is clearly different from another.
            row.new_child_of = rows[group_of[chained[0].other_id]].parsed.row_number
            row.decision = Decision(
                Outcome.REVIEW, candidates=tuple(chained), reason=CONFLICTS_WITH_NEW_CHILD
            )
        elif outcome.outcome == Outcome.CREATE and twins:
            # Another row's new child has its birth and family or address, and another given
            # name: a twin, or the same child with the name replaced. A person decides.
            row.new_child_of = rows[group_of[twins[0].other_id]].parsed.row_number
            row.decision = Decision(
                Outcome.REVIEW, candidates=tuple(twins), reason=GIVEN_NAME_DIFFERS
            )
        elif outcome.outcome == Outcome.CREATE:
            group_of[u] = u
        elif outcome.outcome == Outcome.LINK and outcome.other_id is not None:
            target = group_of[outcome.other_id]
            group_of[u] = target
            row.new_child_of = rows[target].parsed.row_number
            row.decision = Decision(
                Outcome.LINK, None, outcome.weight, outcome.candidates, outcome.twins,
                reason=SAME_AS_NEW_CHILD,
            )  # fmt: skip
        else:
            reason = outcome.reason
            if reason == "between_thresholds":
                reason = MAY_BE_NEW_CHILD
            row.decision = Decision(
                Outcome.REVIEW, candidates=outcome.candidates, twins=outcome.twins, reason=reason
            )
            row.new_child_of = rows[group_of[outcome.candidates[0].other_id]].parsed.row_number
    for u, row in follower_uids.items():
        if _waiting_alone(row):
            _follow(row, groups=_Groups.of(anywhere.get(u, []), group_of, levels),
                    linkage=linkage, by_uid=rows, group_of=group_of)  # fmt: skip
    _wait_together(follower_uids, anywhere, levels)


class _Copies:
    """A file's rows joined into groups (new children) by their pairs above the upper
    threshold, strongest first, the way a single-linkage clustering of the pairs is built,
    with a check at each join: two groups are never joined when a row of one is clearly
    different from a row of the other (an identifier or the gender disagrees), or when as
    many of their pairs look like twins as agree (a copy spelt "Isabela" does not keep
    "Bella" from "Isabella"'s child; "Amy" and "Zoe" stay apart even when "Amy Zoe" matches
    both). Pairs where one row has no given name and nothing tells the child from its twin
    never join. Because the strongest pairs are joined first, the order of the file does not
    decide: two strong copies are one child even when a weak copy comes before them.

    A row that matches a group it may not join about as strongly (within
    ``AMBIGUITY_MARGIN``) as its own group is taken out of its group: it fits two children
    (``torn``, with the best row of each group, best first)."""

    def __init__(
        self, uids: list[str], anywhere: dict[str, list[Candidate]], levels: LevelIndex
    ) -> None:
        self.anywhere, self.levels = anywhere, levels
        self.parent = {u: u for u in uids}
        self.members: dict[str, list[str]] = {u: [u] for u in uids}
        self.torn: dict[str, list[Candidate]] = {}

    def find(self, u: str) -> str:
        while self.parent[u] != u:
            self.parent[u] = self.parent[self.parent[u]]
            u = self.parent[u]
        return u

    def _consistent(self, first: str, second: str) -> bool:
        twins = agree = 0
        for member in self.members[first]:
            for c in self.anywhere.get(member, []):
                if c.other_id not in self.parent or self.find(c.other_id) != second:
                    continue
                if disagrees(c):
                    return False
                if is_twin_or_sibling(c, self.levels):
                    twins += 1
                else:
                    agree += 1
        return twins < agree

    def _join(self, c: Candidate) -> bool:
        first, second = self.find(c.record_id), self.find(c.other_id)
        if first == second:
            return True
        if not self._consistent(first, second):
            return False
        if len(self.members[first]) < len(self.members[second]):
            first, second = second, first
        self.parent[second] = first
        self.members[first].extend(self.members.pop(second))
        return True

    def join_strongest_first(self, upper: float) -> None:
        strong = sorted(
            (
                c
                for u, cs in self.anywhere.items()
                for c in cs
                if c.record_id < c.other_id
                and c.weight >= upper
                and not clearly_different(c, self.levels)
                and not may_be_twin_without_given_name(c, self.levels)
            ),
            key=lambda c: (-c.weight, c.record_id, c.other_id),
        )
        refused: dict[str, list[Candidate]] = defaultdict(list)
        for c in strong:
            if not self._join(c):
                refused[c.record_id].append(c)
                refused[c.other_id].append(c.flipped())
        for u in sorted(refused):
            group = self.find(u)
            if len(self.members[group]) < 2:
                continue  # alone: decided as a lone row (it conflicts with that child)
            own = self.best_within(u)
            others = [c for c in refused[u] if self.find(c.other_id) != group]
            rival = max((c.weight for c in others), default=None)
            if own is not None and rival is not None and own.weight - rival < AMBIGUITY_MARGIN:
                self._take_out(u)
                by_group: dict[str, Candidate] = {}
                for c in (own, *others):
                    g = self.find(c.other_id)
                    if g not in by_group or c.weight > by_group[g].weight:
                        by_group[g] = c
                self.torn[u] = sorted(by_group.values(), key=lambda c: (-c.weight, c.other_id))

    def _take_out(self, u: str) -> None:
        group = self.find(u)
        rest = [m for m in self.members.pop(group) if m != u]
        for m in rest:
            self.parent[m] = rest[0]
        self.members[rest[0]] = rest
        self.parent[u] = u
        self.members[u] = [u]

    def best_within(self, u: str) -> Candidate | None:
        """The row's best agreeing pair in its own group."""
        group = self.find(u)
        return max(
            (
                c
                for c in self.anywhere.get(u, [])
                if c.other_id in self.parent
                and self.find(c.other_id) == group
                and not clearly_different(c, self.levels)
            ),
            key=lambda c: (c.weight, c.other_id),
            default=None,
        )

    def groups(self) -> list[list[str]]:
        """Groups of two or more rows, each in file order. A row left with no agreeing pair
        in its group (its group was joined through a row taken out) is taken out too."""
        while loose := [
            u
            for members in self.members.values()
            if len(members) > 1
            for u in members
            if self.best_within(u) is None
        ]:
            self._take_out(loose[0])
        return sorted(sorted(members) for members in self.members.values() if len(members) > 1)

    def lone(self) -> list[str]:
        """Rows in no group (and not torn), in file order."""
        return sorted(
            u
            for members in self.members.values()
            if len(members) == 1
            for u in members
            if u not in self.torn
        )


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
