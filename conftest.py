"""Root conftest: the suite always runs in test mode."""

import os

os.environ.setdefault("CHILDINDEX_MODE", "test")

# The audit tables are append-only (database triggers); the plugin lets the test runner's flush
# empty them between transactional tests.
pytest_plugins = ["childindex.audit.testing"]


import pytest  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402

# Hypothesis profiles, registered here and only here. "ci" (the default) has no deadline: on a
# shared, loaded machine a slow example is not a failing one, and a deadline made one test flake
# with DeadlineExceeded. "dev" keeps Hypothesis's own deadline for finding slow code on a quiet
# machine (HYPOTHESIS_PROFILE=dev). Tests that need more or fewer examples say so with
# @settings(max_examples=...), which inherits the rest from the loaded profile.
settings.register_profile(
    "ci",
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with empty counters (the search limits live in Django's cache)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
