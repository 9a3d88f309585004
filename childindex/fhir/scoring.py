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

Only the SQL the model's comparisons are written in is understood (AND, OR, parentheses,
comparisons, IS NULL, ``list_contains``, ``list_intersect``, ``len``, ``length``, ``substr``,
``left``, Jaro-Winkler, (Damerau-)Levenshtein, a date difference); the term-frequency
adjustment of an exact name is the DuckDB scorer's (each name's share of the names among the
candidates and the query, drawn towards u). ``PythonScorer.supported`` is False for anything
else (a model with new kinds of comparison), and ``$match`` then uses the feeds' scorer.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Sequence
from typing import Any

import jellyfish

from childindex.linkage.comparisons import COLUMNS, TERM_FREQUENCY_KEY
from childindex.linkage.model import TF_PSEUDO_COUNT, Candidate, LevelIndex, blocking_pairs

_CLAMP = 1e-300
Row = dict[str, Any]
Test = Callable[[Row, Row], bool | None]


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


_TOKEN = re.compile(
    r"""\s*(?:(?P<column>"\w+")|(?P<string>'[^']*')|(?P<number>\d+(?:\.\d+)?)"""
    r"""|(?P<op><>|>=|<=|=|>|<)|(?P<punct>[(),])|(?P<word>[A-Za-z_]\w*))"""
)


def _tokens(sql: str) -> list[tuple[str, str]]:
    out, position = [], 0
    sql = sql.strip()
    while position < len(sql):
        found = _TOKEN.match(sql, position)
        if not found or found.end() == position:
            raise ValueError(f"cannot read {sql[position : position + 20]!r}")
        kind = found.lastgroup or ""
        out.append((kind, found.group(kind)))
        position = found.end()
    return out


def _null_safe(function):
    """SQL's rule: a function of a NULL is NULL."""

    def call(*values):
        return None if any(v is None for v in values) else function(*values)

    return call


def _as_date(value):
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


_FUNCTIONS: dict[str, Callable[..., Any]] = {
    name: _null_safe(function)
    for name, function in {
        "jaro_winkler_similarity": jellyfish.jaro_winkler_similarity,
        "damerau_levenshtein": jellyfish.damerau_levenshtein_distance,
        "levenshtein": jellyfish.levenshtein_distance,
        "list_contains": lambda items, value: value in items,
        "list_intersect": lambda a, b: [v for v in dict.fromkeys(a) if v is not None and v in b],
        "len": len,
        "length": len,
        "substr": lambda text, start, length: text[int(start) - 1 : int(start) - 1 + int(length)],
        "left": lambda text, n: text[: int(n)],
        "abs": abs,
        "date_diff": lambda part, a, b: (_as_date(b) - _as_date(a)).days,
    }.items()
}
_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "=": lambda a, b: a == b,
    "<>": lambda a, b: a != b,
    ">=": lambda a, b: a >= b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    "<": lambda a, b: a < b,
}
Value = Callable[[Row, Row], Any]


class _Parser:
    """A level's SQL condition (the subset the model's comparisons are written in) as a
    function of a pair, with SQL's NULLs: AND, OR, comparisons, IS [NOT] NULL, parentheses,
    CAST(... AS DATE), string and number literals, columns "name_l" / "name_r" and the
    functions above. Anything else raises ValueError."""

    def __init__(self, sql: str) -> None:
        self.tokens, self.at = _tokens(sql), 0

    def peek(self, value: str | None = None) -> bool:
        if self.at >= len(self.tokens):
            return False
        return value is None or self.tokens[self.at][1].upper() == value

    def take(self, value: str | None = None) -> tuple[str, str]:
        if not self.peek(value):
            raise ValueError(f"expected {value or 'more'}")
        self.at += 1
        return self.tokens[self.at - 1]

    def parse(self) -> Value:
        value = self.disjunction()
        if self.at != len(self.tokens):
            raise ValueError("unexpected text after the condition")
        return value

    def disjunction(self) -> Value:
        parts = [self.conjunction()]
        while self.peek("OR"):
            self.take()
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else _any(parts)

    def conjunction(self) -> Value:
        parts = [self.comparison()]
        while self.peek("AND"):
            self.take()
            parts.append(self.comparison())
        return parts[0] if len(parts) == 1 else _all(parts)

    def comparison(self) -> Value:
        left = self.value()
        if self.peek("IS"):
            self.take()
            negate = self.peek("NOT")
            if negate:
                self.take()
            self.take("NULL")
            return lambda l_row, r_row: (left(l_row, r_row) is None) != negate
        if self.at < len(self.tokens) and self.tokens[self.at][0] == "op":
            compare = _COMPARE[self.take()[1]]
            right = self.value()

            def test(l_row, r_row):
                a, b = left(l_row, r_row), right(l_row, r_row)
                return None if a is None or b is None else compare(a, b)

            return test
        return left

    def value(self) -> Value:
        kind, text = self.take()
        if kind == "column":
            found = re.fullmatch(r'"(\w+)_([lr])"', text)
            if not found:
                raise ValueError(f"not a pair's column: {text}")
            name, side = found.groups()
            if side == "l":
                return lambda l_row, r_row: l_row.get(name)
            return lambda l_row, r_row: r_row.get(name)
        if kind == "string":
            literal = text[1:-1]
            return lambda l_row, r_row: literal
        if kind == "number":
            number = float(text) if "." in text else int(text)
            return lambda l_row, r_row: number
        if text == "(":
            inner = self.disjunction()
            self.take(")")
            return inner
        if kind == "word" and text.upper() == "CAST":
            self.take("(")
            inner = self.disjunction()
            self.take("AS")
            self.take("DATE")
            self.take(")")
            cast = _null_safe(_as_date)
            return lambda l_row, r_row: cast(inner(l_row, r_row))
        if kind == "word" and text.lower() in _FUNCTIONS:
            function = _FUNCTIONS[text.lower()]
            self.take("(")
            args = [self.disjunction()]
            while self.peek(","):
                self.take()
                args.append(self.disjunction())
            self.take(")")
            return lambda l_row, r_row: function(*(a(l_row, r_row) for a in args))
        raise ValueError(f"not understood: {text}")


