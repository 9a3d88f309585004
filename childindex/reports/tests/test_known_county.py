"""Each report's counts against a known generated county: the generator writes the county's
files (children, involvements, services, population estimates), `generate --load` loads it and
`population load` loads the estimates; the expected numbers are counted here from the files,
not from the database the reports read."""

from __future__ import annotations

import csv
import datetime as dt
from collections import Counter
from pathlib import Path

from django.core.management import call_command
from django.utils import timezone

from childindex.audit.models import AuditEvent
from childindex.directory.models import Service
from childindex.records.models import Child, Involvement
from childindex.reports import selectors
from childindex.reports.models import PopulationEstimate
from childindex.testkit.generated import GENERATED_LA

LA = GENERATED_LA  # the county the fixture generates


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _active(out: Path) -> list[dict[str, str]]:
    return [c for c in rows(out / "children.csv") if c["status"] == "active" and c["la_code"] == LA]


def _current_kinds(out: Path) -> dict[str, set[str]]:
    kinds = {(s["organisation_code"], s["name"]): s["kind"] for s in rows(out / "services.csv")}
    held: dict[str, set[str]] = {}
    for inv in rows(out / "involvements.csv"):
        if not inv["ended_on"]:
            kind = kinds[inv["organisation_code"], inv["service_name"]]
            held.setdefault(inv["child_id"], set()).add(kind)
    return held


def test_no_gp_and_no_nhs_number_worklists_count_the_files(generated_county):
    out, team = generated_county.out, generated_county.team
    active = _active(out)
    held = _current_kinds(out)
    summary = selectors.data_quality_summary(actor=team)
    counts = {w.slug: c.value for w, c in summary["worklists"]}
    assert counts["no-gp"] == sum(1 for c in active if "gp" not in held.get(c["child_id"], set()))
    assert counts["no-nhs-number"] == sum(
        1 for c in active if not (c["nhs_number"] or c["chi_number"] or c["hc_number"])
    )
    oldest, youngest = selectors.school_age_births(timezone.localdate())
    assert counts["no-school"] == sum(
        1
        for c in active
        if oldest <= dt.date.fromisoformat(c["date_of_birth"]) <= youngest
        and "school" not in held.get(c["child_id"], set())
    )
    # loaded straight from the generator, no feed has listed anyone yet
    assert counts["stale"] == len(active)
    page = selectors.worklist(actor=team, slug="no-gp")
    assert page.count.value == counts["no-gp"]
    assert len(page.rows) == min(counts["no-gp"], selectors.WORKLIST_PAGE)


def test_coverage_counts_the_children_and_the_estimate_file(generated_county):
    out, team = generated_county.out, generated_county.team
    estimates = rows(out / "population_estimates.csv")
    year = max(
        int(k.removeprefix("population_")) for k in estimates[0] if k.startswith("population_")
    )
    assert PopulationEstimate.objects.filter(year=year).count() == 18
    view = selectors.coverage(actor=team)
    assert view.year == year
    expected_estimate = Counter()
    for row in estimates:
        expected_estimate[int(row["age"])] += int(row[f"population_{year}"])
    ref = dt.date(year, 6, 30)
    in_index = Counter()
    for c in rows(out / "children.csv"):
        if c["la_code"] == LA and c["status"] in ("active", "deceased"):
            age = selectors.age_on(dt.date.fromisoformat(c["date_of_birth"]), ref)
            if 0 <= age <= 17 and dt.date.fromisoformat(c["date_of_birth"]) <= ref:
                in_index[age] += 1
    for row in view.by_age:
        assert row.in_index.value == in_index[int(row.label)]
        assert row.estimate.value == expected_estimate[int(row.label)]
    assert view.total.in_index.value == sum(in_index.values())
    assert view.total.estimate.value == sum(expected_estimate.values())
    assert view.total.in_index.value <= view.total.estimate.value  # estimates are raised


def test_planning_counts_current_involvements_by_category(generated_county):
    out, team = generated_county.out, generated_county.team
    services = {
        (s["organisation_code"], s["name"]): s["category"] for s in rows(out / "services.csv")
    }
    active = {c["child_id"] for c in _active(out)}
    expected = Counter(
        services[i["organisation_code"], i["service_name"]]
        for i in rows(out / "involvements.csv")
        if not i["ended_on"] and i["child_id"] in active
    )
    view = selectors.planning(actor=team)
    by_label = {label: n.value for label, _, n in view.by_category}
    assert by_label == {
        "Universal": expected["universal"],
        "Additional": expected["additional"],
        "Specialist": expected["specialist"],
        "Statutory": expected["statutory"],
    }
    assert sum(n.value for _, n, _ in view.by_band) == len(active)


def test_every_report_read_is_audited_with_what_it_showed(generated_county):
    team = generated_county.team
    before = AuditEvent.objects.count()
    page = selectors.worklist(actor=team, slug="no-gp")
    selectors.coverage(actor=team)
    selectors.planning(actor=team)
    selectors.feed_history(actor=team)
    selectors.data_quality_summary(actor=team)
    events = list(AuditEvent.objects.filter(id__gt=before).order_by("id"))
    assert [e.detail["report"] for e in events] == [
        "worklist:no-gp",
        "coverage",
        "planning",
        "feed_history",
        "data_quality",
    ]
    assert all(e.actor_id == team.pk and e.action == "report_view" for e in events)
    assert events[0].children == [r.index_number for r in page.rows]


