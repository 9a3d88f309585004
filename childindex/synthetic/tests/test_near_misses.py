"""`childindex near-misses`: the demo's small batch, and the load test's bigger batches with keys
of their own (issue 16: the load test's index teams need items to decide)."""

from __future__ import annotations

import csv
import io
import random
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from childindex.synthetic.near_misses import _near_miss
from childindex.synthetic.tests.test_generate_command import generate


@pytest.fixture(scope="module")
def feeds(tmp_path_factory) -> Path:
    return generate(tmp_path_factory.mktemp("county"), children=600) / "feeds"


def _near_misses(feeds: Path, *args: str) -> list[dict[str, str]]:
    out = io.StringIO()
    call_command("near-misses", str(feeds), *args, stdout=out)
    mapping = Path(out.getvalue().strip())
    assert mapping.name == "health_visiting_transfer.toml"
    with mapping.with_suffix(".csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_the_demos_batch_is_24_near_misses_and_3_strangers_without_nhs_numbers(feeds):
    rows = _near_misses(feeds)
    assert len(rows) == 27
    assert [r["source_record_id"] for r in rows[:2]] == ["HVT000000", "HVT000001"]
    assert rows[-1]["source_record_id"] == "HVT900002"
    assert not any(r["nhs_number"] for r in rows)


def test_a_batch_has_the_rows_asked_for_and_keys_no_other_batch_has(feeds):
    first = _near_misses(feeds, "--rows", "40", "--strangers", "5", "--batch", "L1")
    second = _near_misses(feeds, "--rows", "40", "--strangers", "5", "--batch", "L2", "--seed", "3")
    assert len(first) == len(second) == 45
    keys = [r["source_record_id"] for r in first]
    assert len(set(keys)) == 45 and all(k.startswith("HVTL1") for k in keys)
    assert not set(keys) & {r["source_record_id"] for r in second}
    # another seed picks other children
    assert {r["date_of_birth"] for r in first[:40]} != {r["date_of_birth"] for r in second[:40]}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--rows", "0"), "ask for 1 to 100,000 near misses"),
        (("--strangers", "-1"), "0 to 100,000 strangers"),
        (("--batch", "L-1"), "a batch is up to 12 letters and digits"),
    ],
)
def test_a_batch_that_cannot_be_written_is_one_clear_error(feeds, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("near-misses", str(feeds), *args, stdout=io.StringIO())


def test_a_child_born_on_29_february_has_a_near_miss_a_year_out():
    """Day 29 cannot swap with the month, so the near miss is a year out: 28 February (the
    load test's preparation failed on such a child, "day is out of range for month")."""
    row = {"source_record_id": "X", "given_names": "Ada", "family_name": "Lovelace",
           "date_of_birth": "2020-02-29", "nhs_number": "9434765919"}  # fmt: skip
    out = _near_miss(row, 0, random.Random(1), "B")  # n % 3 == 0: the date of birth a year out
    assert out["date_of_birth"] == "2019-02-28" and out["nhs_number"] == ""
