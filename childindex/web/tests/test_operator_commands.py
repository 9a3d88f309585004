"""The README's operator commands work as written after `./run demo` (the command finds the
demo's settings), and a production deployment still refuses to start without a real secret."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.db import connection

from childindex.__main__ import DEMO_MARKER


def _run(tmp_path, *args, env_extra=None, python_code=None):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"CHILDINDEX_MODE", "DATABASE_URL", "CHILDINDEX_SECRET_KEY"}
    }
    env["CHILDINDEX_VAR_DIR"] = str(tmp_path)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env |= env_extra or {}
    command = (
        [sys.executable, "-c", python_code]
        if python_code
        else [sys.executable, "-m", "childindex", *args]
    )
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)  # noqa: S603


def _demo_checkout(tmp_path):
    (tmp_path / "childindex.sqlite3").touch()
    (tmp_path / DEMO_MARKER).write_text("demo\n")


def test_an_operator_command_in_a_demo_checkout_uses_the_demo_settings(tmp_path):
    _demo_checkout(tmp_path)
    done = _run(tmp_path, "check")
    assert done.returncode == 0, done.stderr
    assert "using the demo's settings" in done.stderr


def test_an_operator_command_without_a_demo_still_needs_a_secret(tmp_path):
    done = _run(tmp_path, "check")
    assert done.returncode == 2
    assert "CHILDINDEX_SECRET_KEY must be set in production" in done.stderr


@pytest.mark.parametrize(
    "env_extra",
    [
        {"DATABASE_URL": "postgres://postgres@127.0.0.1:5432/nowhere"},
        {"CHILDINDEX_MODE": "production"},
    ],
)
def test_a_production_setting_beats_the_demo_marker_and_still_needs_a_secret(tmp_path, env_extra):
    _demo_checkout(tmp_path)
    done = _run(tmp_path, "check", env_extra=env_extra)
    assert done.returncode == 2
    assert "CHILDINDEX_SECRET_KEY must be set in production" in done.stderr
    assert "demo's settings" not in done.stderr


def test_the_web_server_never_reads_the_demo_marker(tmp_path):
    _demo_checkout(tmp_path)
    done = _run(tmp_path, python_code="import childindex.config.wsgi")
    assert done.returncode != 0
    assert "CHILDINDEX_SECRET_KEY must be set in production" in done.stderr


@pytest.mark.django_db
@pytest.mark.skipif(
    connection.vendor != "sqlite", reason="the demo marks its checkout only on its SQLite database"
)
def test_the_demo_marks_its_checkout(tmp_path, settings):
    import io

    from django.core.management import call_command

    settings.MODE = "demo"
    settings.VAR_DIR = tmp_path
    call_command("demo", children="20", no_serve=True, stdout=io.StringIO())
    assert (tmp_path / DEMO_MARKER).is_file()