def _services(out: Path) -> dict[tuple[str, str], dict[str, str]]:
    return {(s["organisation_code"], s["name"]): s for s in rows(out / "services.csv")}


def test_the_two_schools_or_two_gps_worklist_counts_the_files(generated_county):
    out, team = generated_county.out, generated_county.team
    services = _services(out)
    active = {c["child_id"] for c in _active(out)}
    held: dict[tuple[str, str], set] = {}
    for inv in rows(out / "involvements.csv"):
        kind = services[inv["organisation_code"], inv["service_name"]]["kind"]
        if not inv["ended_on"] and inv["child_id"] in active and kind in ("school", "gp"):
            held.setdefault((inv["child_id"], kind), set()).add(
                (inv["organisation_code"], inv["service_name"])
            )
    expected = {child for (child, _), places in held.items() if len(places) > 1}
    # The generator's second schools are in its feeds, not in what it loads: give three
    # children of the files a second current school, as a feed the index missed an end of would
    schools = list(Service.objects.filter(kind="school").order_by("pk"))
    with_one = sorted(c for (c, kind), places in held.items() if kind == "school")[:3]
    for index_number in with_one:
        child = Child.objects.get(index_number=index_number)
        current = child.involvements.filter(ended_on__isnull=True, service__kind="school").get()
        other = next(s for s in schools if s.pk != current.service_id)
        Involvement.objects.create(
            child=child,
            service=other,
            started_on=current.started_on,
            basis=current.basis,
            source_feed="school_census",
        )
        expected.add(index_number)
    assert len(expected) >= 3
    page = selectors.worklist(actor=team, slug="two-universal")
    assert page.count.value == len(expected)
    summary = selectors.data_quality_summary(actor=team)
    assert {w.slug: c.value for w, c in summary["worklists"]}["two-universal"] == len(expected)


def test_coverage_by_postcode_district_counts_the_files(generated_county):
    out, team = generated_county.out, generated_county.team
    services = _services(out)
    kinds: dict[str, set[str]] = {}
    for inv in rows(out / "involvements.csv"):
        if not inv["ended_on"]:
            kind = services[inv["organisation_code"], inv["service_name"]]["kind"]
            kinds.setdefault(inv["child_id"], set()).add(kind)
    children, gp, school = Counter(), Counter(), Counter()
    for c in _active(out):
        if c["postcode"]:
            district = c["postcode"].split(" ")[0]
            children[district] += 1
            gp[district] += "gp" in kinds.get(c["child_id"], set())
            school[district] += "school" in kinds.get(c["child_id"], set())
    view = selectors.coverage(actor=team)
    got = {d: (n.value, g.value, s.value) for d, n, g, s, _ in view.by_district}
    assert got == {d: (children[d], gp[d], school[d]) for d in children}


def test_planning_by_age_band_and_by_month_counts_the_files(generated_county):
    out, team = generated_county.out, generated_county.team
    services = _services(out)
    today = timezone.localdate()
    active = {c["child_id"]: dt.date.fromisoformat(c["date_of_birth"]) for c in _active(out)}
    band_cat = Counter()
    started, ended = Counter(), Counter()
    first = selectors.month_starts(today, 24)[0]
    for inv in rows(out / "involvements.csv"):
        if inv["child_id"] not in active:
            continue
        category = services[inv["organisation_code"], inv["service_name"]]["category"]
        if not inv["ended_on"]:
            band = selectors.age_band(selectors.age_on(active[inv["child_id"]], today))
            band_cat[band, category] += 1
        for counter, column in ((started, "started_on"), (ended, "ended_on")):
            if inv[column] and dt.date.fromisoformat(inv[column]) >= first:
                counter[dt.date.fromisoformat(inv[column]).strftime("%b %Y")] += 1
    view = selectors.planning(actor=team)
    categories = [value for value, _ in view.categories]
    for band, _, cells in view.by_band:
        assert [c.value for c in cells] == [band_cat[band, cat] for cat in categories], band
    assert [s.value for s in view.started] == [started[m] for m in view.months]
    assert [e.value for e in view.ended] == [ended[m] for m in view.months]


def test_feed_health_counts_the_rows_of_the_imported_file_and_the_import_counts_again(
    generated_county, django_capture_on_commit_callbacks
):
    out, team = generated_county.out, generated_county.team
    before = selectors.data_quality_summary(actor=team)["as_of"]
    feed = out / "feeds" / "gp_registrations.csv"
    with django_capture_on_commit_callbacks(execute=True):
        call_command(
            "feed",
            "import",
            str(feed),
            "--mapping",
            str(feed.with_suffix(".toml")),
            "--no-progress",
        )
    history = selectors.feed_history(actor=team)
    (runs,) = history.values()
    (run,) = runs
    assert run.rows.value == len(rows(feed))
    assert run.rejected.value == run.run.rejected and run.warned.value == run.run.warned
    matched = run.run.linked + run.run.created + run.run.unchanged
    assert run.match_rate == matched / len(rows(feed))
    # the import counted the LA again (in the background; at once in tests), so the stale
    # worklist's stored count no longer holds the children this feed has just listed
    summary = selectors.data_quality_summary(actor=team)
    assert summary["as_of"] > before
    stale = {w.slug: c.value for w, c in summary["worklists"]}["stale"]
    assert stale == selectors.worklist(actor=team, slug="stale").count.value < len(_active(out))
