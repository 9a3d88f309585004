"""`childindex generate`: the files it writes, their determinism, their errors, bad input."""

from __future__ import annotations

import csv
import filecmp
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from childindex.__main__ import main
from childindex.linkage.nicknames import name_variants
from childindex.synthetic.feeds import FEED_COLUMNS, HOLDS_NHS, typo
from childindex.synthetic.people import FEEDS

AS_OF = "2026-11-21"


def generate(out: Path, *args: str, children: int = 1200, seed: int = 11) -> Path:
    call_command(
        "generate",
        "--children",
        str(children),
        "--seed",
        str(seed),
        "--out",
        str(out),
        "--as-of",
        AS_OF,
        *args,
    )
    return out


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def all_files(directory: Path) -> list[str]:
    return sorted(str(p.relative_to(directory)) for p in directory.rglob("*") if p.is_file())


NOISY = ("--error-rate", "0.4", "--error", "two_schools=1")


@pytest.fixture(scope="module")
def noisy(tmp_path_factory) -> Path:
    return generate(tmp_path_factory.mktemp("noisy"), *NOISY)


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> Path:
    return generate(tmp_path_factory.mktemp("clean"), "--error-rate", "0")


def test_two_runs_with_the_same_seed_write_byte_identical_files(noisy, tmp_path):
    again = generate(tmp_path / "again", *NOISY)
    names = all_files(noisy)
    assert names == all_files(again)
    assert {"children.csv", "truth.csv", "manifest.json", "feeds/school_census.csv"} <= set(names)
    match, mismatch, errors = filecmp.cmpfiles(noisy, again, names, shallow=False)
    assert mismatch == [] and errors == []


def test_files_do_not_depend_on_pythons_hash_seed(tmp_path):
    outs = []
    for hash_seed in ("1", "2"):
        out = tmp_path / hash_seed
        env = {
            **os.environ,
            "PYTHONHASHSEED": hash_seed,
            "CHILDINDEX_MODE": "test",
            "PYTHONPATH": str(Path(__file__).resolve().parents[3]),
        }
        subprocess.run(
            [
                sys.executable,
                "-m",
                "childindex",
                "generate",
                "--children",
                "400",  # noqa: S603
                "--out",
                str(out),
                "--as-of",
                AS_OF,
                "--error-rate",
                "0.5",
                "--skip-checks",
            ],
            env=env,
            check=True,
            capture_output=True,
        )
        outs.append(out)
    names = all_files(outs[0])
    assert filecmp.cmpfiles(outs[0], outs[1], names, shallow=False)[1:] == ([], [])


def test_a_different_seed_gives_different_files(noisy, tmp_path):
    other = generate(tmp_path / "other", *NOISY, seed=12)
    assert (other / "children.csv").read_bytes() != (noisy / "children.csv").read_bytes()
    assert (other / "truth.csv").read_bytes() != (noisy / "truth.csv").read_bytes()


def test_the_error_rate_changes_the_feeds_but_not_the_population(noisy, clean):
    for name in ("children.csv", "carers.csv", "involvements.csv", "practitioners.csv"):
        assert (noisy / name).read_bytes() == (clean / name).read_bytes()
    assert (noisy / "truth.csv").read_bytes() != (clean / "truth.csv").read_bytes()


def test_children_file_has_the_agreed_columns_and_one_row_per_child(noisy):
    children = rows(noisy / "children.csv")
    assert len(children) == 1200
    assert list(children[0])[:7] == [
        "child_id",
        "given_names",
        "family_name",
        "date_of_birth",
        "gender",
        "postcode",
        "la_code",
    ]
    assert len({c["child_id"] for c in children}) == 1200


