"""Twins kept apart by evidence, not by its absence (issue 11, item 3); a file's own copies of
a child become one child, never a chain of clearly different rows (item 4)."""

from __future__ import annotations

import random

import pytest

from childindex.core.identifiers import synthetic_nhs_number
from childindex.records.models import Child
from childindex.sources.models import RecordStatus, ReviewItem, SourceRecord

pytestmark = pytest.mark.django_db


def nhs(n: int) -> str:
    return synthetic_nhs_number(random.Random(n))


def record(key: str) -> SourceRecord:
    return SourceRecord.objects.get(key=key)


# --- item 3: twins ----------------------------------------------------------------------


def test_a_different_given_name_with_nothing_showing_a_second_child_goes_to_review(feed_county):
    amy = feed_county.child("Amy", "Hart", "2015-03-20")
    run = feed_county.load([feed_county.row("A1", "Zoe", "Hart", "2015-03-20")])
    assert (run.created, run.linked, run.sent_to_review) == (0, 0, 1)
    assert Child.objects.count() == 1
    item = ReviewItem.objects.get()
    assert item.cause == "given_name_differs"
    assert [c["child_id"] for c in item.candidates] == [amy.pk]
    assert record("A1").status == RecordStatus.REVIEW


def test_a_twin_is_kept_apart_when_gender_disagrees(feed_county):
    feed_county.child("Amy", "Hart", "2015-03-20")
    run = feed_county.load([feed_county.row("A1", "Zak", "Hart", "2015-03-20", sex="M")])
    assert run.created == 1 and Child.objects.count() == 2


def test_a_twin_is_kept_apart_when_an_identifier_disagrees(feed_county):
    feed_county.child("Amy", "Hart", "2015-03-20", nhs=nhs(1))
    run = feed_county.load([feed_county.row("A1", "Zoe", "Hart", "2015-03-20", nhs=nhs(2))])
    assert run.created == 1 and Child.objects.count() == 2


def test_a_twin_is_kept_apart_when_the_same_source_lists_both_under_different_keys(feed_county):
    amy = feed_county.child("Amy", "Hart", "2015-03-20")
    feed_county.load([feed_county.row("A1", "Amy", "Hart", "2015-03-20")])
    assert record("A1").child == amy
    run = feed_county.load(
        [
            feed_county.row("A1", "Amy", "Hart", "2015-03-20"),
            feed_county.row("A2", "Zoe", "Hart", "2015-03-20"),
        ]
    )
    assert run.created == 1 and record("A2").child not in (None, amy)


def test_a_twin_is_kept_apart_when_the_same_file_lists_both(feed_county):
    amy = feed_county.child("Amy", "Hart", "2015-03-20")
    run = feed_county.load(
        [
            feed_county.row("A1", "Amy", "Hart", "2015-03-20"),
            feed_county.row("A2", "Zoe", "Hart", "2015-03-20"),
        ]
    )
    assert (run.linked, run.created) == (1, 1)
    assert record("A1").child == amy and record("A2").child != amy


# --- item 4: a file's own copies ----------------------------------------------------------


def test_five_copies_of_a_child_in_one_file_give_one_child(feed_county):
    rows = [
        feed_county.row("C1", "Isabella", "Thornton", "2016-04-12", line1="14 Mill Lane"),
        feed_county.row("C2", "Isabela", "Thornton", "2016-04-12", line1="14 Mill Lane"),
        feed_county.row("C3", "Isabella", "Thornten", "2016-04-12", line1="14 Mill Lane"),
        feed_county.row("C4", "Isabella", "Thornton", "2016-04-13", line1="14 Mill Lane"),
        feed_county.row("C5", "Bella", "Thornton", "2016-04-12", line1="14 Mill Ln"),
    ]
    run = feed_county.load(rows)
    print(
        [
            (i.source_record.key, i.cause, [round(c["weight"], 1) for c in i.candidates])
            for i in ReviewItem.objects.all()
        ]
    )
    assert (run.created, run.linked, run.sent_to_review) == (1, 4, 0)
    assert Child.objects.count() == 1
    assert {record(f"C{i}").child_id for i in range(1, 6)} == {Child.objects.get().pk}


def test_copies_in_one_file_never_chain_two_clearly_different_rows(feed_county):
    # A~B and B~C, but A and C are twins (same birth, family and address, names differ).
    rows = [
        feed_county.row("A", "Amy", "Hart", "2015-03-20"),
        feed_county.row("B", "Amy Zoe", "Hart", "2015-03-20"),
        feed_county.row("C", "Zoe", "Hart", "2015-03-20"),
    ]
    feed_county.load(rows)
    a, c = record("A"), record("C")
    assert a.child is not None
    assert c.child != a.child  # never one child: a new one, or waiting for a person
    assert c.child is not None or ReviewItem.objects.filter(source_record=c).exists()
