import pytest

from childindex.core.spreadsheets import csv_safe, write_csv_file


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


def _rows_then_failure(count: int):
    for i in range(count):
        yield (f"K{i}", i)
    raise OSError(28, "No space left on device")


def test_a_csv_file_is_written_whole_with_every_cell_made_safe(tmp_path):
    out = tmp_path / "export.csv"
    seen = []
    assert (
        write_csv_file(out, ["key", "n"], [("=SUM(A1)", 1), ("b", 2)], before_publish=seen.append)
        == 2
    )
    assert out.read_text(encoding="utf-8") == "key,n\n'=SUM(A1),1\nb,2\n"
    assert seen == [2]
    assert [p.name for p in tmp_path.iterdir()] == ["export.csv"]


@pytest.mark.parametrize("fails", ["while writing", "before publishing"])
def test_a_csv_file_that_fails_part_way_leaves_the_old_file_and_no_partial_one(tmp_path, fails):
    out = tmp_path / "export.csv"
    out.write_text("the earlier export\n", encoding="utf-8")

    def refuse(count: int) -> None:
        raise RuntimeError("the audit trail refused the event")

    with pytest.raises((OSError, RuntimeError)):
        if fails == "while writing":
            write_csv_file(out, ["key", "n"], _rows_then_failure(3))
        else:
            write_csv_file(out, ["key", "n"], [("a", 1)], before_publish=refuse)
    assert out.read_text(encoding="utf-8") == "the earlier export\n"
    assert [p.name for p in tmp_path.iterdir()] == ["export.csv"]
