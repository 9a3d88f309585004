"""The command lines other tools rely on: `feed import`, `feed rejected`, `links export`, and
`linkage` (models, train, dry runs before any change). Bad input is one line, never a
traceback."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from childindex.audit.models import AuditEvent
from childindex.sources.models import LinkageModel, LinkageThreshold, SourceRecord

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_feed_import_reports_its_counts(feed_county):
    path = feed_county.write(
        [
            feed_county.row("A1", "Ruby", "Stone", "2012-01-05"),
            feed_county.row("A2", "Jack", "Field", "2012-02-03", sex="Q"),
        ]
    )
    mapping = feed_county.tmp / "gp.toml"
    mapping.write_text(feed_county.mapping(), encoding="utf-8")
    out = run("feed", "import", "--no-progress", "--mapping", str(mapping), str(path))
    assert "2 rows read" in out and "1 new children" in out and "1 rejected" in out
    report = run("feed", "rejected", "--source", "gp")
    rows = list(csv.reader(io.StringIO(report)))
    assert rows[0] == ["row", "line", "key", "reason"]
    assert rows[1][:3] == ["2", "3", "A2"]


def test_feed_import_refuses_a_file_without_required_columns_in_one_line(feed_county):
    path = feed_county.write([["A1"]], columns=["id"])
    mapping = feed_county.tmp / "gp.toml"
    mapping.write_text(feed_county.mapping(), encoding="utf-8")
    with pytest.raises(CommandError, match="lacks required columns: given, family, dob"):
        run("feed", "import", "--no-progress", "--mapping", str(mapping), str(path))
    with pytest.raises(CommandError, match="cannot read the mapping"):
        run("feed", "import", "--mapping", str(feed_county.tmp / "none.toml"), str(path))


def test_links_export_writes_source_key_and_index_number(feed_county, tmp_path):
    feed_county.load([feed_county.row("A1", "Ruby", "Stone", "2012-01-05")])
    out = tmp_path / "links.csv"
    run("links", "export", "--out", str(out))
    rows = list(csv.reader(out.open(encoding="utf-8")))
    child = SourceRecord.objects.get(key="A1").child
    assert rows == [["source", "source_record_id", "child_id"], ["gp", "A1", child.index_number]]
    assert AuditEvent.objects.filter(action="links_export").exists()


def test_thresholds_show_a_dry_run_and_change_only_with_apply(feed_county):
    feed_county.child("Olivia", "Hart", "2015-03-20")
    feed_county.load(
        [
            feed_county.row(
                "A1", "Olivia", "Hart", "2015-03-20", line1="9 Oak Lane", postcode="BN1 2AB"
            )
        ],
        may_create=False,
    )
    out = run("linkage", "thresholds", "--la", feed_county.la.code, "--upper", "1", "--lower", "0")
    assert "review -> link: 1" in out and "Nothing changed" in out
    assert not LinkageThreshold.objects.exists()
    run(
        "linkage",
        "thresholds",
        "--la",
        feed_county.la.code,
        "--upper",
        "1",
        "--lower",
        "0",
        "--apply",
    )
    assert LinkageThreshold.objects.get().upper == 1
    with pytest.raises(CommandError, match="lower threshold must not be above"):
        run("linkage", "thresholds", "--la", feed_county.la.code, "--upper", "1", "--lower", "5")


def test_a_trained_model_is_stored_as_a_new_inactive_version(feed_county):
    feed_county.load(
        [
            feed_county.row(
                f"A{i}", given, family, f"201{i % 10}-0{i % 9 + 1}-1{i % 9}", line1=f"{i} Elm Road"
            )
            for i, (given, family) in enumerate(
                [
                    ("Ruby", "Stone"),
                    ("Jack", "Field"),
                    ("Olivia", "Hart"),
                    ("Amir", "Khan"),
                    ("Zofia", "Nowak"),
                    ("Ellis", "Reed"),
                ]
            )
        ]
    )
    out = run("linkage", "train", "--max-pairs", "1000")
    assert "Trained version 2" in out
    assert not LinkageModel.objects.get(version=2).active
    assert "v2" in run("linkage", "models")
    dry = run("linkage", "activate", "--version", "2", "--la", feed_county.la.code)
    assert "records looked at" in dry and "Nothing changed" in dry
    run("linkage", "activate", "--version", "2", "--la", feed_county.la.code, "--apply")
    assert LinkageModel.objects.get(active=True).version == 2


def test_feed_import_yields_the_cpu_to_people_unless_told_not_to(feed_county, monkeypatch):
    """A batch import runs below the web server's priority (niceness 10 by default): on a shared
    machine it must not take the cores people's searches are waiting for."""
    lowered: list[int] = []
    monkeypatch.setattr("os.nice", lambda increment: lowered.append(increment))
    path = feed_county.write([feed_county.row("A1", "Ruby", "Stone", "2012-01-05")])
    mapping = feed_county.tmp / "gp.toml"
    mapping.write_text(feed_county.mapping(), encoding="utf-8")
    run("feed", "import", "--no-progress", "--mapping", str(mapping), str(path))
    assert lowered == [10]
    run("feed", "import", "--no-progress", "--nice", "0", "--mapping", str(mapping), str(path))
    assert lowered == [10]
    with pytest.raises(CommandError, match="invalid choice: 20"):
        run("feed", "import", "--nice", "20", "--mapping", str(mapping), str(path))


def test_an_export_that_cannot_be_written_is_one_line_and_no_audit_event(feed_county, tmp_path):
    feed_county.load([feed_county.row("A1", "Ruby", "Stone", "2012-01-05")])
    for command in ("links", "review"):
        out = tmp_path / "no such folder" / f"{command}.csv"
        with pytest.raises(CommandError, match="cannot write"):
            run(command, "export", "--out", str(out))
    assert not AuditEvent.objects.filter(action__in=["links_export", "review_export"]).exists()
