"""The demo command: a synthetic county, one account per role, sign-ins printed."""

from __future__ import annotations

import base64
import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from childindex.access.models import Role, User
from childindex.records.models import Child


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
