"""The database itself keeps the feeds' rules: one running import per feed, a record linked
if and only if it names a child, one current link, one open review per record, decisions
recorded with who and why, one active model, thresholds in order, a merge of two children."""

from __future__ import annotations

import pytest
from django.utils import timezone

from childindex.access.tests.factories import UserFactory
from childindex.core.tests.constraints import refused_by
from childindex.records.tests.factories import ChildFactory
from childindex.sources.models import (
    LinkageThreshold,
    LinkMethod,
    Merge,
    NotSameChild,
    RecordStatus,
    RejectedRow,
    ReviewStatus,
    RunStatus,
    SourceLink,
)
from childindex.sources.tests.factories import (
    FeedFactory,
    ImportRunFactory,
    LinkageModelFactory,
    ReviewItemFactory,
    SourceRecordFactory,
)

pytestmark = pytest.mark.django_db


def test_a_feed_is_a_snapshot_or_a_change_feed():
    with refused_by("feed_kind_known"):
        FeedFactory(kind="sometimes")


def test_a_feed_has_one_running_import_at_a_time():
    run = ImportRunFactory()
    ImportRunFactory(feed=run.feed, status=RunStatus.FINISHED)
    with refused_by("one_running_import_per_feed"):
        ImportRunFactory(feed=run.feed)


def test_a_run_never_counts_more_rows_done_than_its_file_has():
    with refused_by("run_done_within_total"):
        ImportRunFactory(rows_total=5, rows_done=6)


def test_a_run_status_is_known():
    with refused_by("run_status_known"):
        ImportRunFactory(status="paused")


def test_a_source_key_names_one_record_per_feed():
    record = SourceRecordFactory()
    SourceRecordFactory(key=record.key)  # another feed may use the same key
    with refused_by("source_record_key_unique"):
        SourceRecordFactory(feed=record.feed, first_run=record.first_run, key=record.key)


def test_a_source_record_has_a_key_and_a_known_status():
    with refused_by("source_record_has_key"):
        SourceRecordFactory(key="")
    with refused_by("source_record_status_known"):
        SourceRecordFactory(status="maybe")


def test_a_record_is_linked_if_and_only_if_it_names_a_child():
    with refused_by("source_record_linked_iff_child"):
        SourceRecordFactory(status=RecordStatus.LINKED, child=None)
    with refused_by("source_record_linked_iff_child"):
        SourceRecordFactory(status=RecordStatus.REVIEW, child=ChildFactory())


def _link(record, **fields):
    return SourceLink.objects.create(
        source_record=record,
        child=record.child,
        method=fields.pop("method", LinkMethod.MODEL),
        linked_at=fields.pop("linked_at", timezone.now()),
        **fields,
    )


def test_a_record_has_one_current_link_and_its_history():
    record = SourceRecordFactory(linked=True)
    earlier = timezone.now() - timezone.timedelta(days=1)
    _link(record, linked_at=earlier, unlinked_at=earlier)
    _link(record)
    with refused_by("one_current_link_per_source_record"):
        _link(record)


def test_a_link_method_is_known_and_a_link_ends_after_it_starts():
    record = SourceRecordFactory(linked=True)
    with refused_by("link_method_known"):
        _link(record, method="guess")
    now = timezone.now()
    with refused_by("link_ends_after_it_starts"):
        _link(record, linked_at=now, unlinked_at=now - timezone.timedelta(seconds=1))


def test_a_rejected_row_is_reported_once_per_run():
    run = ImportRunFactory()
    RejectedRow.objects.create(run=run, row_number=3, line_number=4, reason="no given name")
    with refused_by("row_problem_once"):  # one problem per row and column
        RejectedRow.objects.create(run=run, row_number=3, line_number=4, reason="again")


def test_a_record_has_one_open_review_at_a_time():
    item = ReviewItemFactory()
    with refused_by("one_open_review_per_source_record"):
        ReviewItemFactory(source_record=item.source_record)


def test_a_decision_is_recorded_with_who_when_and_why():
    with refused_by("review_decided_with_who_and_why"):
        ReviewItemFactory(status=ReviewStatus.DECIDED, decision="link", reason="")
    with refused_by("review_decided_with_who_and_why"):
        ReviewItemFactory(decision="link")  # still open
    ReviewItemFactory(
        status=ReviewStatus.DECIDED,
        decision="not_same",
        reason="different_child",
        decided_by=UserFactory(),
        decided_at=timezone.now(),
    )


def test_decisions_and_reasons_come_from_closed_lists():
    now = timezone.now()
    with refused_by("review_decision_known"):
        ReviewItemFactory(
            status=ReviewStatus.DECIDED,
            decision="perhaps",
            reason="different_child",
            decided_at=now,
        )
    with refused_by("review_reason_known"):
        ReviewItemFactory(
            status=ReviewStatus.DECIDED, decision="link", reason="hunch", decided_at=now
        )


def test_not_the_same_child_is_recorded_once():
    item = ReviewItemFactory()
    child = ChildFactory()
    NotSameChild.objects.create(source_record=item.source_record, child=child, review_item=item)
    with refused_by("not_same_once"):
        NotSameChild.objects.create(source_record=item.source_record, child=child, review_item=item)


def test_one_linkage_model_is_active():
    LinkageModelFactory(active=True)
    LinkageModelFactory(active=False)
    with refused_by("one_active_linkage_model"):
        LinkageModelFactory(active=True)


def test_thresholds_are_in_order():
    with refused_by("threshold_lower_not_above_upper"):
        LinkageThreshold.objects.create(
            local_authority=FeedFactory().local_authority,
            upper=5,
            lower=6,
            set_at=timezone.now(),
            set_by="t",
        )


def test_a_merge_joins_two_children_and_a_record_is_merged_once_at_a_time():
    kept, merged = ChildFactory(), ChildFactory()
    user = UserFactory()
    fields = {
        "merged_status": "active",
        "reason": "confirmed_with_source",
        "merged_by": user,
        "merged_at": timezone.now(),
    }
    with refused_by("merge_two_children"):
        Merge.objects.create(kept=kept, merged=kept, **fields)
    Merge.objects.create(kept=kept, merged=merged, **fields)
    with refused_by("merged_once_at_a_time"):
        Merge.objects.create(kept=ChildFactory(), merged=merged, **fields)
