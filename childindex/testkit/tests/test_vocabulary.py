"""The tests' one vocabulary holds: no module builds a dict world read as ``county["pat"]`` and
no fixture is called ``county`` (three of that name, of three types, were replaced by the
typed scenarios of ``childindex.testkit``: ``journey``, ``feed_county``, ``generated_county``)."""

from __future__ import annotations

import ast
from pathlib import Path

import childindex

PACKAGE = Path(childindex.__file__).resolve().parent
RETIRED = ("childindex.records.tests.journey_data", "childindex.sources.tests.feedkit")


def findings(source: str, name: str = "<test>") -> list[str]:
    """What in one module's source speaks the retired dialects."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef) and node.name == "county":
            found.append(f"{name}:{node.lineno}: a fixture or builder named county")
        if (
            isinstance(node, ast.Subscript)
            and isinstance(node.value, ast.Name)
            and node.value.id in {"county", "journey"}
            and isinstance(node.slice, ast.Constant)
            and isinstance(node.slice.value, str)
        ):
            found.append(f"{name}:{node.lineno}: {node.value.id}[{node.slice.value!r}]")
        if isinstance(node, ast.ImportFrom) and node.module:
            imported = {f"{node.module}.{alias.name}" for alias in node.names} | {node.module}
            found.extend(f"{name}:{node.lineno}: imports {m}" for m in imported & set(RETIRED))
    return found


def test_no_test_module_speaks_a_retired_dialect():
    modules = sorted(PACKAGE.glob("**/tests/**/*.py")) + sorted(PACKAGE.glob("**/conftest.py"))
    assert modules
    found = [f for path in modules for f in findings(path.read_text("utf-8"), str(path))]
    assert found == []


def test_the_check_catches_each_dialect():
    source = """
import pytest
from childindex.records.tests import journey_data as data
from childindex.sources.tests.feedkit import make_county

@pytest.fixture
def county(db):
    return {"pat": 1}

def test_x(county, journey):
    assert county["pat"] and journey["sam"]
"""
    found = findings(source)
    assert len(found) == 5, found
    assert (
        findings("def test_x(journey, children):\n    assert journey.pat and children.ruby\n") == []
    )
