"""Review decisions (who and why, audited, own LA only), merge and unmerge with full history,
thresholds with their dry run."""

from __future__ import annotations

import random

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from childindex.access.models import Role
from childindex.access.policy import Purpose
from childindex.access.tests.factories import UserFactory
from childindex.audit.models import Action, AuditEvent
from childindex.consent.tests.factories import ConsentFactory
from childindex.core.identifiers import synthetic_nhs_number
from childindex.linkage.decide import Thresholds
from childindex.records.models import Child, ChildIdentifier, ChildName, ChildStatus, Involvement
from childindex.records.tests.factories import ChildFactory, InvolvementFactory
from childindex.sources.models import (
    LinkMethod,
    NotSameChild,
    RecordStatus,
    ReviewItem,
    ReviewStatus,
    SourceLink,
    SourceRecord,
)
from childindex.sources.services import (
    child_merge,
    child_unmerge,
    linkage_thresholds_set,
    relink_dry_run,
    review_decide,
    thresholds_for,
)

pytestmark = pytest.mark.django_db


def nhs_of(n: int) -> str:
    return synthetic_nhs_number(random.Random(n))


@pytest.fixture
def team(feed_county):
    return UserFactory(role=Role.INDEX_TEAM, local_authority=feed_county.la)


@pytest.fixture
def item(feed_county):
    """A review item: the same name and date of birth as a child, at another address."""
    child = feed_county.child("Olivia", "Hart", "2015-03-20")
    feed_county.load(
        [
            feed_county.row(
                "A1", "Olivia", "Hart", "2015-03-20", line1="9 Oak Lane", postcode="BN1 2AB"
            )
        ],
        may_create=False,
    )
    review = ReviewItem.objects.get()
    review.candidate_child = child
    return review


def test_linking_a_review_item_links_the_record_and_starts_its_involvement(item, team):
    child = item.candidate_child
    decided = review_decide(
        actor=team, item=item, decision="link", reason="confirmed_with_source", child=child
    )
    record = SourceRecord.objects.get(key="A1")
    assert record.status == RecordStatus.LINKED and record.child == child
    assert record.involvement.child == child
    assert (decided.status, decided.decided_by, decided.reason) == (
        ReviewStatus.DECIDED,
        team,
        "confirmed_with_source",
    )
    link = SourceLink.objects.get(source_record=record)
    assert (link.method, link.decided_by) == (LinkMethod.PERSON, team)
    event = AuditEvent.objects.get(action="review_decide")
    assert event.actor == team and event.children == [child.index_number]
    assert event.detail["decision"] == "link" and event.detail["reason"] == "confirmed_with_source"


def test_creating_from_a_review_item_makes_a_new_child(item, team):
    decided = review_decide(actor=team, item=item, decision="create", reason="new_to_index")
    assert decided.child != item.candidate_child
    assert SourceRecord.objects.get(key="A1").child == decided.child
    assert decided.child.names.get().given_names == "Olivia"


def test_not_the_same_leaves_the_record_unlinked_and_remembers_it(item, team):
    review_decide(actor=team, item=item, decision="not_same", reason="twin_or_sibling")
    record = SourceRecord.objects.get(key="A1")
    assert record.status == RecordStatus.NOT_LINKED and record.child is None
    assert NotSameChild.objects.get().child == item.candidate_child


def test_a_decision_needs_a_reason_from_the_closed_list_for_it(item, team):
    with pytest.raises(ValidationError, match="reason from the list"):
        review_decide(
            actor=team,
            item=item,
            decision="link",
            reason="new_to_index",
            child=item.candidate_child,
        )
    with pytest.raises(ValidationError, match="one of the candidates"):
        review_decide(
            actor=team,
            item=item,
            decision="link",
            reason="confirmed_with_source",
            child=ChildFactory(),
        )


def test_only_the_feeds_own_la_index_team_decides(item):
    other_team = UserFactory(role=Role.INDEX_TEAM)
    practitioner = UserFactory(role=Role.PRACTITIONER, local_authority=item.local_authority)
    for user in (other_team, practitioner):
        with pytest.raises(PermissionDenied):
            review_decide(actor=user, item=item, decision="not_same", reason="different_child")
    assert ReviewItem.objects.get().status == ReviewStatus.OPEN


def test_an_item_is_decided_once(item, team):
    review_decide(actor=team, item=item, decision="not_same", reason="different_child")
    with pytest.raises(ValidationError, match="already been decided"):
        review_decide(actor=team, item=item, decision="not_same", reason="different_child")


# --- merge and unmerge -----------------------------------------------------------------------


def _everything(child):
    return {
        "involvements": set(Involvement.objects.filter(child=child).values_list("pk", flat=True)),
        "identifiers": set(
            ChildIdentifier.objects.filter(child=child).values_list("pk", flat=True)
        ),
        "consents": set(child.consents.values_list("pk", flat=True)),
        "records": set(SourceRecord.objects.filter(child=child).values_list("pk", flat=True)),
        "names": set(ChildName.objects.filter(child=child).values_list("pk", "kind")),
        "carers": set(child.carer_links.values_list("pk", flat=True)),
    }


