"""The demo command: a synthetic county, one account per role, sign-ins printed."""

from __future__ import annotations

import base64
import io
import json
import re
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from childindex.access import policy
from childindex.access.models import Role, User
from childindex.directory.models import LocalAuthority
from childindex.records.models import Basis, Child
from childindex.records.search import parse_criteria
from childindex.records.selectors import child_search
from childindex.sources.models import ImportRun, ReviewItem, SourceRecord
from childindex.web.demo_examples import KINDS, TOUR_SERVICES, demo_examples
from childindex.web.management.commands.demo import EXAMPLE_LABELS


@pytest.mark.django_db
def test_demo_loads_a_county_and_prints_a_sign_in_for_every_role(tmp_path, settings):
    settings.MODE = "demo"
    settings.VAR_DIR = tmp_path
    out = io.StringIO()
    call_command("demo", children="40", no_serve=True, stdout=out)
    text = out.getvalue()
    assert Child.objects.count() == 40
    assert "http://127.0.0.1:8000/" in text
    for role in Role:
        user = User.objects.get(role=role, username__startswith="demo-")
        assert user.username in text
        assert user.has_usable_password()
    assert re.search(r"\s\d{6}\n", text), "a current two-factor code is printed"
    # One API client per kind of system, each printed as one line with a working secret.
    lines = re.findall(
        r"^api client (\S+): client_id=(\S+) client_secret=(\S+) scopes=(.+)$", text, re.M
    )
    assert [line[0] for line in lines] == [
        "gp-system",
        "school-feed",
        "assessment-system",
        "auditor-tool",
    ]
    assert lines[0][3] == "read match consent.write"
    gp_client = Client()
    token = gp_client.post(
        "/fhir/auth/token",
        {"grant_type": "client_credentials"},
        HTTP_AUTHORIZATION="Basic "
        + base64.b64encode(f"{lines[0][1]}:{lines[0][2]}".encode()).decode(),
    )
    assert token.status_code == 200, token.content


@pytest.mark.django_db
def test_demo_runs_again_on_the_same_database_without_reloading(tmp_path, settings):
    settings.MODE = "demo"
    settings.VAR_DIR = tmp_path
    call_command("demo", children="30", no_serve=True, stdout=io.StringIO())
    call_command("demo", children="30", no_serve=True, stdout=io.StringIO())
    assert Child.objects.count() == 30
    assert User.objects.filter(username__startswith="demo-").count() == len(Role)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("option", "value", "message"),
    [("port", "80", "--port"), ("port", "http", "--port"), ("children", "-5", "--children")],
)
def test_demo_refuses_bad_arguments_with_a_reason(option, value, message, settings):
    settings.MODE = "demo"
    with pytest.raises(CommandError, match=message):
        call_command("demo", no_serve=True, **{option: value})


@pytest.mark.django_db
def test_demo_refuses_to_run_outside_demo_mode():
    with pytest.raises(CommandError, match="CHILDINDEX_MODE=demo"):
        call_command("demo", no_serve=True)


@pytest.mark.django_db
def test_demo_code_prints_the_current_code_of_a_demo_account_only(tmp_path, settings):
    settings.MODE = "demo"
    settings.VAR_DIR = tmp_path
    call_command("demo", children="30", no_serve=True, stdout=io.StringIO())
    username = User.objects.get(role=Role.PRACTITIONER, username__startswith="demo-").username
    out = io.StringIO()
    call_command("demo_code", username, stdout=out)
    assert re.fullmatch(r"\d{6}\n", out.getvalue())
    with pytest.raises(CommandError):
        call_command("demo_code", "someone-else")


@pytest.mark.django_db
def test_a_demo_practitioner_is_signed_in_under_their_own_directory_name(tmp_path, settings):
    settings.MODE = "demo"
    settings.VAR_DIR = tmp_path
    call_command("demo", children="30", no_serve=True, stdout=io.StringIO())
    for role in (Role.PRACTITIONER, Role.CHILD_PROTECTION):
        user = User.objects.get(role=role, username__startswith="demo-")
        assert user.get_full_name() == user.practitioner.full_name


@pytest.mark.django_db
def test_the_demos_review_queue_is_filled_by_a_real_import_of_near_misses(tmp_path, settings):
    settings.MODE = "demo"
    settings.VAR_DIR = tmp_path
    call_command("demo", children="60", no_serve=True, stdout=io.StringIO())
    run = ImportRun.objects.get(feed__name="health_visiting_transfer")
    items = ReviewItem.objects.filter(run=run)
    assert run.sent_to_review > 0 and items.count() == run.sent_to_review
    # Made by the import from the feed's rows, not inserted: each names its source record.
    assert all(item.source_record.feed_id == run.feed_id for item in items)
    assert SourceRecord.objects.filter(feed=run.feed).count() >= items.count()
    feed = tmp_path / "demo-county" / "feeds" / "health_visiting_transfer.csv"
    assert feed.is_file() and ",," in feed.read_text()  # no NHS numbers


