"""`feed import`'s progress (issue 17): a line per committed chunk, none printed twice, and a
"still importing" line while a chunk takes a while."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def _import(feed_county, rows, *args: str) -> list[str]:
    path = feed_county.write(rows)
    mapping = feed_county.tmp / "gp.toml"
    mapping.write_text(feed_county.mapping(), encoding="utf-8")
    err = io.StringIO()
    call_command(
        "feed", "import", *args, "--mapping", str(mapping), str(path),
        stdout=io.StringIO(), stderr=err,
    )  # fmt: skip
    return err.getvalue().splitlines()


def test_each_committed_chunk_is_one_line_and_no_line_prints_twice(feed_county):
    rows = [
        feed_county.row(f"A{n}", f"Child{n}", "Stone", f"2012-01-{n + 1:02d}") for n in range(5)
    ]
    lines = _import(feed_county, rows, "--no-progress", "--chunk-rows", "2")
    committed = [line for line in lines if "rows committed" in line]
    assert committed == [
        "gp: 2 of 5 rows committed (40%)",
        "gp: 4 of 5 rows committed (80%)",
        "gp: 5 of 5 rows committed (100%)",
    ]
    assert len(lines) == len(set(lines))
