"""Importing a feed: every row kept and linked to one child; the hard cases of linkage; bad
input rejected with a row number and a reason; snapshots and change feeds; re-imports."""

from __future__ import annotations

import random

import pytest

from childindex.audit.models import AuditEvent
from childindex.core.identifiers import synthetic_hc_number, synthetic_nhs_number
from childindex.records.models import Child, ChildIdentifier, Involvement
from childindex.sources.mapping import MappingError
from childindex.sources.models import (
    Feed,
    ImportRun,
    LinkMethod,
    RecordStatus,
    RejectedRow,
    ReviewItem,
    RowProblem,
    RunStatus,
    SourceLink,
    SourceRecord,
)
from childindex.sources.reading import FileRefused

pytestmark = pytest.mark.django_db


def nhs(n: int) -> str:
    return synthetic_nhs_number(random.Random(n))


def record(key: str) -> SourceRecord:
    return SourceRecord.objects.get(key=key)


def test_a_mapping_that_declares_its_source_makes_the_feed(feed_county):
    run = feed_county.load([feed_county.row("A1", "Olivia", "Hart", "2015-03-20", nhs=nhs(1))])
    feed = Feed.objects.get(name="gp")
    assert feed.local_authority == feed_county.la and feed.may_create_children
    assert run.status == RunStatus.FINISHED
    assert (run.read, run.created, run.linked) == (1, 1, 0)
    assert AuditEvent.objects.filter(action="feed_create").count() == 1


def test_a_row_links_to_the_child_already_in_the_index(feed_county):
    child = feed_county.child("Olivia", "Hart", "2015-03-20", nhs=nhs(1))
    run = feed_county.load([feed_county.row("A1", "Olivia", "Hart", "2015-03-20", nhs=nhs(1))])
    assert (run.linked, run.created) == (1, 0)
    linked = record("A1")
    assert linked.child == child and linked.status == RecordStatus.LINKED
    link = SourceLink.objects.get(source_record=linked)
    assert link.method == LinkMethod.MODEL and link.weight > 12 and link.model is not None
    involvement = linked.involvement
    assert (involvement.child, involvement.service, involvement.source_feed) == (
        child,
        feed_county.service,
        "gp",
    )
    assert involvement.practitioner == feed_county.practitioner
    event = AuditEvent.objects.get(action="feed_record_applied")
    assert event.children == [child.index_number]
    assert event.detail["changes"] == ["involvement_started"]


def test_twins_are_never_linked_to_each_other(feed_county):
    olivia = feed_county.child("Olivia", "Hart", "2015-03-20")
    amelia = feed_county.child("Amelia", "Hart", "2015-03-20")
    run = feed_county.load(
        [
            feed_county.row("A1", "Olivia", "Hart", "2015-03-20"),
            feed_county.row("A2", "Amelia", "Hart", "2015-03-20"),
            feed_county.row(
                "A3", "Grace", "Hart", "2015-03-20"
            ),  # a third child, not yet in the index
        ]
    )
    assert record("A1").child == olivia
    assert record("A2").child == amelia
    third = record("A3").child
    assert third not in (olivia, amelia) and run.created == 1


def test_a_twin_with_a_keying_slip_and_a_different_nhs_number_is_not_linked(feed_county):
    feed_county.child("Ava", "Hart", "2015-03-20", nhs=nhs(1))
    feed_county.load([feed_county.row("A1", "Eva", "Hart", "2015-03-20", nhs=nhs(2))])
    assert record("A1").child.date_of_birth.isoformat() == "2015-03-20"
    assert Child.objects.count() == 2


def test_a_keying_slip_in_the_given_name_links_when_the_nhs_number_agrees(feed_county):
    child = feed_county.child("Poppy", "Hussein", "2021-07-18", nhs=nhs(1))
    feed_county.load([feed_county.row("A1", "oppy", "Hussein", "2021-07-18", nhs=nhs(1))])
    assert record("A1").child == child


def test_day_and_month_swapped_still_links(feed_county):
    child = feed_county.child("Oliver", "Hart", "2015-03-08", gender="male")
    feed_county.load([feed_county.row("A1", "Oliver", "Hart", "2015-08-03", sex="M")])
    assert record("A1").child == child


