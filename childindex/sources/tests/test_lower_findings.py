"""Issue 15, finding 8 (feeds): a NUL byte, a duplicate header, a deeply nested mapping, and
CSV formulas in `feed rejected`."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import call_command

from childindex.sources.mapping import MappingError, load_mapping
from childindex.sources.models import RejectedRow, RunStatus, SourceRecord
from childindex.sources.reading import FileRefused

pytestmark = pytest.mark.django_db


def test_a_nul_byte_in_a_row_is_a_row_problem_and_the_run_finishes(feed_county):
    rows = [
        feed_county.row("A1", "Ruby\x00", "Stone", "2012-01-05"),
        feed_county.row("A2", "Jack", "Field", "2012-02-03"),
    ]
    run = feed_county.load(rows)
    assert run.status == RunStatus.FINISHED
    assert run.rows_done == 2
    rejected = RejectedRow.objects.get(run=run)
    assert rejected.row_number == 1 and "NUL" in rejected.reason
    assert "\x00" not in rejected.key + rejected.reason
    assert SourceRecord.objects.filter(key="A2").exists()


def test_a_nul_byte_in_the_key_is_not_stored(feed_county):
    run = feed_county.load([feed_county.row("A\x001", "Ruby", "Stone", "2012-01-05")])
    rejected = RejectedRow.objects.get(run=run)
    assert "\x00" not in rejected.key


def test_a_duplicate_column_in_the_header_refuses_the_file(feed_county):
    path = feed_county.write(
        [
            [
                "A1",
                "",
                "",
                "",
                "Ruby",
                "Stone",
                "2012-01-05",
                "F",
                "x",
                "TN34 1AA",
                "o",
                "s",
                "",
                "",
                "",
                "Evil",
            ]
        ],
        columns=[*county_columns(), "given"],
    )
    with pytest.raises(FileRefused, match="given.*more than once"):
        from childindex.sources.importing import feed_import

        feed_import(path=path, mapping_text=feed_county.mapping())


def county_columns() -> list[str]:
    from childindex.testkit.feeds import COLUMNS

    return list(COLUMNS)


def test_a_deeply_nested_mapping_gives_a_clear_error_not_a_traceback():
    text = "x = " + "[" * 5000 + "]" * 5000 + "\n"
    with pytest.raises(MappingError, match="nested too deeply"):
        load_mapping(text)
    text = "x = " + "{a = " * 5000 + "1" + "}" * 5000 + "\n"
    with pytest.raises(MappingError, match="nested too deeply"):
        load_mapping(text)


@pytest.mark.parametrize("key", ["=1+1", " =1+1", "\t=1", "\r=1", "\n=1", "\uff1d1+1", "@SUM(A1)"])
def test_feed_rejected_neutralises_formulas_in_every_cell(feed_county, key):
    feed_county.load(
        [
            feed_county.row(key, "Jack", "Field", "2012-02-03", sex="Q"),  # rejected
            feed_county.row(key + "w", "Jack", "Field", "2012-02-30"),  # kept with a warning
        ]
    )
    for report in ("rejected", "problems"):
        out = io.StringIO()
        call_command("feed", report, "--source", "gp", stdout=out)
        keys = [row[2] for row in list(csv.reader(io.StringIO(out.getvalue())))[1:] if row[2]]
        assert keys and all(key.startswith("'") for key in keys)
