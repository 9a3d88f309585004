"""The stored counts behind the whole-LA reports: the pages read them and say when they were
taken, an import and the clock count the LA again, and only LAs that are due are counted."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from childindex.access.models import Role
from childindex.access.testing import sign_in_verified
from childindex.records.models import Child, Involvement
from childindex.reports import counts, selectors
from childindex.reports.models import CountsSnapshot, ListedChild
from childindex.sources.models import Feed, ImportRun, RunStatus
from childindex.testkit.journey import (
    journey_child,
    journey_la,
    journey_organisation,
    journey_service,
    journey_user,
)


@pytest.fixture
def small_la(db, fast_password_hashing):
    la = journey_la("E10000021", "Qzshire")
    team = journey_user("tam", la=la, role=Role.INDEX_TEAM)
    for n in range(6):
        journey_child(f"Qz{n}", "Small", dt.date(2015, 1, 1 + n), la=la)
    return la, team


def _no_gp(team) -> int:
    summary = selectors.data_quality_summary(actor=team)
    return {w.slug: c.value for w, c in summary["worklists"]}["no-gp"]


def test_the_summary_reads_the_stored_counts_and_the_worklist_counts_live(small_la):
    la, team = small_la
    assert _no_gp(team) == 6  # the first view counts the LA
    for n in range(6, 12):
        journey_child(f"Qz{n}", "Small", dt.date(2015, 2, 1 + n), la=la)
    assert _no_gp(team) == 6  # as of the last count
    assert selectors.worklist(actor=team, slug="no-gp").count.value == 12  # live
    counts.counts_refresh(la.pk)
    assert _no_gp(team) == 12
    assert CountsSnapshot.objects.filter(local_authority=la).count() == 1  # older ones go


@pytest.mark.parametrize(
    "name", ["web:reports-data-quality", "web:reports-coverage", "web:reports-planning"]
)
def test_the_whole_la_pages_and_downloads_say_when_their_counts_were_taken(small_la, name):
    la, team = small_la
    client = Client()
    sign_in_verified(client, team)
    html = client.get(reverse(name)).content.decode()
    taken = CountsSnapshot.objects.get(local_authority=la).taken_at
    local = timezone.localtime(taken)
    assert f"Counts as of {local:%-d %B %Y, %H:%M}" in html
    body = client.get(reverse(name) + "?format=csv").content.decode()
    assert "counts as of," + taken.isoformat() in body


def test_a_finished_import_counts_its_la_again(small_la, django_capture_on_commit_callbacks):
    la, team = small_la
    first = counts.counts_refresh(la.pk).taken_at
    feed = Feed.objects.create(name="qz-school", label="Qz school", local_authority=la)
    with django_capture_on_commit_callbacks(execute=True):
        run = ImportRun.objects.create(
            feed=feed,
            file_name="roll.csv",
            file_sha256="0" * 64,
            mapping_sha256="0" * 64,
            started_at=timezone.now(),
            started_by="tam",
        )
    assert CountsSnapshot.objects.get(local_authority=la).taken_at == first  # still running
    with django_capture_on_commit_callbacks(execute=True):
        run.status = RunStatus.FINISHED
        run.finished_at = timezone.now()
        run.save()
    after = CountsSnapshot.objects.get(local_authority=la).taken_at
    assert after > first
    with django_capture_on_commit_callbacks(execute=True):
        run.save()  # saved again: counted since it finished, so not counted again
    assert CountsSnapshot.objects.get(local_authority=la).taken_at == after


def test_only_las_that_are_due_are_counted(small_la):
    la, team = small_la
    assert counts.las_due() == [la.pk]  # never counted
    counts.counts_refresh(la.pk)
    assert counts.las_due() == []
    snapshot = CountsSnapshot.objects.get(local_authority=la)
    old = timezone.now() - counts.refresh_interval() - dt.timedelta(seconds=1)
    CountsSnapshot.objects.filter(pk=snapshot.pk).update(taken_at=old)
    assert counts.las_due() == [la.pk]  # older than the interval
    counts.counts_refresh(la.pk)
    CountsSnapshot.objects.filter(local_authority=la).update(
        as_of=timezone.localdate() - dt.timedelta(days=1)
    )
    assert counts.las_due() == [la.pk]  # counted on an earlier day: the ages have moved


def test_the_clock_counts_the_las_that_are_due(small_la, capsys):
    la, team = small_la
    call_command("monitor", "--inline")
    assert "refresh_report_counts" in capsys.readouterr().out
    assert CountsSnapshot.objects.filter(local_authority=la).count() == 1


def test_stored_counts_name_no_child(small_la):
    la, team = small_la
    counted = counts.counts_refresh(la.pk)
    numbers = {str(v) for row in counted.rows for v in row}
    for child in la.children.all():
        assert child.index_number not in numbers


def test_row_problems_per_source_count_the_last_runs_rejected_rows_and_warnings(small_la):
    from childindex.sources.models import ProblemSeverity, RowProblem

    la, team = small_la
    feed = Feed.objects.create(name="qz-gp", label="Qz GP", local_authority=la)

    def run(day: int, problems: list[tuple[str, str, str]]) -> ImportRun:
        made = ImportRun.objects.create(
            feed=feed,
            file_name=f"gp-{day}.csv",
            file_sha256=f"{day}" * 64,
            mapping_sha256="0" * 64,
            started_at=timezone.now() - dt.timedelta(days=10 - day),
            started_by="tam",
            status=RunStatus.FINISHED,
            rejected=sum(p[0] == ProblemSeverity.REJECTED for p in problems),
            warned=sum(p[0] == ProblemSeverity.WARNING for p in problems),
        )
        RowProblem.objects.bulk_create(
            RowProblem(
                run=made,
                row_number=n,
                line_number=n + 1,
                severity=severity,
                column=column,
                reason=reason,
            )
            for n, (severity, column, reason) in enumerate(problems, start=1)
        )
        return made

    run(1, [(ProblemSeverity.REJECTED, "date_of_birth", "no date of birth")] * 9)
    last = run(
        2,
        [(ProblemSeverity.REJECTED, "date_of_birth", "no date of birth: row 3")] * 6
        + [(ProblemSeverity.WARNING, "nhs_number", "not a valid NHS number: 123")] * 8
        + [(ProblemSeverity.WARNING, "postcode", "not a UK postcode")] * 2,
    )
    problems = {p.feed.name: p for p in selectors.data_quality_summary(actor=team)["row_problems"]}
    gp = problems["qz-gp"]
    assert gp.last_run == last
    assert (gp.rejected.value, gp.warnings.value) == (6, 10)  # the last run's only
    assert [(r, n.shown) for r, n in gp.top_reasons] == [
        ("nhs_number: not a valid NHS number", "8"),
        ("date_of_birth: no date of birth", "6"),
        ("postcode: not a UK postcode", "fewer than 5"),
    ]
    history = selectors.feed_history(actor=team)["Qz GP"]
    assert [(h.rejected.value, h.warned.value) for h in history] == [(9, 0), (6, 10)]


def test_planning_counts_living_children_and_coverage_counts_the_deceased_too(small_la):
    from childindex.records.models import ChildStatus

    la, team = small_la
    gone = journey_child("Qz9", "Small", dt.date(2015, 3, 1), la=la)
    gone.status, gone.date_of_death = ChildStatus.DECEASED, dt.date(2025, 1, 1)
    gone.save()
    planning = selectors.planning(actor=team)
    assert sum(n.value for _, n, _ in planning.by_band) == 6
    coverage = selectors.coverage(actor=team)  # no estimate loaded: ages today
    assert coverage.total.in_index.value == 7  # as the estimate's mid-year count would


def test_counts_stored_by_older_code_are_counted_again_when_read(small_la):
    from childindex.reports.models import StoredCount

    la, team = small_la
    first = counts.counts_refresh(la.pk).taken_at
    StoredCount.objects.filter(measure=counts.VERSION).update(n=counts.COUNTS_VERSION - 1)
    assert counts.counts_for(la.pk).taken_at > first
    assert counts.counts_for(la.pk).total(counts.VERSION) == counts.COUNTS_VERSION


@pytest.mark.parametrize("one_pass", [10_000, 3])
def test_a_worklist_pages_the_same_in_one_pass_or_counted_then_paged(
    small_la, monkeypatch, one_pass
):
    la, team = small_la
    monkeypatch.setattr(selectors, "WORKLIST_PAGE", 2)
    monkeypatch.setattr(selectors, "ONE_PASS_IDS", one_pass)
    pages = [selectors.worklist(actor=team, slug="no-gp", page=n) for n in (1, 2, 3, 9)]
    assert [p.count.value for p in pages] == [6, 6, 6, 6]
    assert [p.page for p in pages] == [1, 2, 3, 3]  # past the end: the last page
    listed = [r.name for p in pages[:3] for r in p.rows]
    assert listed == [f"Qz{n} Small" for n in range(6)]  # oldest first, each once


def _two_universal(team) -> tuple[int, list[str]]:
    page = selectors.worklist(actor=team, slug="two-universal")
    return page.count.value, [row.index_number for row in page.rows]


def test_the_two_schools_worklist_lists_what_the_count_found_and_checks_each_child_again(
    small_la,
):
    """The count stores the children it found (grouping every current involvement of the LA);
    the page checks each again, so a child whose second school has ended drops off at once,
    and a child given a second school since the count appears at once, before any recount."""
    la, team = small_la
    first, second = (
        journey_service(journey_organisation(la, name), "Pupils")
        for name in ("Qz Primary", "Qz Academy")
    )
    gp = journey_service(journey_organisation(la, "Qz Surgery"), "Patients", kind="gp")
    kids = list(Child.objects.filter(responsible_la=la).order_by("pk"))
    on = dt.date(2025, 9, 1)
    for kid in kids:
        Involvement.objects.create(
            child=kid, service=first, started_on=on, basis="statutory", source_feed="feed"
        )
        Involvement.objects.create(
            child=kid, service=gp, started_on=on, basis="statutory", source_feed="feed"
        )
    Involvement.objects.create(
        child=kids[0], service=second, started_on=on, basis="statutory", source_feed="feed"
    )
    Involvement.objects.create(
        child=kids[1], service=second, started_on=on, basis="statutory", source_feed="feed"
    )
    counts.counts_refresh(la.pk)
    snapshot = CountsSnapshot.objects.get(local_authority=la)
    assert set(ListedChild.objects.filter(snapshot=snapshot).values_list("child_id", flat=1)) == {
        kids[0].pk,
        kids[1].pk,
    }
    assert _two_universal(team) == (2, [kids[0].index_number, kids[1].index_number])

    # kids[0]'s first school ends; kids[2] gets a second GP; kids[3] a second school, ended
    Involvement.objects.filter(child=kids[0], service=first).update(ended_on=dt.date.today())
    other_gp = journey_service(journey_organisation(la, "Qz Health Centre"), "Patients", kind="gp")
    Involvement.objects.create(
        child=kids[2], service=other_gp, started_on=on, basis="statutory", source_feed="feed"
    )
    Involvement.objects.create(
        child=kids[3],
        service=second,
        started_on=on,
        ended_on=on,
        basis="statutory",
        source_feed="feed",
    )
    assert CountsSnapshot.objects.get(local_authority=la).pk == snapshot.pk  # no recount
    assert _two_universal(team) == (2, [kids[1].index_number, kids[2].index_number])
    counts.counts_refresh(la.pk)
    assert set(ListedChild.objects.values_list("child_id", flat=1)) == {kids[1].pk, kids[2].pk}
    assert _two_universal(team) == (2, [kids[1].index_number, kids[2].index_number])