def condition(sql: str) -> Test | None:
    """A level's SQL condition as a test of a pair, or None if it is not understood."""
    try:
        return _Parser(sql).parse()
    except (ValueError, KeyError):
        return None


class PythonScorer:
    """One model version's comparisons, for scoring a few pairs in process."""

    def __init__(self, settings: dict[str, Any]) -> None:
        self.levels = LevelIndex(settings)
        self.supported = True
        self._comparisons: list[list[tuple[int, Test | None, float]]] = []
        # Term-frequency adjustments (as ``linkage.model.ScoringSql``): the comparison's
        # position, its column, the level, and that level's u, weight and minimum.
        frequency = settings.get(TERM_FREQUENCY_KEY) or {}
        self._adjust: dict[tuple[int, int], tuple[str, float, float, float]] = {}
        for position, comparison in enumerate(settings["comparisons"]):
            name = comparison["output_column_name"]
            adjust = frequency.get(name) if name in COLUMNS else None
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
                if adjust is not None and level.get("label_for_charts") == adjust["label"]:
                    self._adjust[(position, value)] = (
                        name,
                        max(float(u), _CLAMP),
                        float(adjust.get("weight", 1.0)),
                        float(adjust.get("minimum", 0.0001)),
                    )
                compiled.append((value, test, weight))
                value -= 1
            self._comparisons.append(compiled)
        p = settings["probability_two_random_records_match"]
        self._prior = math.log2(p / (1 - p))
        self._blocks = []
        for rule in settings["blocking_rules_to_generate_predictions"]:
            text = rule["blocking_rule"] if isinstance(rule, dict) else str(rule)
            pairs = blocking_pairs(text)
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
        # Each adjusted column's value counts over the index and the rows, as the DuckDB
        # scorer counts them over its index table and the incoming rows.
        counts: dict[str, dict[Any, int]] = {}
        for column, *_ in self._adjust.values():
            if column not in counts:
                seen: dict[Any, int] = {}
                for row in (*index, *rows):
                    value = row.get(column)
                    if value is not None:
                        seen[value] = seen.get(value, 0) + 1
                counts[column] = seen
        totals = {column: sum(seen.values()) for column, seen in counts.items()}

        def adjusted(position: int, gamma: int, weight: float, l_row: Row) -> float:
            column, u, scale, minimum = self._adjust[(position, gamma)]
            value = l_row.get(column)
            if value is None:
                tf = 1.0
            else:
                tf = (counts[column].get(value, 0) + TF_PSEUDO_COUNT * u) / (
                    totals[column] + TF_PSEUDO_COUNT
                )
            return weight + scale * math.log2(u / max(tf, minimum))

        out: list[Candidate] = []
        for l_row in rows:
            found: list[tuple[tuple[float, Any], Candidate]] = []
            for r_row in index:
                if not self._blocked(l_row, r_row):
                    continue
                gammas, weights = [], []
                for position, levels in enumerate(self._comparisons):
                    for gamma, test, weight in levels:
                        if test is None or test(l_row, r_row):
                            if (position, gamma) in self._adjust:
                                weight = adjusted(position, gamma, weight, l_row)
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
                    (
                        (-total, r_row["unique_id"]),
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
                )
            found.sort(key=lambda pair: pair[0])
            out.extend(candidate for _, candidate in found)
        return out