def test_every_feed_row_is_in_the_truth_exactly_once_and_names_a_real_child(noisy):
    truth = rows(noisy / "truth.csv")
    children = {c["child_id"] for c in rows(noisy / "children.csv")}
    keys = Counter((t["source"], t["source_record_id"]) for t in truth)
    assert max(keys.values()) == 1
    assert {t["child_id"] for t in truth} <= children
    feed_keys = set()
    for feed in FEEDS:
        feed_rows = rows(noisy / "feeds" / f"{feed}.csv")
        assert feed_rows, feed
        assert tuple(feed_rows[0]) == FEED_COLUMNS[feed]
        feed_keys |= {(feed, r["source_record_id"]) for r in feed_rows}
        assert len(feed_rows) == len({r["source_record_id"] for r in feed_rows})
    assert feed_keys == set(keys)


def _by_key(directory: Path) -> dict[tuple[str, str], tuple[dict[str, str], dict[str, str]]]:
    truth = {(t["source"], t["source_record_id"]): t for t in rows(directory / "truth.csv")}
    out = {}
    for feed in FEEDS:
        for row in rows(directory / "feeds" / f"{feed}.csv"):
            out[(feed, row["source_record_id"])] = (row, truth[(feed, row["source_record_id"])])
    return out


def _differences(row: dict[str, str], child: dict[str, str]) -> set[str]:
    fields = ["given_names", "family_name", "date_of_birth", "gender", "postcode"]
    fields += [f for f in ("nhs_number", "upn", "chi_number", "hc_number") if f in row]
    return {f for f in fields if row[f] != child[f]}


def test_with_error_rate_zero_every_feed_row_matches_its_child_and_none_is_doubled(clean):
    children = {c["child_id"]: c for c in rows(clean / "children.csv")}
    current = Counter(
        (i["source_feed"], i["child_id"])
        for i in rows(clean / "involvements.csv")
        if i["source_feed"] and not i["ended_on"]
    )
    seen = Counter()
    for (feed, _key), (row, truth) in _by_key(clean).items():
        assert truth["errors"] == ""
        assert _differences(row, children[truth["child_id"]]) == set()
        seen[(feed, truth["child_id"])] += 1
    assert seen == current


def test_rows_without_listed_errors_are_exact_and_listed_errors_show(noisy):
    children = {c["child_id"]: c for c in rows(noisy / "children.csv")}
    kinds = Counter()
    for (_feed, _key), (row, truth) in _by_key(noisy).items():
        child = children[truth["child_id"]]
        errors = set(filter(None, truth["errors"].split(";")))
        kinds.update(errors)
        differences = _differences(row, child)
        if not errors - {"duplicate", "two_schools"}:
            assert differences == set(), (truth, row)
        if {"dob_swap", "dob_typo"} & errors:
            assert "date_of_birth" in differences
        if "stale_address" in errors:
            assert row["postcode"] == child["previous_postcode"]
        if "nickname" in errors:
            assert row["given_names"] in name_variants(child["given_names"].split()[0])
        if errors == {"nhs_missing"}:
            assert differences == {"nhs_number"} and row["nhs_number"] == ""
    assert set(kinds) == {
        "typo",
        "nickname",
        "name_variant",
        "dob_swap",
        "dob_typo",
        "stale_address",
        "nhs_missing",
        "nhs_typo",
        "upn_missing",
        "duplicate",
        "two_schools",
    }


def test_each_error_kind_comes_at_about_its_rate(tmp_path):
    out = generate(
        tmp_path / "rates",
        "--error-rate",
        "0",
        "--error",
        "typo=0.3",
        "--error",
        "nhs_missing=0.5",
        children=1500,
    )
    truth = {(t["source"], t["source_record_id"]): t for t in rows(out / "truth.csv")}
    children = {c["child_id"]: c for c in rows(out / "children.csv")}
    typos = [("typo" in t["errors"]) for t in truth.values()]
    assert 0.26 < sum(typos) / len(typos) < 0.34
    holding = [
        t
        for t in truth.values()
        if t["source"] in HOLDS_NHS and children[t["child_id"]]["nhs_number"]
    ]
    missing = [("nhs_missing" in t["errors"]) for t in holding]
    assert 0.45 < sum(missing) / len(missing) < 0.55
    assert not any("nickname" in t["errors"] for t in truth.values())


