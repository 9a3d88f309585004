"""`childindex review export`: every open review item's candidates, rank 1 the best, in
stable columns (issue 11, item 5)."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from childindex.audit.models import AuditEvent
from childindex.sources.models import ReviewItem, ReviewStatus
from childindex.testkit import feeds

pytestmark = pytest.mark.django_db


def export(tmp_path, *args: str) -> list[list[str]]:
    out = tmp_path / "review.csv"
    call_command("review", "export", "--out", str(out), *args, stdout=io.StringIO())
    with out.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def test_review_export_lists_each_open_items_candidates_best_first(feed_county, tmp_path):
    olivia = feed_county.child("Olivia", "Hart", "2015-03-20")
    livvy = feed_county.child(
        "Olivia", "Hart", "2015-03-21", line1="3 Oak Lane", postcode="TN34 2AB"
    )
    # Between the thresholds for both: a different address for one, a day out for the other.
    feed_county.load(
        [
            feed_county.row(
                "A1", "Olivia", "Hart", "2015-03-20", line1="9 Elm Road", postcode="TN34 2AB"
            )
        ]
    )
    feed_county.load(
        [feed_county.row("B1", "Ruby", "Stone", "2012-01-05")], may_create=False, name="school"
    )
    rows = export(tmp_path)
    # The first six columns are the stable interface; columns are only ever appended.
    assert rows[0][:6] == [
        "source",
        "source_record_id",
        "rank",
        "child_id",
        "match_weight",
        "reason",
    ]
    assert rows[0][6:] == ["candidate_source_record_id"]
    gp = [r for r in rows[1:] if r[0] == "gp"]
    assert [r[2] for r in gp] == [str(i) for i in range(1, len(gp) + 1)]
    weights = [float(r[4]) for r in gp]
    assert weights == sorted(weights, reverse=True)
    assert {r[3] for r in gp} <= {olivia.index_number, livvy.index_number} and gp
    assert all(r[1] == "A1" and r[5] == "between_thresholds" for r in gp)
    # An item with no candidate is still listed, with an empty candidate.
    assert ["school", "B1", "", "", "", "no_candidate_source_may_not_create", ""] in rows
    event = AuditEvent.objects.get(action="review_export")
    assert event.detail["rows"] == len(rows) - 1


def test_review_export_filters_by_la_and_source_and_leaves_out_decided_items(feed_county, tmp_path):
    feed_county.load(
        [feed_county.row("B1", "Ruby", "Stone", "2012-01-05")], may_create=False, name="school"
    )
    feed_county.load(
        [feed_county.row("B2", "Jack", "Field", "2012-01-05")], may_create=False, name="other"
    )
    elsewhere = feeds.feed_county(tmp_path / "x")
    (tmp_path / "x").mkdir()
    elsewhere.load([elsewhere.row("C1", "Amy", "Hart", "2013-01-05")], may_create=False, name="far")
    assert [r[:2] for r in export(tmp_path, "--source", "school")[1:]] == [["school", "B1"]]
    assert [r[:2] for r in export(tmp_path, "--la", elsewhere.la.code)[1:]] == [["far", "C1"]]
    ReviewItem.objects.filter(source_record__key="B1").update(
        status=ReviewStatus.DECIDED,
        decision="not_same",
        reason="different_child",
        decided_at=timezone.now(),
    )
    assert [r[1] for r in export(tmp_path, "--la", feed_county.la.code)[1:]] == ["B2"]
    with pytest.raises(CommandError, match="no local authority ZZZ"):
        export(tmp_path, "--la", "ZZZ")


def test_review_export_names_a_waiting_row_candidate_in_its_trailing_column(feed_county, tmp_path):
    # Two incomplete rows of one child and no child yet: each the other's candidate.
    feed_county.load(
        [
            feed_county.row("A1", "Olivia", "", "2015-03-20", line1="14 Mill Lane"),
            feed_county.row("A2", "Olivia", "Hart", "", line1="14 Mill Lane"),
        ]
    )
    rows = export(tmp_path)
    lines = {r[1]: r for r in rows[1:]}
    assert lines["A1"][:3] == ["gp", "A1", "1"] and lines["A2"][:3] == ["gp", "A2", "1"]
    assert (lines["A1"][3], lines["A1"][5], lines["A1"][6]) == ("", "may_be_waiting_row", "A2")
    assert lines["A2"][6] == "A1" and float(lines["A1"][4]) == float(lines["A2"][4]) > 0
