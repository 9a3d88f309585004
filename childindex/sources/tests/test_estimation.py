"""An LA's first import of a source is scored by a model estimated without labels on the
index and the incoming rows, stored as a new (inactive) version the run and its links record;
later imports of that source use the active model."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command

from childindex.audit.models import Action, AuditEvent
from childindex.sources.estimation import MIN_ROWS, file_records, read_ahead
from childindex.sources.mapping import RowError, load_mapping, parse_row
from childindex.sources.models import ImportRun, LinkageModel, LinkMethod, SourceLink
from childindex.sources.reading import RawRow, read_rows

pytestmark = pytest.mark.django_db


def test_a_first_import_is_scored_by_a_model_estimated_for_it(tmp_path):
    out = tmp_path / "generated"
    quiet = {"stdout": io.StringIO(), "stderr": io.StringIO()}
    call_command(
        "generate", "--children", "700", "--seed", "4", "--as-of", "2026-11-21",
        "--out", str(out), "--load", **quiet,
    )  # fmt: skip
    feed = out / "feeds" / "gp_registrations.csv"
    mapping = out / "feeds" / "gp_registrations.toml"
    assert sum(1 for _ in feed.open()) - 1 >= MIN_ROWS
    call_command("feed", "import", "--no-progress", "--mapping", str(mapping), str(feed), **quiet)

    run = ImportRun.objects.get()
    active = LinkageModel.objects.get(active=True)
    estimated = run.model
    assert estimated.version != active.version and not estimated.active
    facts = estimated.trained_on
    assert facts["feed"] == "gp_registrations" and facts["seeded_by"] == active.version
    assert facts["rows"] >= MIN_ROWS and facts["index_rows"] == 700
    assert "unsupervised" in facts["method"] and facts["em_blocks"]
    assert estimated.settings["comparisons"] != active.settings["comparisons"]
    links = SourceLink.objects.filter(
        source_record__feed__name="gp_registrations", method=LinkMethod.MODEL
    )
    assert links.exists() and set(links.values_list("model_id", flat=True)) == {estimated.pk}
    assert AuditEvent.objects.filter(
        action=Action.LINKAGE_MODEL_TRAIN, detail__version=estimated.version
    ).exists()
    assert links.count() >= 0.9 * run.rows_total

    # The same source again: no longer its first import, the active model.
    call_command(
        "feed", "import", "--no-progress", "--mapping", str(mapping), str(feed), **quiet
    )  # fmt: skip
    assert ImportRun.objects.order_by("-pk").first().model_id == active.pk
    assert LinkageModel.objects.count() == 2


def test_the_rows_read_ahead_for_the_estimate_are_the_files_rows_parsed_once(tmp_path):
    """The first import reads and parses its first rows once (``read_ahead``): the estimate
    takes them, and the import's chunks get exactly what reading and parsing again would."""
    out = tmp_path / "generated"
    call_command(
        "generate", "--children", "300", "--seed", "4", "--as-of", "2026-11-21",
        "--error-rate", "0.3", "--out", str(out),
        stdout=io.StringIO(), stderr=io.StringIO(),
    )  # fmt: skip
    feed = out / "feeds" / "school_census.csv"
    mapping = load_mapping((out / "feeds" / "school_census.toml").read_text())
    today = dt.date(2026, 11, 21)
    every = list(read_rows(feed, mapping))
    assert len(every) > 150

    whole = read_ahead(feed, mapping, today, limit=None)
    assert whole.complete and whole.records() == file_records(feed, mapping, today)

    ahead = read_ahead(feed, mapping, today, limit=100)
    assert not ahead.complete and len(ahead.parsed) == sum(
        1 for r in every[:100] if isinstance(r, RawRow)
    )
    for raw in every[:100]:
        if not isinstance(raw, RawRow):
            continue
        try:
            expected: object = parse_row(
                mapping, raw.values, row_number=raw.row_number, line_number=raw.line_number,
                today=today,
            )  # fmt: skip
        except RowError as exc:
            expected = str(exc)
        got = ahead.parsed[raw.row_number]
        assert (str(got) if isinstance(got, RowError) else got) == expected
    # Handed on from any row, then the rest of the file read as before.
    assert list(ahead.rows(feed, mapping, start_after=40)) == every[40:]
    assert read_ahead(feed, mapping, today, limit=len(every)).complete
