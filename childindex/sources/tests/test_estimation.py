"""An LA's first import of a source is scored by a model estimated without labels on the
index and the incoming rows, stored as a new (inactive) version the run and its links record;
later imports of that source use the active model."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from childindex.audit.models import Action, AuditEvent
from childindex.sources.estimation import MIN_ROWS
from childindex.sources.models import ImportRun, LinkageModel, LinkMethod, SourceLink

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
