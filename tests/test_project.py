"""Project-wide checks that run with the suite: migrations, lint, import contracts, the CLI."""

from __future__ import annotations

import ast
import importlib.metadata
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _childindex(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-m", "childindex", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=environment,
        timeout=120,
        check=False,
    )


@pytest.mark.django_db
def test_every_model_change_has_a_migration():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_ruff_finds_nothing():
    result = subprocess.run(
        [str(BIN / "ruff"), "check", "--quiet", "childindex", "tests", "benchmarks"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_leaves_everything_as_it_is():
    result = subprocess.run(
        [str(BIN / "ruff"), "format", "--check", "childindex", "tests", "benchmarks"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_imports_point_one_way():
    result = subprocess.run(
        [str(BIN / "lint-imports"), "--no-cache"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]


def _hidden_imports(source: str, path: str) -> list[str]:
    """The project's imports made inside a function, but an ``AppConfig.ready`` (apps.py) and a
    task enqueue (an import from a ``tasks`` module): an import hidden in a function hides a
    loop from import-linter's layers (docs/decisions/0008-layers-inside-apps.md)."""
    found: list[str] = []

    def visit(node: ast.AST, function: str | None) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                visit(child, child.name)
                continue
            if function is not None and isinstance(child, ast.Import | ast.ImportFrom):
                names = (
                    [child.module or ""]
                    if isinstance(child, ast.ImportFrom)
                    else [a.name for a in child.names]
                )
                for module in names:
                    relative = isinstance(child, ast.ImportFrom) and child.level > 0
                    if not (relative or module.startswith("childindex")):
                        continue
                    if (function == "ready" and path.endswith("apps.py")) or module.endswith(
                        ".tasks"
                    ):
                        continue
                    found.append(f"{path}:{child.lineno} {function}() imports {module}")
            visit(child, function)

    visit(ast.parse(source), None)
    return found


def test_the_project_is_imported_at_module_level():
    hidden = []
    for path in sorted((ROOT / "childindex").rglob("*.py")):
        if {"migrations", "tests"} & set(path.parts):
            continue
        hidden += _hidden_imports(path.read_text(), str(path.relative_to(ROOT)))
    assert hidden == []


def test_an_import_hidden_in_a_function_is_found():
    source = (
        "def f():\n    from childindex.records.models import Child\n"
        "def ready():\n    from childindex.records import signals\n"
        "def enqueue():\n    from childindex.audit.tasks import audit_checkpoint\n"
        "def g():\n    import json\n"
    )
    assert _hidden_imports(source, "childindex/x/services.py") == [
        "childindex/x/services.py:2 f() imports childindex.records.models",
        "childindex/x/services.py:4 ready() imports childindex.records",
    ]
    assert len(_hidden_imports(source, "childindex/x/apps.py")) == 1


def test_mypy_finds_nothing():
    """django-stubs' plugin reads the settings: the test mode's, like the suite's."""
    environment = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    environment["CHILDINDEX_MODE"] = "test"
    result = subprocess.run(
        [str(BIN / "mypy")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=environment,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


def test_a_bad_database_url_is_one_line_not_a_traceback():
    result = _childindex("check", DATABASE_URL="mysql-ish://nowhere", CHILDINDEX_MODE="test")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "DATABASE_URL" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_an_unreachable_database_is_one_line_not_a_traceback():
    result = _childindex(
        "migrate", DATABASE_URL="postgres://nobody@127.0.0.1:1/none", CHILDINDEX_MODE="test"
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("childindex: database error")


def test_production_refuses_to_start_without_a_real_secret():
    result = _childindex("check", CHILDINDEX_MODE="production", CHILDINDEX_SECRET_KEY="")
    assert result.returncode != 0
    assert "CHILDINDEX_SECRET_KEY" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_unknown_command_exits_non_zero_without_a_traceback():
    result = _childindex("no-such-command", CHILDINDEX_MODE="test")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr


@pytest.mark.django_db
def test_production_refuses_debug():
    result = _childindex(
        "check",
        CHILDINDEX_MODE="production",
        CHILDINDEX_SECRET_KEY="x" * 60,
        CHILDINDEX_ALLOWED_HOSTS="index.example",
        CHILDINDEX_DEBUG="true",
    )
    assert result.returncode != 0
    assert "CHILDINDEX_DEBUG" in result.stderr and "production" in result.stderr
    assert "Traceback" not in result.stderr


def _extras_asked_for_but_not_locked(lock: str) -> list[str]:
    """Packages that an installed package requires with an extra (``fonttools[woff]``) but
    that the lock pins without it. pip 23 under ``--require-hashes`` then resolves the extra
    as a second requirement, free of the pin, and refuses the newest release it finds: a
    release nobody here made breaks ``./run setup`` (coverage 7.18.0, fonttools 4.69.1)."""
    pinned = {
        m["name"].lower().replace("_", "-"): m["extras"] or ""
        for m in re.finditer(r"^(?P<name>[A-Za-z0-9_.\-]+)(?P<extras>\[[^\]]*\])?==", lock, re.M)
    }
    missing = set()
    for dist in importlib.metadata.distributions():
        if dist.metadata["Name"] == "childindex":
            continue  # installed with --no-deps: its own extras are the lock's lines
        for requirement in dist.requires or []:
            if "extra ==" in requirement:
                continue  # installed only when that package's own extra is asked for
            found = re.match(r"([A-Za-z0-9_.\-]+)\[([^\]]+)\]", requirement)
            if not found:
                continue
            name = found.group(1).lower().replace("_", "-")
            if name in pinned and not pinned[name]:
                missing.add(f"{name}[{found.group(2)}] (asked for by {dist.metadata['Name']})")
    return sorted(missing)


def test_the_lock_pins_every_extra_that_a_locked_package_asks_for():
    assert _extras_asked_for_but_not_locked((ROOT / "requirements.lock").read_text()) == []
    # And the check finds one: the lock as it was before fonttools' extra was pinned.
    before = (ROOT / "requirements.lock").read_text().replace("fonttools[woff]==", "fonttools==")
    assert any(m.startswith("fonttools[woff]") for m in _extras_asked_for_but_not_locked(before))