def test_a_nickname_links_to_the_formal_name(feed_county):
    child = feed_county.child("Alfred", "Hart", "2015-03-20", gender="male")
    feed_county.load([feed_county.row("A1", "Alfie", "Hart", "2015-03-20", sex="M")])
    assert record("A1").child == child


def test_identifiers_are_compared_only_within_their_type(feed_county):
    shared = synthetic_hc_number(random.Random(7))  # also a check-valid NHS number
    holder = feed_county.child("Ruby", "Stone", "2012-01-05")
    ChildIdentifier.objects.create(child=holder, type="hc", value=shared)
    feed_county.load(
        [
            feed_county.row(
                "A1",
                "Jack",
                "Field",
                "2016-09-30",
                sex="M",
                nhs=shared,
                line1="9 Oak Lane",
                postcode="BN1 2AB",
            )
        ]
    )
    assert record("A1").child != holder
    assert ChildIdentifier.objects.filter(type="nhs", value=shared).exists()


def test_a_local_identifier_is_kept_with_its_issuer(feed_county):
    feed_county.load([feed_county.row("A1", "Ruby", "Stone", "2012-01-05", local="PAT-001")])
    identifier = ChildIdentifier.objects.get(type="local")
    assert (identifier.issuer, identifier.value) == ("gp", "PAT-001")
    assert identifier.child == record("A1").child


def test_a_placeholder_identifier_is_ignored(feed_county):
    a = feed_county.child("Ruby", "Stone", "2012-01-05")
    ChildIdentifier.objects.create(child=a, type="nhs", value="0000000000")
    feed_county.load(
        [
            feed_county.row(
                "A1",
                "Jack",
                "Field",
                "2016-09-30",
                sex="M",
                nhs="0000000000",
                line1="9 Oak Lane",
                postcode="BN1 2AB",
            )
        ]
    )
    assert record("A1").child != a
    assert not ChildIdentifier.objects.filter(child=record("A1").child).exists()


def test_a_row_that_may_be_a_shielded_child_waits_shielded_for_a_person(feed_county):
    feed_county.child(
        "Olivia", "Hart", "2015-03-20", shielded=True, line1="2 Refuge Row", postcode="TN35 2AB"
    )
    feed_county.load(
        [
            feed_county.row(
                "A1", "Olivia", "Hart", "2015-03-20", line1="7 Elm Road", postcode="BN1 2AB"
            )
        ]
    )
    item = ReviewItem.objects.get()
    assert item.shielded and item.cause == "may_be_shielded_child"
    assert record("A1").shielded and record("A1").child is None


def test_a_row_of_the_shielded_child_itself_links_to_them(feed_county):
    child = feed_county.child("Olivia", "Hart", "2015-03-20", shielded=True, nhs=nhs(1))
    feed_county.load([feed_county.row("A1", "Olivia", "Hart", "2015-03-20", nhs=nhs(1))])
    assert record("A1").child == child and not ReviewItem.objects.exists()


def test_a_source_that_may_not_create_sends_an_unknown_child_to_review(feed_county):
    run = feed_county.load([feed_county.row("A1", "Ruby", "Stone", "2012-01-05")], may_create=False)
    assert (run.sent_to_review, run.created) == (1, 0)
    item = ReviewItem.objects.get()
    assert item.cause == "no_candidate_source_may_not_create" and item.candidates == []
    assert not Child.objects.exists()


def test_a_sources_own_duplicate_becomes_one_new_child(feed_county):
    run = feed_county.load(
        [
            feed_county.row("A1", "Ruby", "Stone", "2012-01-05", nhs=nhs(1)),
            feed_county.row("A2", "Ruby", "Stone", "2012-01-05", nhs=nhs(1)),
        ]
    )
    assert run.created == 1 and run.linked == 1
    assert record("A1").child == record("A2").child
    assert Child.objects.count() == 1


def test_a_row_between_the_thresholds_goes_to_review_with_its_evidence(feed_county):
    child = feed_county.child("Olivia", "Hart", "2015-03-20")
    feed_county.load(
        [
            feed_county.row(
                "A1", "Olivia", "Hart", "2015-03-20", line1="9 Oak Lane", postcode="BN1 2AB"
            )
        ],
        may_create=False,
    )
    item = ReviewItem.objects.get()
    [candidate] = item.candidates
    assert candidate["child_id"] == child.pk
    evidence = {e["comparison"]: e for e in candidate["evidence"]}
    assert evidence["given_name"]["level"] == "Same given name"
    assert evidence["given_name"]["weight"] > 0 > evidence["postcode"]["weight"]
    assert sum(e["weight"] for e in candidate["evidence"]) != 0


