"""`childindex directory import --from DIR`: an LA starts from an empty index."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from childindex.access.models import Role
from childindex.access.tests.factories import UserFactory
from childindex.audit.models import AuditEvent
from childindex.directory.models import (
    LocalAuthority,
    Organisation,
    PostcodeDistrict,
    Practitioner,
    Service,
)
from childindex.notifications.models import Notification
from childindex.records.models import Child, Involvement, ResponsibilityTransfer, TransferVia
from childindex.sources.directory_import import directory_import
from childindex.sources.models import ImportRun, RejectedRow, SourceRecord

pytestmark = pytest.mark.django_db

# Four LAs in three nations; Wealdshire (E10000099) and Marshford (E06000099) are neighbours,
# so some children live in one and use a GP practice or school in the other.
LAS = ("E10000099", "W06000099", "S12000099", "E06000099")


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("directory") / "out"
    args = ["--children", "600", "--seed", "11", "--out", str(out), "--as-of", "2026-11-21"]
    for code in LAS:
        args += ["--la", code]
    call_command("generate", *args, stdout=io.StringIO())
    return out


def only(folder: Path, *names: str) -> Path:
    """A copy of ``folder`` holding only the named files."""
    target = folder.parent / ("only-" + "-".join(n.split(".")[0] for n in names))
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir()
    for name in names:
        shutil.copy(folder / name, target / name)
    return target


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def write_rows(path: Path, table: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(table[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(table)


def run(folder: Path, *extra: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("directory", "import", "--from", str(folder), *extra, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_generators_layout_loads_every_authority_organisation_service_and_practitioner(
    generated,
):
    run(generated)
    assert set(LocalAuthority.objects.values_list("code", flat=True)) == set(LAS)
    assert Organisation.objects.count() == len(rows(generated / "organisations.csv"))
    assert Service.objects.count() == len(rows(generated / "services.csv"))
    assert Practitioner.objects.count() == len(rows(generated / "practitioners.csv"))
    practitioner = rows(generated / "practitioners.csv")[0]
    held = Practitioner.objects.get(secure_email=practitioner["secure_email"])
    assert list(held.services.values_list("name", flat=True)) == [practitioner["service_name"]]
    wealdshire = LocalAuthority.objects.get(code="E10000099")
    assert wealdshire.dfe_la_number == 212
    districts = rows(generated / "local_authorities.csv")[0]["districts"].split()
    assert sorted(
        PostcodeDistrict.objects.filter(local_authority=wealdshire).values_list(
            "outward", flat=True
        )
    ) == sorted(districts)


def test_a_second_run_changes_nothing_and_says_so(generated):
    run(generated)
    before = {
        model: sorted(model.objects.values_list("pk", "updated_at"))
        for model in (LocalAuthority, PostcodeDistrict, Organisation, Service, Practitioner)
    }
    result = directory_import(folder=generated)
    assert result.changed == 0
    assert result.counts["organisations_unchanged"] == Organisation.objects.count()
    for model, held in before.items():
        assert sorted(model.objects.values_list("pk", "updated_at")) == held


def test_a_changed_row_updates_its_organisation_and_nothing_else(generated, tmp_path):
    folder = tmp_path / "changed"
    shutil.copytree(generated, folder)
    run(folder)
    table = rows(folder / "organisations.csv")
    table[0]["phone"] = "01632 960 999"
    table[0]["name"] = table[0]["name"] + " (renamed)"
    write_rows(folder / "organisations.csv", table)
    result = directory_import(folder=folder)
    assert result.counts["organisations_updated"] == 1
    assert result.changed == 1
    org = Organisation.objects.get(code=table[0]["code"])
    assert (org.phone, org.name) == ("01632 960 999", table[0]["name"])


def test_schools_load_from_the_get_information_about_schools_export(generated):
    folder = only(generated, "local_authorities.csv", "edubasealldata.csv")
    run(folder)
    gias = rows(folder / "edubasealldata.csv")
    assert gias
    school = Organisation.objects.get(type="school", code=gias[0]["URN"])
    assert school.name == gias[0]["EstablishmentName"]
    assert school.local_authority.code == "E10000099"  # by "LA (code)", the DfE number
    assert school.postcode == gias[0]["Postcode"]
    assert school.address.endswith(gias[0]["Town"])
    service = school.services.get()
    assert (service.kind, service.category, service.name) == ("school", "universal", school.name)
    assert directory_import(folder=folder).changed == 0


def test_gp_practices_load_from_the_ods_epraccur_file_into_the_la_of_their_district(generated):
    folder = only(generated, "local_authorities.csv", "epraccur.csv")
    run(folder)
    with (folder / "epraccur.csv").open(encoding="utf-8", newline="") as handle:
        practices = list(csv.reader(handle))
    assert practices and all(len(cells) == 27 for cells in practices)
    for cells in practices:
        org = Organisation.objects.get(type="gp_practice", code=cells[0])
        district = PostcodeDistrict.objects.get(outward=cells[9].split()[0])
        assert org.local_authority_id == district.local_authority_id
        assert org.services.get().kind == "gp"
    nations = set(
        Organisation.objects.filter(type="gp_practice").values_list(
            "local_authority__nation", flat=True
        )
    )
    assert nations == {"england", "wales"}  # epraccur has no Scottish practices
    assert directory_import(folder=folder).changed == 0


def test_closed_establishments_and_practices_are_left_out(generated, tmp_path):
    folder = only(generated, "local_authorities.csv", "edubasealldata.csv", "epraccur.csv")
    gias = rows(folder / "edubasealldata.csv")
    gias[0]["EstablishmentStatus (name)"] = "Closed"
    write_rows(folder / "edubasealldata.csv", gias)
    lines = (folder / "epraccur.csv").read_text(encoding="utf-8").splitlines()
    cells = next(csv.reader([lines[0]]))
    cells[12] = "C"
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(cells)
    lines[0] = buffer.getvalue().rstrip("\n")
    (folder / "epraccur.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = directory_import(folder=folder)
    assert not Organisation.objects.filter(code__in=[gias[0]["URN"], cells[0]]).exists()
    assert result.skipped == {"edubasealldata.csv": 1, "epraccur.csv": 1}
    assert not result.problems


def test_bad_rows_go_to_the_report_with_their_row_numbers_and_the_rest_imports(generated, tmp_path):
    folder = tmp_path / "bad"
    shutil.copytree(generated, folder)
    las = rows(folder / "local_authorities.csv")
    las[2]["code"] = "X123"  # row 4
    write_rows(folder / "local_authorities.csv", las)
    orgs = rows(folder / "organisations.csv")
    orgs[0]["postcode"] = "NOT A CODE"  # row 2
    orgs[1]["phone"] = "12345"  # row 3
    orgs[2]["type"] = "spaceport"  # row 4
    write_rows(folder / "organisations.csv", orgs)
    services = rows(folder / "services.csv")
    index = next(i for i, s in enumerate(services) if s["organisation_code"] == orgs[5]["code"])
    services[index]["category"] = "optional"
    write_rows(folder / "services.csv", services)
    gias = rows(folder / "edubasealldata.csv")
    gias.append({**gias[0], "URN": "12AB", "EstablishmentName": "Nowhere School"})
    gias.append({**gias[0], "URN": "999999", "PhaseOfEducation (name)": "Kindergarten"})
    write_rows(folder / "edubasealldata.csv", gias)
    report = tmp_path / "report.csv"
    _out, err = run(folder, "--report", str(report))
    problems = {(p["file"], p["row"], p["column"]) for p in rows(report)}
    assert {
        ("local_authorities.csv", "4", "code"),
        ("organisations.csv", "2", "postcode"),
        ("organisations.csv", "3", "phone"),
        ("organisations.csv", "4", "type"),
        ("services.csv", str(index + 2), "category"),
        ("edubasealldata.csv", str(len(gias)), "URN"),
        ("edubasealldata.csv", str(len(gias) + 1), "PhaseOfEducation (name)"),
    } <= problems
    assert "bad row(s) left out" in err
    assert "organisations.csv row 2, postcode" in err
    # A row naming the bad LA is bad too, with the reason; every good row is in.
    scottish = [o for o in orgs[3:] if o["la_code"] == "S12000099"]
    assert scottish
    assert ("organisations.csv", str(orgs.index(scottish[0]) + 2), "la_code") in problems
    assert not LocalAuthority.objects.filter(code="S12000099").exists()
    assert Organisation.objects.filter(code=orgs[5]["code"]).exists()
    assert not Organisation.objects.filter(code=orgs[0]["code"]).exists()


def test_the_import_is_audited_with_its_files_and_counts(generated):
    run(generated)
    event = AuditEvent.objects.filter(action="directory_import").latest("id")
    assert event.actor_label == "childindex directory import"
    assert set(event.detail["files"]) >= {"local_authorities.csv", "epraccur.csv"}
    assert event.detail["counts"]["local_authorities_created"] == len(LAS)
    assert event.detail["bad_rows"] == 0


def test_a_folder_without_directory_files_is_refused_with_what_it_looks_for(tmp_path):
    with pytest.raises(CommandError, match="holds no directory files"):
        run(tmp_path)
    (tmp_path / "organisations.csv").write_text("code,name\n1,x\n", encoding="utf-8")
    with pytest.raises(CommandError, match="lacks the columns type, la_code"):
        run(tmp_path)
    assert not AuditEvent.objects.filter(action="directory_import").exists()


def test_every_generated_feed_imports_into_an_otherwise_empty_index(generated):
    assert not Child.objects.exists()
    run(generated)
    # Several LAs: each has its own set of feeds, feeds/<LA code>/<source>.csv and .toml.
    feeds = sorted((generated / "feeds").glob("*/*.toml"))
    assert {p.parent.name for p in feeds} == set(LAS)
    assert len(feeds) >= 5 * len(LAS)
    for mapping in feeds:
        call_command(
            "feed",
            "import",
            "--no-progress",
            "--mapping",
            str(mapping),
            str(mapping.with_suffix(".csv")),
            stdout=io.StringIO(),
        )
    runs = ImportRun.objects.select_related("feed__local_authority")
    assert runs.count() == len(feeds)
    assert all(r.finished_at is not None for r in runs)
    # A feed writes only for its own LA's organisations: no generated row is refused for that.
    assert not RejectedRow.objects.filter(reason__contains="own LA").exists()
    assert RejectedRow.objects.count() < 0.01 * SourceRecord.objects.count()
    assert {r.feed.local_authority.code for r in runs} == set(LAS)
    assert Child.objects.exists() and Involvement.objects.exists()


def test_a_feed_row_with_an_address_in_another_la_moves_the_child_there(generated):
    run(generated)
    teams = {
        code: UserFactory(
            role=Role.INDEX_TEAM, local_authority=LocalAuthority.objects.get(code=code)
        )
        for code in ("E10000099", "E06000099")
    }
    # Wealdshire's own GP registrations feed: its practices' patients, a few of whom live
    # across the boundary in Marshford.
    feeds = generated / "feeds" / "E10000099"
    call_command(
        "feed",
        "import",
        "--no-progress",
        "--mapping",
        str(feeds / "gp_registrations.toml"),
        str(feeds / "gp_registrations.csv"),
        stdout=io.StringIO(),
    )
    districts = dict(PostcodeDistrict.objects.values_list("outward", "local_authority__code"))
    living_across = {
        r["source_record_id"]
        for r in rows(feeds / "gp_registrations.csv")
        if r["postcode"] and districts.get(r["postcode"].split()[0]) == "E06000099"
    }
    assert living_across
    transfers = ResponsibilityTransfer.objects.filter(via=TransferVia.FEED)
    assert transfers.exists()
    assert set(transfers.values_list("from_la__code", "to_la__code")) == {
        ("E10000099", "E06000099")
    }
    for child in Child.objects.filter(status="active").prefetch_related("addresses"):
        current = [a for a in child.addresses.all() if a.lived_until is None and a.postcode]
        if current:
            assert child.responsible_la.code == districts[current[0].postcode.split()[0]]
    # Both LAs' index teams are told of each transfer.
    for transfer in transfers:
        told = set(
            Notification.objects.filter(
                kind="moved_la", index_number=transfer.child.index_number
            ).values_list("recipient", flat=True)
        )
        assert {teams["E10000099"].pk, teams["E06000099"].pk} <= told