def _example_state(kind, example, la):
    """The state each kind of example claims, checked against the database and the policy."""
    child = Child.objects.get(index_number=example.index_number)
    assert child.responsible_la_id == la.pk
    name = child.names.get(kind="current")
    assert (name.given_names, name.family_name) == (example.given_names, example.family_name)
    practitioner = User.objects.get(role=Role.PRACTITIONER, username__startswith="demo-")
    protector = User.objects.get(role=Role.CHILD_PROTECTION, username__startswith="demo-")
    current = list(child.involvements.filter(ended_on__isnull=True))
    consents = list(child.consents.all())
    seen = policy.record_access(practitioner, child, purpose="referral")
    views = [
        policy.involvement_view(practitioner, i, access=seen, consents=consents) for i in current
    ]
    if kind == "shielded":
        return child.shielded and seen.view == policy.Visibility.SHIELDED
    assert not child.shielded and seen.view == policy.Visibility.FULL
    if kind == "hidden_concern":
        return any(
            i.basis == Basis.HIDDEN_CONCERN and v == policy.Visibility.HIDDEN
            for i, v in zip(current, views, strict=True)
        )
    if kind == "sensitive_service":
        return policy.Visibility.SENSITIVE in views
    if kind == "fhir_tour":
        return (
            len(current) >= TOUR_SERVICES
            and all(v == policy.Visibility.FULL for v in views)
            and child.carer_links.exists()
        )
    enquiry = policy.record_access(protector, child, purpose="child_protection_enquiry")
    return any(
        policy.shown_only_for_enquiry(protector, i, access=enquiry, consents=consents)
        for i in current
    )


@pytest.mark.django_db
def test_the_printed_children_to_try_have_the_state_they_are_printed_for(tmp_path, settings):
    settings.MODE = "demo"
    settings.VAR_DIR = tmp_path
    out = io.StringIO()
    call_command("demo", children="400", no_serve=True, stdout=out)
    la = LocalAuthority.objects.order_by("pk").first()
    examples = demo_examples(la)
    assert examples, "a county of 400 has children to try"
    assert len({e.index_number for e in examples.values()}) == len(examples)
    text = out.getvalue()
    for kind, example in examples.items():
        assert _example_state(kind, example, la), (kind, example)
        assert f"{EXAMPLE_LABELS[kind]:<34} {example.name}, " in text


README = Path(__file__).resolve().parents[3] / "README.md"


@pytest.mark.slow
@pytest.mark.django_db
def test_the_readmes_children_to_try_are_the_default_demos(tmp_path, settings):
    """The README's tour names the children of the default county (3,000, seed 2026): each is
    there after the demo's load, with the state the tour says, searched for as it says."""
    settings.MODE = "demo"
    settings.VAR_DIR = tmp_path
    call_command("demo", no_serve=True, stdout=io.StringIO())
    la = LocalAuthority.objects.order_by("pk").first()
    examples = demo_examples(la)
    assert set(examples) == set(KINDS)
    text = README.read_text()
    rows = {
        "shielded": "| a shielded child |",
        "hidden_concern": "| a child with a hidden concern |",
        "sensitive_service": "| a child with a sensitive service |",
        "child_protection_enquiry": "| the child for the child-protection enquiry |",
        "fhir_tour": "| the child of the FHIR API tour |",
    }
    for kind, example in examples.items():
        [row] = [line for line in text.splitlines() if line.startswith(rows[kind])]
        given = example.given_names.split(" ")[0]
        assert f"`{given} {example.family_name}`" in row, (kind, example, row)
        if kind != "shielded":
            assert f"`{example.postcode}`" in row, (kind, example, row)
        assert _example_state(kind, example, la)
        # Found by the search the README gives, as the practitioner.
        criteria = {"name": f"{given} {example.family_name}"}
        if kind == "shielded":
            criteria["date_of_birth"] = example.date_of_birth.isoformat()
        else:
            criteria["postcode"] = example.postcode
        practitioner = User.objects.get(role=Role.PRACTITIONER, username__startswith="demo-")
        found = child_search(actor=practitioner, criteria=parse_criteria(**criteria))
        assert example.index_number in [m.index_number for m in found], (kind, criteria)
    _the_fhir_tour_finds_its_child(examples["fhir_tour"], text)


EXAMPLES = README.parent / "docs" / "examples"


def _the_fhir_tour_finds_its_child(example, text):
    """The README's FHIR API tour, as it is written: its search and the examples' Patient
    name the tour's child, and a GP system made as the tour makes it finds that child first
    by the search and by ``$match`` with docs/examples/match.json."""
    given = example.given_names.split(" ")[0]
    tour = text[text.index("## The FHIR API for other systems") :]
    assert f'--data-urlencode "name={given} {example.family_name}"' in tour
    assert f"--data-urlencode birthdate={example.date_of_birth.isoformat()}" in tour
    match = json.loads((EXAMPLES / "match.json").read_text())
    bundle = json.loads((EXAMPLES / "bundle.json").read_text())
    for patient in (match["parameter"][0]["resource"], bundle["entry"][0]["resource"]):
        assert patient["name"] == [{"family": example.family_name, "given": [given]}]
        assert patient["birthDate"] == example.date_of_birth.isoformat()
        assert patient["address"] == [{"postalCode": example.postcode}]
    [command] = re.findall(r"creds (readme-gp-\$RUN [^)]*)\)", tour)
    out = io.StringIO()
    call_command("api-client", "create", *command.replace("$RUN", "1").split(), stdout=out)
    client_id, secret = re.search(r"client_id=(\S+) client_secret=(\S+)", out.getvalue()).groups()
    web = Client()
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    token = web.post(
        "/fhir/auth/token",
        {"grant_type": "client_credentials"},
        HTTP_AUTHORIZATION=f"Basic {basic}",
    ).json()["access_token"]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    searched = web.post(
        "/fhir/Patient/_search",
        {"name": f"{given} {example.family_name}", "birthdate": example.date_of_birth.isoformat()},
        **auth,
    ).json()
    assert searched["entry"][0]["resource"]["id"] == example.index_number
    matched = web.post(
        "/fhir/Patient/$match",
        (EXAMPLES / "match.json").read_text(),
        content_type="application/fhir+json",
        **auth,
    ).json()
    assert matched["entry"][0]["resource"]["id"] == example.index_number