# --- bad input -------------------------------------------------------------------------


def test_bad_rows_are_reported_with_row_number_and_reason_and_the_rest_imports(feed_county):
    good = feed_county.row("A1", "Ruby", "Stone", "2012-01-05")
    rows = [
        good,
        feed_county.row("A2", "Jack", "Field", "2012-02-30"),  # impossible date
        feed_county.row("A3", "Jack", "Field", "2012-02-03", nhs="9990000001"),  # check digit
        feed_county.row("A4", "Jack", "Field", "2012-02-03", service="No such service"),
        feed_county.row("", "Jack", "Field", "2012-02-03"),
        feed_county.row("A6", "Jack", "Field", "2012-02-03", sex="Q"),
        feed_county.row("A1", "Ruby", "Stone", "2012-01-05"),  # the same key again
    ]
    path = feed_county.write(rows)
    with path.open("a", encoding="utf-8") as handle:
        handle.write("A8,too,few,fields\n")
    from childindex.sources.importing import feed_import

    run = feed_import(path=path, mapping_text=feed_county.mapping())
    # The impossible date and the failed check digit are warnings: the rows are kept. The
    # one without a date of birth may not create a child: it links to the child its copy in
    # the same file (A3, the same name and address) made.
    assert (run.read, run.created, run.linked, run.sent_to_review, run.rejected, run.warned) == (
        8,
        2,
        1,
        0,
        5,
        2,
    )
    assert record("A2").child == record("A3").child is not None
    warnings = dict(
        RowProblem.objects.filter(run=run, severity="warning").values_list("row_number", "reason")
    )
    assert "not a real date" in warnings[2]
    assert "fails its check digit" in warnings[3]
    reasons = dict(RejectedRow.objects.filter(run=run).values_list("row_number", "reason"))
    assert "no service named 'No such service'" in reasons[4]
    assert reasons[5] == "no record key in column id"
    assert "gender 'Q'" in reasons[6]
    assert "appears again (first at row 1)" in reasons[7]
    assert "4 fields where the header has 15" in reasons[8]
    assert RejectedRow.objects.get(run=run, row_number=8).line_number == 9


def test_a_file_without_a_required_column_is_refused_before_any_row_is_read(feed_county):
    path = feed_county.write([["A1", "Ruby"]], columns=["id", "given"])
    from childindex.sources.importing import feed_import

    with pytest.raises(
        FileRefused, match="lacks required columns: family, dob, start, org, service"
    ):
        feed_import(path=path, mapping_text=feed_county.mapping())
    assert not ImportRun.objects.exists() and not Feed.objects.exists()


def test_a_file_in_the_wrong_encoding_is_refused_and_imports_when_the_mapping_says(feed_county):
    path = feed_county.write(
        [feed_county.row("A1", "Zoë", "Ménard", "2012-01-05")], encoding="latin-1"
    )
    from childindex.sources.importing import feed_import

    with pytest.raises(FileRefused, match="is not utf-8"):
        feed_import(path=path, mapping_text=feed_county.mapping())
    assert not ImportRun.objects.exists()
    run = feed_import(path=path, mapping_text=feed_county.mapping(encoding="latin-1"))
    assert run.created == 1
    assert record("A1").child.names.get().family_name == "Ménard"


def test_a_mapping_must_agree_with_the_source_named_on_the_command_line(feed_county):
    from childindex.sources.importing import feed_import

    with pytest.raises(MappingError, match="does not match"):
        feed_import(path=feed_county.write([]), mapping_text=feed_county.mapping(), source="school")


def test_dates_are_read_in_the_mappings_format(feed_county):
    run = feed_county.load(
        [feed_county.row("A1", "Ruby", "Stone", "05/01/2012", start="01/09/2020")],
        date_format="%d/%m/%Y",
    )
    assert run.created == 1
    assert record("A1").child.date_of_birth.isoformat() == "2012-01-05"


# --- snapshots, change feeds, re-imports ----------------------------------------------------


