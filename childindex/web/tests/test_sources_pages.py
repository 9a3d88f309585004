"""The index team's feed pages: the review queue (oldest first, evidence per field, decisions
recorded with who and why), feed health, an import's progress, merges. Own LA only."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from childindex.access.models import Role
from childindex.access.testing import sign_in_verified
from childindex.access.tests.factories import UserFactory
from childindex.audit.models import Action, AuditEvent
from childindex.records.models import ChildStatus
from childindex.records.tests.factories import (
    ChildAddressFactory,
    ChildFactory,
    ChildIdentifierFactory,
    ChildNameFactory,
)
from childindex.sources.models import ImportRun, Merge, RecordStatus, ReviewItem, SourceRecord
from childindex.sources.tests.factories import ReviewItemFactory
from childindex.web.tests.page_checks import assert_govuk_page

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(client, feed_county):
    user = UserFactory(role=Role.INDEX_TEAM, local_authority=feed_county.la)
    sign_in_verified(client, user)
    return user


@pytest.fixture
def queued(feed_county):
    """Two review items (same name and date of birth as a child, another address); the
    first is a day older."""
    child = feed_county.child("Olivia", "Hart", "2015-03-20")
    feed_county.load(
        [
            feed_county.row(
                "A1", "Olivia", "Hart", "2015-03-20", line1="9 Oak Lane", postcode="BN1 2AB"
            ),
            feed_county.row(
                "A2", "Olivia", "Hart", "2015-03-20", line1="3 Ash Road", postcode="BN1 3AB"
            ),
        ],
        may_create=False,
    )
    first = ReviewItem.objects.get(source_record__key="A1")
    ReviewItem.objects.filter(pk=first.pk).update(created_at=timezone.now() - dt.timedelta(days=1))
    return child


def test_the_review_queue_lists_the_oldest_first(client, team, queued):
    response = client.get("/index-team/review/")
    assert response.status_code == 200
    assert_govuk_page(response)
    keys = [row.item.source_record.key for row in response.context["queue"].rows]
    assert keys == ["A1", "A2"]
    assert response.context["queue"].oldest_days == 1


def test_a_review_item_shows_each_fields_evidence_and_is_audited(client, team, queued):
    item = ReviewItem.objects.get(source_record__key="A1")
    response = client.get(f"/index-team/review/{item.pk}/")
    assert response.status_code == 200
    assert_govuk_page(response)
    text = response.content.decode()
    assert "Same given name" in text and "Date of birth" in text
    assert queued.formatted_index_number in text
    assert "no-store" in response["Cache-Control"]
    event = AuditEvent.objects.get(action="review_item_view")
    assert event.actor == team and event.children == [queued.index_number]


def test_a_decision_from_the_page_links_the_record_and_records_who_and_why(client, team, queued):
    item = ReviewItem.objects.get(source_record__key="A1")
    response = client.post(
        f"/index-team/review/{item.pk}/",
        {"decision": "link", "child": str(queued.pk), "reason": "confirmed_with_source"},
    )
    assert response.status_code == 302
    record = SourceRecord.objects.get(key="A1")
    assert record.status == RecordStatus.LINKED and record.child == queued
    item.refresh_from_db()
    assert (item.decided_by, item.reason) == (team, "confirmed_with_source")


def test_a_decision_without_a_fitting_reason_is_refused_with_a_message(client, team, queued):
    item = ReviewItem.objects.get(source_record__key="A1")
    response = client.post(
        f"/index-team/review/{item.pk}/", {"decision": "link", "reason": "new_to_index"}
    )
    assert response.status_code == 200
    assert_govuk_page(response)
    text = response.content.decode()
    assert "Choose the child this record is." in text
    assert "That reason does not fit that decision" in text
    assert ReviewItem.objects.get(pk=item.pk).status == "open"


def test_a_waiting_row_candidate_is_shown_and_deciding_it_makes_one_child_for_both(
    client, team, feed_county
):
    # Two incomplete rows of one child and no child yet: each the other's candidate.
    feed_county.load(
        [
            feed_county.row("A1", "Olivia", "", "2015-03-20", line1="14 Mill Lane"),
            feed_county.row("A2", "Olivia", "Hart", "", line1="14 Mill Lane"),
        ]
    )
    item = ReviewItem.objects.get(source_record__key="A1")
    other = SourceRecord.objects.get(key="A2")
    response = client.get(f"/index-team/review/{item.pk}/")
    assert response.status_code == 200
    assert_govuk_page(response)
    text = response.content.decode()
    assert "Other records waiting that may be the same child" in text
    assert f"{other.feed} record A2" in text and "Same given name" in text
    assert AuditEvent.objects.get(action="review_item_view").detail["waiting_rows"] == [other.pk]
    response = client.post(
        f"/index-team/review/{item.pk}/",
        {"decision": "link", "child": f"row-{other.pk}", "reason": "keying_error"},
    )
    assert response.status_code == 302
    other.refresh_from_db()
    assert other.child is not None and SourceRecord.objects.get(key="A1").child == other.child
    assert not ReviewItem.objects.filter(status="open").exists()


def test_another_las_index_team_cannot_open_the_item(client, queued):
    sign_in_verified(client, UserFactory(role=Role.INDEX_TEAM))
    item = ReviewItem.objects.get(source_record__key="A1")
    assert client.get(f"/index-team/review/{item.pk}/").status_code == 404
    assert client.get("/index-team/review/").context["queue"].total == 0


def _candidate_of_another_la(*, shielded: bool):
    """A review item of one LA whose candidate is a child of another LA, with a former name, a
    postcode and an NHS number, and evidence that the row's postcode and NHS number agreed."""
    child = ChildFactory(
        shielded_record=shielded,
        current_name__given_names="Ruby",
        current_name__family_name="Shieldwell",
    )
    ChildNameFactory(child=child, former=True, given_names="Rosa", family_name="Birthname")
    ChildAddressFactory(child=child, postcode="TN35 5QZ")
    nhs = ChildIdentifierFactory(child=child).value
    evidence = [
        {"comparison": c, "level": "exact", "weight": 4.0}
        for c in ("given_name", "dob", "postcode", "nhs")
    ]
    item = ReviewItemFactory(
        candidates=[{"child_id": child.pk, "weight": 8.0, "evidence": evidence}]
    )
    team = UserFactory(role=Role.INDEX_TEAM, local_authority=item.local_authority)
    return item, team, nhs