def test_a_merge_and_its_unmerge_put_everything_back(feed_county, team):
    feed_county.load(
        [
            feed_county.row("A1", "Olivia", "Hart", "2015-03-20", nhs="9990000026"),
            feed_county.row(
                "B1",
                "Livvy",
                "Hart-Jones",
                "2015-03-20",
                line1="5 Ash Close",
                postcode="BN1 2AB",
                upn="",
            ),
        ]
    )
    kept = SourceRecord.objects.get(key="A1").child
    merged = SourceRecord.objects.get(key="B1").child
    assert kept != merged
    InvolvementFactory(child=merged)
    ConsentFactory(child=merged)
    before_kept, before_merged = _everything(kept), _everything(merged)

    merge = child_merge(actor=team, kept=kept, merged=merged, reason="confirmed_with_source")
    merged.refresh_from_db()
    assert merged.status == ChildStatus.MERGED and merged.merged_into == kept
    assert _everything(merged)["records"] == set()
    assert before_merged["records"] <= _everything(kept)["records"]
    assert {kind for _, kind in _everything(kept)["names"]} == {"current", "alias"}
    assert SourceLink.objects.filter(method=LinkMethod.MERGE).count() == 1

    child_unmerge(actor=team, merge=merge)
    merged.refresh_from_db()
    assert merged.status == ChildStatus.ACTIVE and merged.merged_into is None
    assert _everything(kept) == before_kept
    assert _everything(merged) == before_merged
    record = SourceRecord.objects.get(key="B1")
    history = [(m, ended is None) for m, ended in record.links.values_list("method", "unlinked_at")]
    assert history == [
        (LinkMethod.CREATED, False),
        (LinkMethod.MERGE, False),
        (LinkMethod.UNMERGE, True),
    ]
    actions = list(
        AuditEvent.objects.filter(action__startswith="child_").values_list("action", flat=True)
    )
    assert actions == ["child_merge", "child_unmerge"]


def test_merging_with_a_shielded_record_shields_the_one_kept_until_unmerged(feed_county, team):
    kept = feed_county.child("Olivia", "Hart", "2015-03-20")
    merged = feed_county.child("Olivia", "Hart", "2015-03-20", shielded=True)
    merge = child_merge(actor=team, kept=kept, merged=merged, reason="confirmed_with_source")
    kept.refresh_from_db()
    assert kept.shielded
    child_unmerge(actor=team, merge=merge)
    kept.refresh_from_db()
    assert not kept.shielded


def test_only_the_las_own_index_team_merges(feed_county):
    a, b = (
        feed_county.child("Olivia", "Hart", "2015-03-20"),
        feed_county.child("Liv", "Hart", "2015-03-20"),
    )
    with pytest.raises(PermissionDenied):
        child_merge(
            actor=UserFactory(role=Role.INDEX_TEAM),
            kept=a,
            merged=b,
            reason="confirmed_with_source",
        )


def test_two_current_lead_professionals_stop_a_merge(feed_county, team):
    a, b = (
        feed_county.child("Olivia", "Hart", "2015-03-20"),
        feed_county.child("Liv", "Hart", "2015-03-20"),
    )
    InvolvementFactory(child=a, is_lead_professional=True)
    InvolvementFactory(child=b, is_lead_professional=True)
    with pytest.raises(ValidationError, match="lead professional"):
        child_merge(actor=team, kept=a, merged=b, reason="confirmed_with_source")


# --- thresholds and their dry run ---------------------------------------------------------------


def test_the_dry_run_shows_what_new_thresholds_would_re_link_without_writing(item, feed_county):
    linked = feed_county.child("Ruby", "Stone", "2012-01-05")
    feed_county.load([feed_county.row("R1", "Ruby", "Stone", "2012-01-05")], may_create=False)
    assert SourceRecord.objects.get(key="R1").child == linked
    events = AuditEvent.objects.count()
    lower = relink_dry_run(local_authority=feed_county.la, thresholds=Thresholds(upper=2, lower=0))
    assert lower.records == 2 and lower.changes == {"review -> link": 1}
    assert lower.examples[0]["key"] == "A1"
    higher = relink_dry_run(
        local_authority=feed_county.la, thresholds=Thresholds(upper=100, lower=0)
    )
    assert higher.changes == {"linked -> review": 1}
    # Nothing written but each dry run's own audit event: it read the LA's source rows.
    read = list(AuditEvent.objects.filter(id__gt=events).values_list("action", "purpose"))
    assert read == [(Action.REPORT_VIEW, Purpose.DATA_QUALITY)] * 2
    assert SourceRecord.objects.get(key="A1").status == RecordStatus.REVIEW


def test_setting_thresholds_is_audited_and_used(feed_county):
    linkage_thresholds_set(actor_label="ops", local_authority=feed_county.la, upper=20, lower=5)
    assert thresholds_for(feed_county.la.pk) == Thresholds(20, 5)
    event = AuditEvent.objects.get(action="linkage_thresholds_set")
    assert event.detail["after"] == [20, 5]
    with pytest.raises(ValidationError):
        linkage_thresholds_set(actor_label="ops", local_authority=feed_county.la, upper=1, lower=5)


