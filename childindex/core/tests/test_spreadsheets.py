import pytest

from childindex.core.spreadsheets import csv_safe


@pytest.mark.parametrize(
    "cell",
    ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", "\n=1", " =1", "\uff1d1+1", "\uff0b1"],
)
def test_a_cell_a_spreadsheet_could_run_is_made_text(cell):
    assert csv_safe(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["Wealdshire", "12", "", "a=b", "E10000099"])
def test_an_ordinary_cell_is_unchanged(cell):
    assert csv_safe(cell) == cell


def test_none_is_an_empty_cell():
    assert csv_safe(None) == ""
