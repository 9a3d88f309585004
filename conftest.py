"""Root conftest: the suite always runs in test mode."""

import os

os.environ.setdefault("CHILDINDEX_MODE", "test")

# The audit tables are append-only (database triggers); the plugin lets the test runner's flush
# empty them between transactional tests.
pytest_plugins = ["childindex.audit.testing"]


import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with empty counters (the search limits live in Django's cache)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
