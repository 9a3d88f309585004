"""Incomplete rows are kept and linked when their evidence is strong, never made into new
children; a value that fails its check is dropped from matching and reported as a warning;
only rows with no key or nothing to identify a child by are rejected (issue 11, item 1)."""

from __future__ import annotations

import io
import random

import pytest
from django.core.management import call_command

from childindex.core.identifiers import synthetic_nhs_number
from childindex.records.models import Child, ChildIdentifier
from childindex.sources.models import (
    ProblemSeverity,
    RecordStatus,
    RejectedRow,
    ReviewItem,
    RowProblem,
    SourceRecord,
)

pytestmark = pytest.mark.django_db


def nhs(n: int) -> str:
    return synthetic_nhs_number(random.Random(n))


def test_an_incomplete_row_links_when_its_evidence_is_strong_and_never_creates(feed_county):
    child = feed_county.child("Olivia", "Hart", "2015-03-20", nhs=nhs(1))
    run = feed_county.load(
        [
            # No given name, no date of birth: the NHS number, family name and address.
            feed_county.row("A1", "", "Hart", "", nhs=nhs(1)),
            # An impossible date and no identifier: kept, but no child is made from it.
            feed_county.row("A2", "Jack", "Field", "2012-02-30", postcode="TN35 2BB"),
            # No family name, a date of birth and a postcode: kept; nothing matches.
            feed_county.row("A3", "Amir", "", "2016-07-01", postcode="TN36 3AB"),
        ]
    )
    assert (run.read, run.linked, run.created, run.sent_to_review, run.rejected) == (
        3,
        1,
        0,
        2,
        0,
    )
    assert SourceRecord.objects.get(key="A1").child == child
    assert Child.objects.count() == 1
    for key in ("A2", "A3"):
        record = SourceRecord.objects.get(key=key)
        assert record.status == RecordStatus.REVIEW and record.child is None
        assert ReviewItem.objects.get(source_record=record).cause == "incomplete_row"
    warning = RowProblem.objects.get(run=run)
    assert (warning.row_number, warning.severity, warning.column) == (
        2,
        ProblemSeverity.WARNING,
        "dob",
    )
    assert "not a real date" in warning.reason and "dropped from matching" in warning.reason
    assert run.warned == 1


def test_a_row_with_nothing_to_identify_a_child_is_rejected(feed_county):
    run = feed_county.load(
        [
            feed_county.row("A1", "Ruby", "", "", postcode=""),  # a given name only
            feed_county.row("A2", "", "", "2012-01-05", postcode="TN34 1AA"),  # no name at all
            feed_county.row("", "Ruby", "Stone", "2012-01-05"),  # no key
        ]
    )
    assert (run.read, run.rejected, run.created, run.sent_to_review) == (3, 3, 0, 0)
    reasons = dict(RejectedRow.objects.filter(run=run).values_list("row_number", "reason"))
    assert reasons[1].startswith("not enough to identify a child (no family name")
    assert "no given name, no family name" in reasons[2]
    assert reasons[3] == "no record key in column id"
    assert not SourceRecord.objects.exists()


def test_an_identifier_failing_its_check_is_dropped_from_matching_and_reported(feed_county):
    other = feed_county.child("Jack", "Field", "2012-02-03", nhs=nhs(2), postcode="TN35 2BB")
    bad = nhs(1)[:-1] + str((int(nhs(1)[-1]) + 1) % 10)  # the check digit broken
    run = feed_county.load([feed_county.row("A1", "Ruby", "Stone", "2012-01-05", nhs=bad)])
    assert (run.created, run.rejected, run.warned) == (1, 0, 1)
    record = SourceRecord.objects.get(key="A1")
    assert record.child != other and record.values["nhs"] == bad  # kept as received
    assert not ChildIdentifier.objects.filter(child=record.child).exists()  # not stored
    problem = RowProblem.objects.get(run=run)
    assert (problem.severity, problem.column, problem.row_number) == ("warning", "nhs", 1)
    assert "check digit" in problem.reason
    assert not RejectedRow.objects.exists()


def test_the_row_problems_report_lists_both_severities_and_the_old_report_stays(feed_county):
    run = feed_county.load(
        [
            feed_county.row("A1", "Ruby", "Stone", "2012-01-05", postcode="ZZ"),
            feed_county.row("A2", "Ruby", "", "", postcode=""),
        ]
    )
    out = io.StringIO()
    call_command("feed", "problems", "--source", "gp", "--run", str(run.pk), stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == "row,line,key,severity,column,reason"
    assert lines[1].startswith("1,2,A1,warning,postcode,postcode:")
    assert lines[2].startswith('2,3,A2,rejected,,"not enough to identify a child')
    old = io.StringIO()
    call_command("feed", "rejected", "--source", "gp", "--run", str(run.pk), stdout=old)
    assert old.getvalue().splitlines() == [
        "row,line,key,reason",
        lines[2].replace("rejected,,", "", 1),
    ]


def test_the_import_summary_counts_warnings_beside_rejections(feed_county):
    path = feed_county.write(
        [
            feed_county.row("A1", "Ruby", "Stone", "2012-01-05", nhs="9990000001"),
            feed_county.row("A2", "", "", "", postcode=""),
        ]
    )
    out = io.StringIO()
    call_command(
        "feed",
        "import",
        str(path),
        "--mapping",
        str(_mapping(feed_county)),
        "--no-progress",
        stdout=out,
    )
    text = out.getvalue()
    assert "1 rejected, 1 with warnings" in text
    assert "Row problems: childindex feed problems --source gp --run" in text


def _mapping(feed_county):
    path = feed_county.tmp / "gp.toml"
    path.write_text(feed_county.mapping(), encoding="utf-8")
    return path
