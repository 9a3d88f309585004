"""A model estimated without labels on an LA's index and the incoming rows (Splink's way: the
prior from deterministic rules, u by random sampling, m by EM on blocked pairs), seeded by
the hand-set m and u. No truth is read: ``estimate`` takes no labels, and the generator's
truth file is only used here to check the result."""

from __future__ import annotations

import csv
import datetime as dt
import inspect
import math
from pathlib import Path

import pytest
from django.core.management import call_command

from childindex.linkage.comparisons import default_settings
from childindex.linkage.decide import DEFAULT_THRESHOLDS, Outcome, decide
from childindex.linkage.estimate import ESTIMATE_KEY, estimate
from childindex.linkage.model import Scorer, link_table
from childindex.linkage.normalise import LinkRecord


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _record(uid: str, row: dict[str, str]) -> LinkRecord:
    ids = {k: row[c] for k, c in (("nhs", "nhs_number"), ("upn", "upn")) if row.get(c)}
    return LinkRecord(
        uid, row["given_names"], row["family_name"], _date(row["date_of_birth"]), row["gender"],
        row["postcode"], row["address_line_1"], ids, (), (), (), (), row["town"],
    )  # fmt: skip


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("estimate")
    call_command(
        "generate", "--children", "1500", "--seed", "3", "--as-of", "2026-11-21",
        "--out", str(out), "--error-profile", "hard",
    )  # fmt: skip
    return out


def test_estimate_takes_no_labels():
    parameters = set(inspect.signature(estimate).parameters)
    assert parameters == {"settings", "index", "records", "seed", "max_rows", "max_u_pairs"}


def test_a_model_is_estimated_on_the_index_and_the_rows_and_links_them(generated):
    children = _rows(generated / "children.csv")
    index = link_table([_record(c["child_id"], c) for c in children])
    feed = _rows(generated / "feeds" / "school_census.csv")
    rows = link_table([_record(r["source_record_id"], r) for r in feed])
    seed = default_settings()
    estimated = estimate(seed, index, rows)

    facts = estimated[ESTIMATE_KEY]
    assert facts["index_rows"] == len(children) and facts["rows"] == len(feed)
    assert facts["u_pairs"] > 50_000 and facts["em_blocks"]
    assert 1 / (50 * len(children)) < facts["prior"] < 20 / len(children)
    assert [c["output_column_name"] for c in estimated["comparisons"]] == [
        c["output_column_name"] for c in seed["comparisons"]
    ]
    moved = 0
    for before, after in zip(seed["comparisons"], estimated["comparisons"], strict=True):
        for a, b in zip(before["comparison_levels"], after["comparison_levels"], strict=True):
            if a.get("is_null_level"):
                continue
            assert 0 < b["m_probability"] <= 1 and 0 < b["u_probability"] <= 1
            moved += not math.isclose(a["m_probability"], b["m_probability"])
    assert moved >= 10  # EM moved the m of most levels

    # Checked against the truth (which estimation never saw): the rows link to their child.
    truth = {t["source_record_id"]: t["child_id"] for t in _rows(generated / "truth.csv")}
    scorer = Scorer(estimated)
    try:
        scorer.add_index(index)
        candidates = scorer.score(rows, min_weight=DEFAULT_THRESHOLDS.lower)
    finally:
        scorer.close()
    by_row: dict[str, list] = {}
    for c in candidates:
        by_row.setdefault(c.record_id, []).append(c)
    right = wrong = 0
    for uid, found in by_row.items():
        decision = decide(found, thresholds=DEFAULT_THRESHOLDS, levels=scorer.levels,
                          may_create=True)  # fmt: skip
        if decision.outcome == Outcome.LINK:
            right += decision.other_id == truth[uid]
            wrong += decision.other_id != truth[uid]
    assert right > 0.85 * len(feed)
    assert wrong <= 0.001 * len(feed)


def test_an_empty_index_estimates_on_the_rows_own_duplicates(generated):
    feed = _rows(generated / "feeds" / "gp_registrations.csv")
    rows = link_table([_record(r["source_record_id"], r) for r in feed])
    estimated = estimate(default_settings(), link_table([]), rows)
    assert estimated[ESTIMATE_KEY]["index_rows"] == 0
    assert estimated["link_type"] == "link_only"  # as the seed: it scores rows against children
    Scorer(estimated).close()  # usable as it is


def test_the_same_rows_give_the_same_model_every_time(generated):
    # An LA's first load imported again into the same index (a restore, a rehearsal) is
    # scored by the same model, to the last bit: DuckDB's parallel sums would otherwise
    # vary in their last digits from run to run, and with them a borderline decision.
    children = _rows(generated / "children.csv")
    index = link_table([_record(c["child_id"], c) for c in children])
    feed = [
        (f"{name}:{r['source_record_id']}", r)
        for name in ("school_census", "health_visiting", "gp_registrations")
        for r in _rows(generated / "feeds" / f"{name}.csv")
    ]
    rows = link_table([_record(uid, r) for uid, r in feed])
    models = []
    for _ in range(3):
        estimated = estimate(default_settings(), index, rows)
        estimated.pop(ESTIMATE_KEY)  # (its seconds differ)
        models.append(estimated)
    assert models[0] == models[1] == models[2]
