"""``childindex generate --error-profile hard``: the public benchmarks' errors that the default
profile lacks. The default profile's files stay byte for byte what they were."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import random
from collections import Counter
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from childindex.core.identifiers import validate_nhs_number, validate_upn
from childindex.synthetic.feeds import (
    HARD_ERROR_KINDS,
    _mistype_checked,
    hard_errors,
    profile_error_rates,
)
from childindex.synthetic.people import FEEDS

AS_OF = "2026-11-21"
# sha256 of feeds/*.csv (in FEEDS' order of their sorted names) then truth.csv, written by
# `childindex generate --children 400 --seed 5 --as-of 2026-11-21` before the hard profile
# was added (main at 659c368).
DEFAULT_FEEDS_SHA256 = "ad9b9cf8f00400d97e88db557f1417603907c6f0d8a617b3092ab0255685efa6"


def generate(out: Path, *args: str, children: int = 400, seed: int = 5) -> Path:
    call_command(
        "generate", "--children", str(children), "--seed", str(seed), "--out", str(out),
        "--as-of", AS_OF, *args,
    )  # fmt: skip
    return out


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_the_default_profile_writes_the_same_bytes_as_before(tmp_path):
    out = generate(tmp_path / "default")
    digest = hashlib.sha256()
    for path in sorted((out / "feeds").glob("*.csv")) + [out / "truth.csv"]:
        digest.update(path.read_bytes())
    assert digest.hexdigest() == DEFAULT_FEEDS_SHA256
    again = generate(tmp_path / "named", "--error-profile", "default")
    assert (again / "truth.csv").read_bytes() == (out / "truth.csv").read_bytes()


@pytest.fixture(scope="module")
def hard(tmp_path_factory) -> Path:
    return generate(tmp_path_factory.mktemp("hard"), "--error-profile", "hard", children=2000)


def test_the_hard_profile_applies_every_kind_at_about_its_rate(hard):
    truth = rows(hard / "truth.csv")
    kinds = Counter(k for row in truth for k in row["errors"].split(";") if k)
    for kind in HARD_ERROR_KINDS:
        assert kinds[kind] > 0, kind
    assert 0.02 < kinds["given_replaced"] / len(truth) < 0.06
    changed = {"typo", "nickname", "name_variant", "given_replaced", "two_edits"}
    with_errors = [r for r in truth if r["errors"]]
    given_changed = sum(1 for r in with_errors if changed & set(r["errors"].split(";")))
    assert 0.25 < given_changed / len(with_errors) < 0.75


def test_hard_rows_hold_the_errors_their_truth_names(hard):
    children = {c["child_id"]: c for c in rows(hard / "children.csv")}
    truth = {(t["source"], t["source_record_id"]): t for t in rows(hard / "truth.csv")}
    seen = Counter()
    for feed in FEEDS:
        for row in rows(hard / "feeds" / f"{feed}.csv"):
            facts = truth[(feed, row["source_record_id"])]
            child = children[facts["child_id"]]
            errors = set(facts["errors"].split(";"))
            if "given_missing" in errors:
                assert row["given_names"] == ""
                seen["given_missing"] += 1
            if "dob_missing" in errors:
                assert row["date_of_birth"] == ""
                seen["dob_missing"] += 1
            if "dob_impossible" in errors:
                with pytest.raises(ValueError):
                    dt.date.fromisoformat(row["date_of_birth"])
                seen["dob_impossible"] += 1
            if errors == {"given_replaced"}:
                assert row["given_names"].split()[0] != child["given_names"].split()[0]
                seen["given_replaced"] += 1
            if errors == {"names_swapped"}:
                assert (row["given_names"], row["family_name"]) == (
                    child["family_name"], child["given_names"],
                )  # fmt: skip
                seen["names_swapped"] += 1
            if errors == {"id_check_typo"}:
                kind, value = next(
                    (k, row[c]) for k, c in (("nhs", "nhs_number"), ("upn", "upn"))
                    if c in row and row[c] and row[c] != child[c]
                )  # fmt: skip
                (validate_nhs_number if kind == "nhs" else validate_upn)(value)
                seen["id_check_typo"] += 1
            if errors == {"street_number_typo"}:
                assert row["address_line_1"] != child["address_line_1"]
                seen["street_number_typo"] += 1
    assert len(seen) >= 6, seen


def test_an_identifier_one_digit_out_still_passes_its_check():
    rng = random.Random(1)
    for value, kind, check in (
        ("9434765919", "nhs", validate_nhs_number),
        ("F801200116001", "upn", validate_upn),
    ):
        for _ in range(30):
            wrong = _mistype_checked(value, kind, rng)
            assert wrong != value
            check(wrong)


def test_hard_errors_leave_a_row_alone_at_rate_zero():
    fields = {"given": "Ava", "family": "Hart", "dob": "2016-05-20", "line_1": "12 Elm Road",
              "nhs": "9434765919", "upn": ""}  # fmt: skip
    before = dict(fields)
    rates = dict.fromkeys(HARD_ERROR_KINDS, 0.0)
    assert hard_errors(fields, rates, random.Random(1)) == [] and fields == before


def test_the_profiles_rates_and_a_clear_error_for_an_unknown_one(tmp_path):
    assert not set(HARD_ERROR_KINDS) & set(profile_error_rates("default"))
    assert set(HARD_ERROR_KINDS) <= set(profile_error_rates("hard"))
    assert profile_error_rates("hard", overrides={"given_replaced": 0.5})["given_replaced"] == 0.5
    with pytest.raises(CommandError):
        generate(tmp_path, "--error-profile", "medium")
    with pytest.raises(CommandError, match="given_replaced"):
        generate(tmp_path, "--error", "given_replaced=0.5")
