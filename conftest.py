"""Root conftest: the suite always runs in test mode."""

import os

os.environ.setdefault("CHILDINDEX_MODE", "test")

# The audit tables are append-only (database triggers); the plugin lets the test runner's flush
# empty them between transactional tests.
pytest_plugins = ["childindex.audit.testing", "childindex.testkit.fixtures"]


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


import pytest  # noqa: E402


def _is_service_page(response) -> bool:
    """A full HTML page of the service (not a redirect, a fragment, a file or the back office,
    which is Django's admin and not a GOV.UK page)."""
    if getattr(response, "streaming", False) or 300 <= response.status_code < 400:
        return False
    if not response.get("Content-Type", "").startswith("text/html"):
        return False
    path = (getattr(response, "wsgi_request", None) and response.wsgi_request.path) or ""
    if path.startswith("/back-office/"):
        return False
    return b"<html" in response.content[:500]


@pytest.fixture(autouse=True)
def govuk_page_checks(request, monkeypatch):
    """The GOV.UK page checks (one <h1>, a title, labelled fields, error summary links, no
    Django default message, nothing the CSP forbids) on EVERY HTML page the suite's test client
    receives, not only where a test asks."""
    if request.node.get_closest_marker("no_page_checks"):
        return
    from django.test import client as test_client

    from childindex.web.tests.page_checks import assert_govuk_page

    original = test_client.Client.request

    def checked(self, **request_kwargs):
        response = original(self, **request_kwargs)
        if _is_service_page(response):
            try:
                assert_govuk_page(response)
            except AssertionError as exc:
                path = response.wsgi_request.path
                raise AssertionError(
                    f"GOV.UK page check failed on {path} (HTTP {response.status_code}): {exc}"
                ) from None
        return response

    monkeypatch.setattr(test_client.Client, "request", checked)
