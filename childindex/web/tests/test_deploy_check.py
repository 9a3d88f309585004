"""Production settings pass Django's deployment checks, with the security headers we rely on."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[3]
SECRET = "production-test-only-" + "x7#Kq2!mP9@vL4$wR8%nT3^bZ6&cY1*dF5(gH0)" * 2


def _run(tmp_path, *args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("CHILDINDEX_", "DATABASE_URL"))
    }
    environment.update(
        {
            "PYTHONPATH": str(PROJECT_DIR),
            "CHILDINDEX_MODE": "production",
            "CHILDINDEX_SECRET_KEY": SECRET,
            "CHILDINDEX_ALLOWED_HOSTS": "index.example.gov.uk",
            "CHILDINDEX_VAR_DIR": str(tmp_path),
            **env,
        }
    )
    return subprocess.run(  # noqa: S603 (our own interpreter and entry point)
        [sys.executable, "-m", "childindex", *args],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_in_production(tmp_path):
    result = _run(tmp_path, "check", "--deploy", "--fail-level", "DEBUG")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_settings_harden_cookies_and_headers(tmp_path):
    script = (
        "from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS >= 31536000,"
        " s.SECURE_SSL_REDIRECT, s.SECURE_CSP['frame-ancestors'] == [\"'none'\"],"
        " s.X_FRAME_OPTIONS,"
        " s.SESSION_COOKIE_NAME.startswith('__Host-'), s.SESSION_COOKIE_HTTPONLY)"
    )
    result = _run(tmp_path, "shell", "--no-imports", "-c", script)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].split() == [
        "True",
        "True",
        "True",
        "True",
        "True",
        "DENY",
        "True",
        "True",
    ]


def test_production_refuses_a_short_secret(tmp_path):
    result = _run(tmp_path, "check", CHILDINDEX_SECRET_KEY="short")
    assert result.returncode != 0
    assert "at least 50 characters" in result.stderr


def test_postgresql_connections_prepare_repeated_statements_unless_told_not_to(tmp_path):
    """ADR 0015: the primary and every replica bind parameters on the server and prepare a
    statement at its second run; CHILDINDEX_DB_PREPARED=false keeps Django's default (for a
    pooler that cannot hold prepared statements)."""
    script = (
        "from django.conf import settings as s; "
        "print([(a, s.DATABASES[a]['OPTIONS'].get('server_side_binding'),"
        " s.DATABASES[a]['OPTIONS'].get('prepare_threshold')) for a in sorted(s.DATABASES)])"
    )
    urls = {
        "DATABASE_URL": "postgres://childindex@db1:5432/childindex",
        "DATABASE_REPLICA_URLS": "postgres://childindex@db2:5432/childindex",
    }
    on = _run(tmp_path, "shell", "--no-imports", "-c", script, **urls)
    off = _run(
        tmp_path, "shell", "--no-imports", "-c", script, CHILDINDEX_DB_PREPARED="false", **urls
    )
    assert on.returncode == 0 and off.returncode == 0, on.stderr + off.stderr
    assert on.stdout.strip().splitlines()[-1] == ("[('default', True, 1), ('replica1', True, 1)]")
    assert off.stdout.strip().splitlines()[-1] == (
        "[('default', None, None), ('replica1', None, None)]"
    )