def test_the_overall_error_rate_is_about_the_share_of_rows_with_an_error(tmp_path):
    out = generate(tmp_path / "overall", "--error-rate", "0.1", children=3000)
    truth = rows(out / "truth.csv")
    share = sum(bool(t["errors"]) for t in truth) / len(truth)
    assert 0.08 < share < 0.12
    assert len({k for t in truth for k in t["errors"].split(";") if k}) >= 9


def test_a_typo_changes_a_name_by_one_slip():
    import random

    rng = random.Random(1)
    for name in ("Olivia", "O'Brien", "Al-Sayed", "Łukasz", "Ng", "Hoi Yan"):
        for _ in range(50):
            slipped = typo(name, rng)
            assert slipped != name and slipped.strip()
            assert abs(len(slipped) - len(name)) <= 1


def test_the_directory_files_describe_every_organisation_and_practitioner(noisy):
    organisations = {o["code"] for o in rows(noisy / "organisations.csv")}
    services = {(s["organisation_code"], s["name"]) for s in rows(noisy / "services.csv")}
    practitioners = {p["secure_email"] for p in rows(noisy / "practitioners.csv")}
    for feed in FEEDS:
        for row in rows(noisy / "feeds" / f"{feed}.csv"):
            assert (row["organisation_code"], row["service_name"]) in services
            assert row["practitioner_email"] in practitioners
    assert {code for code, _ in services} <= organisations
    la = rows(noisy / "local_authorities.csv")[0]
    assert la["code"] == "E10000099" and la["name"] == "Wealdshire"
    assert la["index_team_phone"].startswith("01632 960")
    assert la["index_team_email"].endswith(".example")


# --- bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--children", "0"], "--children must be from 1"),
        (["--children", "-5"], "--children must be from 1"),
        (["--children", "lots"], "--children must be a whole number"),
        (["--children", "5", "--seed", "-1"], "--seed must be from 0"),
        (["--children", "5", "--seed", "1.5"], "--seed must be a whole number"),
        (["--children", "5", "--la", "X10000099"], "not an ONS-style code"),
        (["--children", "5", "--la", "E10000099", "--la", "E10000099"], "once"),
        (["--children", "5", "--error-rate", "1.5"], "--error-rate must be a number from 0"),
        (["--children", "5", "--error-rate", "nan"], "--error-rate must be a number from 0"),
        (["--children", "5", "--error", "spelling=0.1"], "KIND=RATE"),
        (["--children", "5", "--as-of", "21/11/2026"], "--as-of must be a date"),
        (["--children", "5", "--bogus"], "unrecognized arguments: --bogus"),
    ],
)
def test_bad_options_are_refused_with_a_reason(args, message, tmp_path):
    with pytest.raises(CommandError, match=message):
        call_command("generate", "--out", str(tmp_path), *args)


def test_an_out_that_is_a_file_is_refused(tmp_path):
    target = tmp_path / "file.csv"
    target.write_text("x")
    with pytest.raises(CommandError, match="is a file, not a directory"):
        call_command("generate", "--children", "5", "--out", str(target))


def test_an_out_that_cannot_be_made_is_refused(tmp_path):
    target = tmp_path / "file.csv"
    target.write_text("x")
    with pytest.raises(CommandError, match="cannot write to --out"):
        call_command("generate", "--children", "5", "--out", str(target / "below"))


@pytest.mark.django_db  # the command line runs Django's system checks first
@pytest.mark.parametrize(
    "args",
    [
        ["--children", "5", "--out", "{tmp}", "--unknown-option"],
        ["--children", "0", "--out", "{tmp}"],
        ["--children", "5", "--seed", "x", "--out", "{tmp}"],
        ["--children", "5", "--out", "{file}"],
        ["--out", "{tmp}"],
    ],
)
def test_from_the_command_line_bad_input_is_one_line_and_a_non_zero_exit(args, tmp_path, capsys):
    (tmp_path / "f").write_text("x")
    argv = [a.format(tmp=tmp_path / "out", file=tmp_path / "f") for a in args]
    with pytest.raises(SystemExit) as exit_:
        main(["childindex", "generate", *argv])
    assert exit_.value.code not in (0, None)
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err
