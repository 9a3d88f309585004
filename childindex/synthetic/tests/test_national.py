"""`childindex generate --las N`: a national index of up to 150 LAs in four nations."""

from __future__ import annotations

import csv
import io
import tomllib
from collections import Counter
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from childindex.directory.models import LocalAuthority, PostcodeDistrict
from childindex.records.models import Child
from childindex.records.search import parse_criteria
from childindex.records.selectors import child_search
from childindex.synthetic.places import national_la_codes
from childindex.testkit.journey import journey_organisation, journey_practitioner, journey_user


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_national_codes_cover_the_four_nations_in_about_their_shares():
    codes = national_la_codes(150)
    assert len(set(codes)) == 150
    by_nation = {letter: sum(c[0] == letter for c in codes) for letter in "EWSN"}
    assert by_nation == {"E": 105, "S": 22, "W": 15, "N": 8}
    assert national_la_codes(1) == ("E10000099",)
    assert set(national_la_codes(4)) == {"E10000099", "W06000099", "S12000099", "N09000099"}
    with pytest.raises(ValueError, match="from 1 to 150"):
        national_la_codes(151)


def test_las_and_la_are_not_given_together(tmp_path):
    with pytest.raises(CommandError, match="not both"):
        call_command(
            "generate", "--children", "10", "--las", "3", "--la", "E10000099", "--out", tmp_path
        )
    with pytest.raises(CommandError, match="--las must be from 1 to 150"):
        call_command("generate", "--children", "10", "--las", "151", "--out", tmp_path)


@pytest.fixture(scope="module")
def national(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("national") / "out"
    call_command(
        "generate",
        *("--las", "150", "--children", "6000", "--seed", "4", "--as-of", "2026-11-21"),
        *("--out", str(out)),
        stdout=io.StringIO(),
    )
    return out


def test_every_la_has_its_own_name_districts_and_index_team(national):
    las = rows(national / "local_authorities.csv")
    assert len(las) == 150
    assert len({la["name"] for la in las}) == 150
    districts = [d for la in las for d in la["districts"].split()]
    assert len(districts) == len(set(districts)) >= 300
    assert all(la["index_team_email"] and la["index_team_username"] for la in las)
    assert {la["nation"] for la in las} == {"england", "wales", "scotland", "northern_ireland"}
    children = rows(national / "children.csv")
    assert {c["la_code"] for c in children} == {la["code"] for la in las}


def test_some_children_moved_between_las_and_some_use_services_in_another(national):
    la_of_district = {
        d: la["code"]
        for la in rows(national / "local_authorities.csv")
        for d in la["districts"].split()
    }
    children = {c["child_id"]: c for c in rows(national / "children.csv")}
    moved = [
        c
        for c in children.values()
        if c["previous_postcode"]
        and la_of_district[c["previous_postcode"].split()[0]] != c["la_code"]
    ]
    assert len(moved) > 20
    org_la = {o["code"]: o["la_code"] for o in rows(national / "organisations.csv")}
    across = {
        i["child_id"]
        for i in rows(national / "involvements.csv")
        if not i["ended_on"]
        and org_la[i["organisation_code"]] != children[i["child_id"]]["la_code"]
    }
    assert len(across) > 20


def test_each_la_has_its_own_feeds_and_the_ground_truth_covers_every_row(national):
    truth = Counter((t["source"], t["source_record_id"]) for t in rows(national / "truth.csv"))
    assert max(truth.values()) == 1
    org_la = {o["code"]: o["la_code"] for o in rows(national / "organisations.csv")}
    assert not list((national / "feeds").glob("*.csv"))  # no one set across the LAs
    feed_keys: set[tuple[str, str]] = set()
    las_with_rows, names = set(), set()
    for mapping in (national / "feeds").glob("*/*.toml"):
        la_code = mapping.parent.name
        feed = tomllib.loads(mapping.read_text(encoding="utf-8"))["feed"]
        assert feed["local_authority"] == la_code
        assert feed["name"] == f"{mapping.stem}-{la_code.lower()}"
        names.add(feed["name"])
        feed_rows = rows(mapping.with_suffix(".csv"))
        # A feed writes only for its own LA's organisations.
        assert {org_la[r["organisation_code"]] for r in feed_rows} <= {la_code}
        feed_keys |= {(feed["name"], r["source_record_id"]) for r in feed_rows}
        las_with_rows |= {la_code} if feed_rows else set()
    assert len(las_with_rows) == 150
    assert feed_keys == set(truth)
    loaded_feeds = {i["source_feed"] for i in rows(national / "involvements.csv")} - {""}
    assert loaded_feeds <= names


@pytest.mark.django_db
def test_150_las_load_and_a_practitioner_searches_the_whole_nation(national, tmp_path):
    out = tmp_path / "loaded"
    call_command(
        "generate",
        *("--las", "150", "--children", "3000", "--seed", "4", "--as-of", "2026-11-21"),
        *("--out", str(out), "--load"),
        stdout=io.StringIO(),
    )
    assert LocalAuthority.objects.count() == 150
    assert PostcodeDistrict.objects.values("local_authority").distinct().count() == 150
    far = rows(out / "children.csv")[-1]  # in the last LA generated
    assert far["la_code"] != "E10000099"
    home = LocalAuthority.objects.get(code="E10000099")
    searcher = journey_user(
        "national-searcher",
        la=home,
        practitioner=journey_practitioner(journey_organisation(home), "Sam", "Ng"),
    )
    matches = child_search(
        actor=searcher,
        criteria=parse_criteria(
            name=f"{far['given_names'].split()[0]} {far['family_name']}",
            date_of_birth=far["date_of_birth"],
        ),
    )
    child = Child.objects.get(index_number=far["child_id"])
    assert child.responsible_la.code == far["la_code"]
    assert far["child_id"] in [m.index_number for m in matches]