# --- rows that wait together: a candidate that is another waiting row -------------------------


@pytest.fixture
def waiting_pair(feed_county):
    """Two incomplete rows of one child and no child yet: each the other's candidate."""
    feed_county.load(
        [
            feed_county.row("A1", "Olivia", "", "2015-03-20", line1="14 Mill Lane"),
            feed_county.row("A2", "Olivia", "Hart", "", line1="14 Mill Lane"),
        ]
    )
    return SourceRecord.objects.get(key="A1"), SourceRecord.objects.get(key="A2")


def test_linking_a_waiting_row_to_another_makes_one_child_for_both(waiting_pair, team):
    a1, a2 = waiting_pair
    item = ReviewItem.objects.get(source_record=a1)
    decided = review_decide(
        actor=team, item=item, decision="link", reason="keying_error", record=a2
    )
    child = decided.child
    assert child is not None and child.date_of_birth.isoformat() == "2015-03-20"
    name = child.names.get()
    assert (name.given_names, name.family_name) == ("Olivia", "Hart")
    for record in (a1, a2):
        record.refresh_from_db()
        assert (record.status, record.child) == (RecordStatus.LINKED, child)
        assert record.involvement.child == child
    other = ReviewItem.objects.get(source_record=a2)
    assert (other.status, other.decision, other.child) == (ReviewStatus.DECIDED, "link", child)
    events = AuditEvent.objects.filter(action="review_decide").order_by("pk")
    assert [e.detail["review_item"] for e in events] == [item.pk, other.pk]
    assert all(e.actor == team and e.children == [child.index_number] for e in events)


def test_linking_to_a_row_that_has_a_child_since_links_to_that_child(feed_county, team):
    feed_county.load(
        [
            feed_county.row("A1", "Olivia", "", "2015-03-20", line1="14 Mill Lane"),
            feed_county.row("A2", "Olivia", "Hart", "", line1="14 Mill Lane"),
            feed_county.row("A3", "", "Hart", "2015-03-20", line1="14 Mill Lane"),
        ]
    )
    a1, a2 = SourceRecord.objects.get(key="A1"), SourceRecord.objects.get(key="A2")
    third = ReviewItem.objects.get(source_record__key="A3")
    review_decide(
        actor=team,
        item=ReviewItem.objects.get(source_record=a1),
        decision="link",
        reason="keying_error",
        record=a2,
    )
    a1.refresh_from_db()
    third.refresh_from_db()
    assert third.status == ReviewStatus.OPEN  # A3 was not decided with them
    partner = SourceRecord.objects.get(pk=third.candidates[0]["source_record_id"])
    decided = review_decide(
        actor=team, item=third, decision="link", reason="keying_error", record=partner
    )
    assert decided.child == a1.child
    assert SourceRecord.objects.get(key="A3").child == a1.child
    assert Child.objects.count() == 1


def test_a_waiting_row_links_only_to_a_row_that_is_its_candidate(waiting_pair, team, feed_county):
    a1, _a2 = waiting_pair
    feed_county.load([feed_county.row("B1", "Jack", "", "2012-02-03")], name="other")
    stranger = SourceRecord.objects.get(key="B1")
    with pytest.raises(ValidationError, match="one of the candidates"):
        review_decide(
            actor=team,
            item=ReviewItem.objects.get(source_record=a1),
            decision="link",
            reason="keying_error",
            record=stranger,
        )


def test_two_rows_without_a_date_of_birth_between_them_make_no_child(feed_county, team):
    feed_county.load(
        [
            feed_county.row("A1", "Olivia", "Hart", "", line1="14 Mill Lane", nhs=nhs_of(1)),
            feed_county.row("A2", "Olivia", "", "", line1="14 Mill Lane", nhs=nhs_of(1)),
        ]
    )
    a1, a2 = SourceRecord.objects.get(key="A1"), SourceRecord.objects.get(key="A2")
    item = ReviewItem.objects.get(source_record=a1)
    assert [c.get("source_record_id") for c in item.candidates] == [a2.pk]
    with pytest.raises(ValidationError, match="cannot be made from them"):
        review_decide(actor=team, item=item, decision="link", reason="keying_error", record=a2)
    assert ReviewItem.objects.filter(status=ReviewStatus.OPEN).count() == 2
    assert not AuditEvent.objects.filter(action="review_decide").exists()


def test_an_incomplete_row_cannot_create_a_child_on_its_own(waiting_pair, team):
    a1, _a2 = waiting_pair
    with pytest.raises(ValidationError, match="cannot add a child on its own"):
        review_decide(
            actor=team,
            item=ReviewItem.objects.get(source_record=a1),
            decision="create",
            reason="new_to_index",
        )
    a1.refresh_from_db()
    assert a1.status == RecordStatus.REVIEW
