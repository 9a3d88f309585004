"""Test support: the suite runs in test mode, and every pytest process gets a ``var/`` of its
own (a pytest plugin).

The settings put the SQLite file, the demo's mail and keys under ``CHILDINDEX_VAR_DIR``
(``var/`` by default). The suite must never touch the developer's ``var/`` (where the demo
database lives), and under pytest-xdist two workers must never share one. This plugin is named
in ``addopts`` (``-p childindex.core.testing``) so that it is imported before pytest-django
loads the settings; it points ``CHILDINDEX_VAR_DIR`` at a fresh temporary folder for this
process (named after the xdist worker, ``gw0``, ``gw1``... when there is one) and removes it at
the end. Subprocesses started by tests inherit it unless they set their own.

Test databases need nothing here: pytest-django gives each xdist worker its own
(``test_<name>_gw0`` on PostgreSQL; SQLite's test database is in memory per process).
"""

from __future__ import annotations

import os
import shutil
import tempfile

os.environ.setdefault("CHILDINDEX_MODE", "test")

_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")
_VAR_DIR = tempfile.mkdtemp(prefix=f"childindex-test-{_WORKER}-")
os.environ["CHILDINDEX_VAR_DIR"] = _VAR_DIR


def pytest_unconfigure(config: object) -> None:
    shutil.rmtree(_VAR_DIR, ignore_errors=True)