def _state():
    return (
        sorted(
            SourceRecord.objects.values_list(
                "key", "status", "child_id", "involvement_id", "values_sha256", "withdrawn_run_id"
            )
        ),
        sorted(Involvement.objects.values_list("child_id", "service_id", "started_on", "ended_on")),
        Child.objects.count(),
        ChildIdentifier.objects.count(),
        ReviewItem.objects.count(),
        SourceLink.objects.count(),
        AuditEvent.objects.exclude(action__startswith="feed_import").count(),
    )


def test_re_importing_the_same_file_changes_nothing(feed_county):
    feed_county.child("Olivia", "Hart", "2015-03-20", nhs=nhs(1))
    rows = [
        feed_county.row("A1", "Olivia", "Hart", "2015-03-20", nhs=nhs(1)),
        feed_county.row("A2", "Ruby", "Stone", "2012-01-05"),
        feed_county.row("A3", "Jack", "Field", "2012-02-30"),
    ]
    path = feed_county.write(rows)
    from childindex.sources.importing import feed_import

    feed_import(path=path, mapping_text=feed_county.mapping())
    before = _state()
    again = feed_import(path=path, mapping_text=feed_county.mapping())
    assert _state() == before
    assert (again.unchanged, again.linked, again.created, again.rejected) == (3, 0, 0, 0)


def test_a_snapshot_that_no_longer_lists_a_child_ends_their_involvement(feed_county):
    feed_county.load(
        [
            feed_county.row("A1", "Olivia", "Hart", "2015-03-20"),
            feed_county.row("A2", "Ruby", "Stone", "2012-01-05"),
        ]
    )
    run = feed_county.load([feed_county.row("A1", "Olivia", "Hart", "2015-03-20")])
    assert run.ended == 1
    ended = record("A2")
    assert ended.withdrawn_run == run
    assert ended.involvement.ended_on is not None
    assert record("A1").involvement.ended_on is None
    event = AuditEvent.objects.filter(action="feed_record_applied").last()
    assert event.detail["changes"] == ["involvement_ended_not_listed"]


def test_a_snapshot_listing_a_child_again_reopens_their_involvement(feed_county):
    rows = [feed_county.row("A1", "Olivia", "Hart", "2015-03-20")]
    feed_county.load(rows)
    feed_county.load([feed_county.row("A2", "Ruby", "Stone", "2012-01-05")])
    assert record("A1").involvement.ended_on is not None
    feed_county.load(rows + [feed_county.row("A2", "Ruby", "Stone", "2012-01-05")])
    assert record("A1").involvement.ended_on is None and record("A1").withdrawn_run is None


def test_a_rejected_row_of_a_known_record_does_not_end_its_involvement(feed_county):
    feed_county.load([feed_county.row("A1", "Olivia", "Hart", "2015-03-20")])
    run = feed_county.load([feed_county.row("A1", "Olivia", "Hart", "2015-03-20", sex="Q")])
    assert run.rejected == 1 and run.ended == 0
    assert record("A1").involvement.ended_on is None


def test_a_change_feed_updates_only_what_it_names(feed_county):
    feed_county.load(
        [
            feed_county.row("A1", "Olivia", "Hart", "2015-03-20"),
            feed_county.row("A2", "Ruby", "Stone", "2012-01-05"),
        ],
        kind="changes",
    )
    run = feed_county.load(
        [feed_county.row("A2", "Ruby", "Stone", "2012-01-05", end="2026-10-01")], kind="changes"
    )
    assert run.ended == 0
    assert record("A1").involvement.ended_on is None
    assert record("A2").involvement.ended_on.isoformat() == "2026-10-01"
    assert (
        "involvement_ended"
        in AuditEvent.objects.filter(action="feed_record_applied").last().detail["changes"]
    )


def test_a_record_that_moves_to_another_start_date_ends_the_involvement_it_named(feed_county):
    feed_county.load([feed_county.row("A1", "Olivia", "Hart", "2015-03-20", start="2020-01-01")])
    first = record("A1").involvement
    feed_county.load([feed_county.row("A1", "Olivia", "Hart", "2015-03-20", start="2021-01-01")])
    first.refresh_from_db()
    assert first.ended_on is not None
    assert record("A1").involvement.started_on.isoformat() == "2021-01-01"


def test_a_child_a_feed_creates_is_searchable_at_once(feed_county):
    from childindex.records.search_models import ChildSearchKey

    feed_county.load([feed_county.row("A1", "Ruby", "Stone", "2012-01-05")])
    child = record("A1").child
    assert ChildSearchKey.objects.filter(child=child).exists()
