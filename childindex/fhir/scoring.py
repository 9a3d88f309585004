"""``$match``'s scorer: the linkage model's comparisons evaluated in plain Python for one query
record against its handful of candidates.

A ``$match`` call scores one Patient against the few children a search found. The feeds'
scorer (``linkage.model.Scorer``) does it in DuckDB, built for thousands of rows at a time:
for a handful of pairs its eight statements a call (the index table emptied and filled, two
temporary tables, the scoring query) cost most of a call's time. This module reads the same
model settings, evaluates each comparison level's condition with SQL's three-valued logic
(a level holds only where its condition is true, so a missing value falls through to a
weaker level as in DuckDB), and adds up the same match weights: the result is the same
``Candidate`` list, to the bit for weights and levels (``test_scoring``). Blocking is applied
too, so the pairs are the ones the feeds' scorer would score.

Only the conditions the model's comparisons are written in are understood (equality, IS NULL,
``list_contains``, ``list_intersect``, Jaro-Winkler, (Damerau-)Levenshtein, a date difference);
``PythonScorer.supported`` is False for any other (a model trained with new comparisons), and
``$match`` then uses the feeds' scorer.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Sequence
from typing import Any

import jellyfish

from childindex.linkage.model import Candidate, LevelIndex

_CLAMP = 1e-300
Row = dict[str, Any]
Test = Callable[[Row, Row], bool | None]

_COL = r'"(?P<{}>\w+)_(?P<{}>[lr])"'


def _side(row_l: Row, row_r: Row, name: str, side: str) -> Any:
    return (row_l if side == "l" else row_r).get(name)


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _atom(text: str) -> Test | None:
    """One comparison of a level's condition, as a test of a pair (None: not understood)."""
    text = text.strip()
    two = _COL.format("a", "sa") + r"\s*,\s*" + _COL.format("b", "sb")
    patterns: list[tuple[str, Callable[..., Test]]] = [
        (_COL.format("a", "sa") + r"\s+IS NULL$", _is_null),
        (_COL.format("a", "sa") + r"\s*=\s*" + _COL.format("b", "sb") + "$", _equal),
        (rf"list_contains\({two}\)$", _list_contains),
        (rf"len\(list_intersect\({two}\)\)\s*>\s*0$", _intersect),
        (rf"jaro_winkler_similarity\({two}\)\s*>=\s*(?P<t>[0-9.]+)$", _jaro_winkler),
        (rf"damerau_levenshtein\({two}\)\s*<=\s*(?P<t>[0-9]+)$", _damerau),
        (rf"levenshtein\({two}\)\s*<=\s*(?P<t>[0-9]+)$", _levenshtein),
        (
            r"abs\(date_diff\('day',\s*CAST\("
            + _COL.format("a", "sa")
            + r"\s+AS DATE\),\s*CAST\("
            + _COL.format("b", "sb")
            + r"\s+AS DATE\)\)\)\s*<=\s*(?P<t>[0-9]+)$",
            _date_diff,
        ),
    ]
    for pattern, make in patterns:
        found = re.match(pattern, text)
        if found:
            return make(**found.groupdict())
    return None


def _pair(a, sa, b=None, sb=None):
    def values(l_row: Row, r_row: Row):
        return _side(l_row, r_row, a, sa), _side(l_row, r_row, b, sb) if b else None

    return values


def _is_null(a, sa) -> Test:
    return lambda l_row, r_row: _side(l_row, r_row, a, sa) is None


def _equal(a, sa, b, sb) -> Test:
    values = _pair(a, sa, b, sb)

    def test(l_row, r_row):
        x, y = values(l_row, r_row)
        return None if x is None or y is None else x == y

    return test


def _list_contains(a, sa, b, sb) -> Test:
    values = _pair(a, sa, b, sb)

    def test(l_row, r_row):
        items, x = values(l_row, r_row)
        return None if items is None or x is None else x in items

    return test


def _intersect(a, sa, b, sb) -> Test:
    values = _pair(a, sa, b, sb)

    def test(l_row, r_row):
        x, y = values(l_row, r_row)
        if x is None or y is None:
            return None
        return bool({v for v in x if v is not None} & {v for v in y if v is not None})

    return test


def _distance(measure, compare) -> Callable[..., Test]:
    def make(a, sa, b, sb, t) -> Test:
        values = _pair(a, sa, b, sb)
        threshold = float(t)

        def test(l_row, r_row):
            x, y = values(l_row, r_row)
            return None if x is None or y is None else compare(measure(x, y), threshold)

        return test

    return make


_jaro_winkler = _distance(jellyfish.jaro_winkler_similarity, lambda v, t: v >= t)
_damerau = _distance(jellyfish.damerau_levenshtein_distance, lambda v, t: v <= t)
_levenshtein = _distance(jellyfish.levenshtein_distance, lambda v, t: v <= t)
_date_diff = _distance(lambda x, y: abs((_date(x) - _date(y)).days), lambda v, t: v <= t)