def test_another_las_shielded_candidate_shows_no_former_name_and_no_locating_evidence(client):
    item, team, nhs = _candidate_of_another_la(shielded=True)
    sign_in_verified(client, team)
    text = client.get(f"/index-team/review/{item.pk}/").content.decode()
    assert "Ruby Shieldwell" in text and "Shielded by another LA: ask its index team" in text
    assert "Birthname" not in text and "TN35 5QZ" not in text and nhs not in text
    assert ">Given name<" in text and ">Date of birth<" in text
    assert ">Postcode<" not in text and ">NHS number<" not in text


def test_another_las_unshielded_candidate_shows_its_details_and_all_evidence(client):
    item, team, nhs = _candidate_of_another_la(shielded=False)
    sign_in_verified(client, team)
    text = client.get(f"/index-team/review/{item.pk}/").content.decode()
    assert "Rosa Birthname (Former name)" in text and "TN35 5QZ" in text and nhs in text
    assert ">Postcode<" in text and ">NHS number<" in text
    assert "score 8.0" in text
    assert client.get("/index-team/review/").context["queue"].rows[0].best_weight == 8.0


def test_a_shielded_candidates_score_counts_only_the_evidence_shown(client):
    """The total would say how well the hidden fields agreed (8.0 here, 0.0 without the
    postcode's and NHS number's 4.0 each): the page and the queue show the score over the
    fields the team may see (the model's prior plus the visible evidence)."""
    item, team, nhs = _candidate_of_another_la(shielded=True)
    sign_in_verified(client, team)
    response = client.get(f"/index-team/review/{item.pk}/")
    text = response.content.decode()
    assert "score 0.0" in text and "score 8.0" not in text
    candidate = response.context["view"].candidates[0]
    assert candidate.weight == 0.0 and candidate.probability == 0.5
    assert client.get("/index-team/review/").context["queue"].rows[0].best_weight == 0.0


def test_practitioners_are_refused_the_feed_pages(client, feed_county):
    sign_in_verified(client, UserFactory(role=Role.PRACTITIONER, local_authority=feed_county.la))
    for url in ("/index-team/review/", "/index-team/feeds/", "/index-team/merges/"):
        assert client.get(url).status_code == 403


def test_feed_health_shows_last_run_match_rate_backlog_and_row_problems(
    client, team, queued, feed_county
):
    feed_county.load(
        [
            feed_county.row("B1", "Ruby", "Stone", "2012-01-05"),
            # Kept, with a warning; it links to the child B1 made (same name and address).
            feed_county.row("B2", "Ruby", "Stone", "2012-02-30"),
            feed_county.row("B3", "", "", "2012-02-03"),  # nothing to identify a child by
        ],
        name="school",
    )
    response = client.get("/index-team/feeds/")
    assert response.status_code == 200
    assert_govuk_page(response)
    health = {h.feed.name: h for h in response.context["health"]}
    assert health["gp"].backlog == 2 and health["gp"].oldest_days == 1
    assert health["gp"].match_rate == 0
    assert health["school"].rejected_last_run == 1 and health["school"].warned_last_run == 1
    assert health["school"].match_rate == 2 / 3
    assert "Rows with warnings" in response.content.decode()


def test_an_imports_page_shows_its_progress_and_row_problems(client, team, feed_county):
    run = feed_county.load([feed_county.row("B1", "Ruby", "Stone", "2012-02-30")])
    response = client.get(f"/index-team/feeds/runs/{run.pk}/")
    assert response.status_code == 200
    assert_govuk_page(response)
    assert "not a real date" in response.content.decode()
    assert "Accepted with a warning" in response.content.decode()
    assert "Refresh" not in response
    ImportRun.objects.filter(pk=run.pk).update(status="running", rows_done=0)
    ImportRun.objects.filter(pk=run.pk).update(status="running")
    running = client.get(f"/index-team/feeds/runs/{run.pk}/")
    assert running["Refresh"] == "5"


def test_merging_and_unmerging_from_the_page(client, team, feed_county):
    kept = feed_county.child("Olivia", "Hart", "2015-03-20")
    merged = feed_county.child("Livvy", "Hart", "2015-03-20")
    response = client.post(
        "/index-team/merges/",
        {
            "merge-kept": kept.index_number,
            "merge-merged": merged.index_number,
            "merge-reason": "confirmed_with_source",
        },
    )
    assert response.status_code == 302
    merged.refresh_from_db()
    assert merged.status == ChildStatus.MERGED
    page = client.get("/index-team/merges/")
    assert_govuk_page(page)
    # The list names both records of each merge: a read of both, audited with them.
    event = AuditEvent.objects.filter(action=Action.REPORT_VIEW, actor=team).latest("pk")
    assert event.detail == {"report": "merges", "merges": 1}
    assert sorted(event.children) == sorted([kept.index_number, merged.index_number])
    merge = Merge.objects.get()
    assert client.post(f"/index-team/merges/{merge.pk}/unmerge/").status_code == 302
    merged.refresh_from_db()
    assert merged.status == ChildStatus.ACTIVE
