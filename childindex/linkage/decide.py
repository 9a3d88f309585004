"""From scored candidates to an outcome: link, create, or ask a person (review).

Plain Python, no Django. The rules, after Splink has scored the pairs:

- Twins and siblings are never one child: a candidate with the same date of birth and the
  same family name or postcode, whose given name is neither the same, a nickname or spelling
  of it, a typing slip of it nor shares a given name with it, is dropped whatever its score.
- Above the LA's upper threshold the row links to its best candidate, unless a second child
  also scores above it and close to it (a row that fits two children goes to review).
- Between the thresholds: review. Below the lower threshold: a new child where the source may
  create children, else review.
- A row that may be the same child as a shielded child (any candidate above the lower
  threshold, twins included) goes to review, shielded, until a person decides, unless it
  links to a shielded child: shielding must never leak through a duplicate.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import overload

from childindex.linkage.comparisons import SWAPPED_GIVEN
from childindex.linkage.model import Candidate, LevelIndex


class Outcome(StrEnum):
    LINK = "link"
    CREATE = "create"
    REVIEW = "review"


@dataclass(frozen=True)
class Thresholds:
    """Match weights (log2 Bayes factors, prior included): link at ``upper`` and above,
    review from ``lower`` up to ``upper``."""

    upper: float
    lower: float

    def __post_init__(self) -> None:
        if self.lower > self.upper:
            raise ValueError("the lower threshold must not be above the upper threshold")


DEFAULT_THRESHOLDS = Thresholds(upper=12.0, lower=0.0)


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    other_id: str | None = None  # the child (or row) to link to
    weight: float | None = None
    candidates: tuple[Candidate, ...] = field(default_factory=tuple)
    twins: tuple[Candidate, ...] = field(default_factory=tuple)
    shielded: bool = False
    reason: str = ""


# Given-name levels from the top: same (0), nickname or spelling (1), typing slip (2),
# sounds the same (3), shares a given name (4); below them the names are different.
_VARIANT_FROM_TOP = 1
_SLIP_FROM_TOP = 4
IDENTIFIERS = ("nhs", "chi", "hc", "upn", "local_ids")
# A runner-up this many bits (a 256-fold likelihood) below the best does not make a row
# "fit two children".
AMBIGUITY_MARGIN = 8.0


def is_twin_or_sibling(candidate: Candidate, levels: LevelIndex) -> bool:
    """Same date of birth, same family name or postcode, a given name that is not the same or
    a nickname or spelling of it, and no identifier of the same type that agrees; where the
    names differ by a slip only, an identifier of the same type must disagree (twins have
    their own NHS numbers and UPNs)."""
    return _twin_rule(levels)(candidate.gammas)


def may_be_twin_without_given_name(candidate: Candidate, levels: LevelIndex) -> bool:
    """No given name on one side, the same date of birth and family name or postcode, and no
    identifier of the same type that agrees: nothing tells the child from its twin."""
    return _may_be_twin_without_given_name(levels)(candidate.gammas)


def _twin_rule(levels: LevelIndex) -> Callable[[tuple[int, ...]], bool]:
    """``is_twin_or_sibling`` on a candidate's gammas, with the model's positions and top
    levels looked up once (it runs for every candidate of every row)."""
    rule: Callable[[tuple[int, ...]], bool] | None = levels.derived.get("twin_rule")
    if rule is not None:
        return rule
    position, top = levels.position, levels.top
    dob, dob_top = position["dob"], top["dob"]
    family, family_top = position["family_name"], top["family_name"]
    address = position["postcode"]
    # Same postcode or better (older models had "same address" above it).
    address_top = _gamma_of(levels, "postcode", "Same postcode", top["postcode"] - 1)
    given, given_top = position["given_name"], top["given_name"]
    swapped = _gamma_of(levels, "given_name", SWAPPED_GIVEN, None)
    variant_or_better = given_top - _VARIANT_FROM_TOP
    slip_or_better = given_top - _SLIP_FROM_TOP
    agreeing = tuple((position[i], top[i]) for i in IDENTIFIERS if i in top)
    national = tuple(position[i] for i in IDENTIFIERS if i in top and i != "local_ids")

    # A date of birth with day and month swapped or one out, with a given name clearly not
    # the same: a twin or sibling as well (a twin's row with a slip in the date, a sibling
    # born a year after), unless an identifier agrees.
    near_dob = (dob_top - 1, dob_top - 2)

    def twin(gammas: tuple[int, ...]) -> bool:
        near = gammas[dob] in near_dob
        if gammas[dob] != dob_top and not near:
            return False
        if gammas[family] != family_top and gammas[address] < address_top:
            return False
        level = gammas[given]
        if level < 0 or level >= variant_or_better or level == swapped:
            return False  # missing, the same, a nickname or spelling, or the names swapped
        if any(gammas[p] == t for p, t in agreeing):
            return False
        if near:
            return level < slip_or_better
        return any(gammas[p] == 0 for p in national) or level < slip_or_better

    levels.derived["twin_rule"] = twin
    return twin


def _may_be_twin_without_given_name(levels: LevelIndex) -> Callable[[tuple[int, ...]], bool]:
    """A row without a given name whose best candidate has its date of birth and its family
    name or postcode, and no identifier of the same type that agrees: it may be that child's
    twin, and nothing on the row tells them apart. A person decides."""
    rule: Callable[[tuple[int, ...]], bool] | None = levels.derived.get("twin_without_given_name")
    if rule is not None:
        return rule
    position, top = levels.position, levels.top
    given, dob, dob_top = position["given_name"], position["dob"], top["dob"]
    family, family_top = position["family_name"], top["family_name"]
    address = position["postcode"]
    address_top = _gamma_of(levels, "postcode", "Same postcode", top["postcode"] - 1)
    agreeing = tuple((position[i], top[i]) for i in IDENTIFIERS if i in top)

    def missing(gammas: tuple[int, ...]) -> bool:
        return (
            gammas[given] == -1
            and gammas[dob] == dob_top
            and (gammas[family] == family_top or gammas[address] >= address_top)
            and not any(gammas[p] == t for p, t in agreeing)
        )

    levels.derived["twin_without_given_name"] = missing
    return missing


@overload
def _gamma_of(levels: LevelIndex, comparison: str, label: str, default: int) -> int: ...
@overload
def _gamma_of(levels: LevelIndex, comparison: str, label: str, default: None) -> int | None: ...
def _gamma_of(levels: LevelIndex, comparison: str, label: str, default: int | None) -> int | None:
    """The gamma of the level with this label (models differ in their levels)."""
    for gamma, text in levels.labels.get(comparison, {}).items():
        if text == label and gamma >= 0:
            return gamma
    return default


def decide(
    candidates: Sequence[Candidate],
    *,
    thresholds: Thresholds,
    levels: LevelIndex,
    may_create: bool,
    is_shielded: Callable[[str], bool] = lambda _id: False,
) -> Decision:
    """The outcome for one row, given its candidates (best first)."""
    above = [c for c in candidates if c.weight >= thresholds.lower]
    twin = _twin_rule(levels)
    flags = [twin(c.gammas) for c in above]
    twins = tuple(c for c, flag in zip(above, flags, strict=True) if flag)
    eligible = tuple(c for c, flag in zip(above, flags, strict=True) if not flag)
    shielded_ids = {c.other_id for c in above if is_shielded(c.other_id)}
    best = eligible[0] if eligible else None

    if best is not None and best.weight >= thresholds.upper:
        runner_up = next((c for c in eligible[1:] if c.other_id != best.other_id), None)
        if (
            runner_up is not None
            and runner_up.weight >= thresholds.upper
            and best.weight - runner_up.weight < AMBIGUITY_MARGIN
        ):
            return Decision(
                Outcome.REVIEW,
                candidates=eligible,
                twins=twins,
                shielded=bool(shielded_ids),
                reason="fits_two_children",
            )
        if _may_be_twin_without_given_name(levels)(best.gammas):
            return Decision(
                Outcome.REVIEW,
                candidates=eligible,
                twins=twins,
                shielded=bool(shielded_ids),
                reason="given_name_missing",
            )
        if shielded_ids and best.other_id not in shielded_ids:
            return Decision(
                Outcome.REVIEW,
                candidates=eligible,
                twins=twins,
                shielded=True,
                reason="may_be_shielded_child",
            )
        return Decision(
            Outcome.LINK,
            best.other_id,
            best.weight,
            eligible,
            twins,
            shielded=False,
            reason="above_upper_threshold",
        )
    if shielded_ids:
        return Decision(
            Outcome.REVIEW,
            candidates=eligible or twins,
            twins=twins,
            shielded=True,
            reason="may_be_shielded_child",
        )
    if best is not None:
        return Decision(
            Outcome.REVIEW, candidates=eligible, twins=twins, reason="between_thresholds"
        )
    if may_create:
        return Decision(Outcome.CREATE, twins=twins, reason="no_candidate")
    return Decision(Outcome.REVIEW, twins=twins, reason="no_candidate_source_may_not_create")