def _any(tests: Sequence[Test]) -> Test:
    def test(l_row, r_row):
        unknown = False
        for one in tests:
            result = one(l_row, r_row)
            if result:
                return True
            unknown = unknown or result is None
        return None if unknown else False

    return test


def _all(tests: Sequence[Test]) -> Test:
    def test(l_row, r_row):
        unknown = False
        for one in tests:
            result = one(l_row, r_row)
            if result is False:
                return False
            unknown = unknown or result is None
        return None if unknown else True

    return test


def condition(sql: str) -> Test | None:
    """A level's SQL condition as a test (OR of ANDs of atoms), or None if not understood."""
    alternatives = []
    for part in re.split(r"\s+OR\s+", sql.strip()):
        atoms = [_atom(a) for a in re.split(r"\s+AND\s+", part)]
        if any(a is None for a in atoms):
            return None
        alternatives.append(atoms[0] if len(atoms) == 1 else _all(atoms))
    return alternatives[0] if len(alternatives) == 1 else _any(alternatives)


def _blocking(rule: str) -> list[tuple[str, str]] | None:
    """``l."a" = r."b" AND ...`` as (a, b) pairs, or None if not understood."""
    pairs = []
    for part in re.split(r"\s+AND\s+", rule.strip()):
        found = re.match(r'^l\."(\w+)"\s*=\s*r\."(\w+)"$', part.strip())
        if not found:
            return None
        pairs.append((found.group(1), found.group(2)))
    return pairs


class PythonScorer:
    """One model version's comparisons, for scoring a few pairs in process."""

    def __init__(self, settings: dict[str, Any]) -> None:
        self.levels = LevelIndex(settings)
        self.supported = True
        self._comparisons: list[list[tuple[int, Test | None, float]]] = []
        for comparison in settings["comparisons"]:
            levels = comparison["comparison_levels"]
            value = sum(1 for lv in levels if not lv.get("is_null_level")) - 1
            compiled: list[tuple[int, Test | None, float]] = []
            for level in levels:
                if level.get("tf_adjustment_column") or level.get("tf_adjustment_weight"):
                    self.supported = False
                sql = level["sql_condition"]
                test = None if sql.strip().upper() == "ELSE" else condition(sql)
                if test is None and sql.strip().upper() != "ELSE":
                    self.supported = False
                if level.get("is_null_level"):
                    compiled.append((-1, test, 0.0))
                    continue
                m, u = level.get("m_probability"), level.get("u_probability")
                if not all(isinstance(p, int | float) and not isinstance(p, bool) for p in (m, u)):
                    self.supported = False
                    m = u = 1.0
                weight = math.log2(max(float(m), _CLAMP) / max(float(u), _CLAMP))
                compiled.append((value, test, weight))
                value -= 1
            self._comparisons.append(compiled)
        p = settings["probability_two_random_records_match"]
        self._prior = math.log2(p / (1 - p))
        self._blocks = []
        for rule in settings["blocking_rules_to_generate_predictions"]:
            text = rule["blocking_rule"] if isinstance(rule, dict) else str(rule)
            pairs = _blocking(text)
            if pairs is None:
                self.supported = False
                pairs = []
            self._blocks.append(pairs)

    def _blocked(self, l_row: Row, r_row: Row) -> bool:
        for pairs in self._blocks:
            if all(l_row.get(a) is not None and l_row.get(a) == r_row.get(b) for a, b in pairs):
                return True
        return False

    def score(self, rows: Sequence[Row], index: Sequence[Row], *, min_weight: float):
        """Every blocked pair (row, child) scoring at least ``min_weight``, in the feeds'
        scorer's order (by row, best first, then by the child's id)."""
        out = []
        for l_row in rows:
            found = []
            for r_row in index:
                if not self._blocked(l_row, r_row):
                    continue
                gammas, weights = [], []
                for levels in self._comparisons:
                    for gamma, test, weight in levels:
                        if test is None or test(l_row, r_row):
                            gammas.append(gamma)
                            weights.append(weight)
                            break
                total = self._prior
                for weight in weights:  # in DuckDB's order, so the sum is its sum
                    total += weight
                if total < min_weight:
                    continue
                if total >= 0:
                    probability = 1.0 / (1.0 + 2.0 ** (-total))
                else:
                    probability = 2.0**total / (1.0 + 2.0**total)
                found.append(
                    (-total, r_row["unique_id"]),
                )
                found[-1] = (
                    found[-1],
                    Candidate(
                        l_row["unique_id"],
                        r_row["unique_id"],
                        round(total, 3),
                        probability,
                        tuple(gammas),
                        tuple(weights),
                        self.levels,
                    ),
                )
            found.sort(key=lambda pair: pair[0])
            out.extend(candidate for _, candidate in found)
        return out
