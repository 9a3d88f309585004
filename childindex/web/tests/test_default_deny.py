"""Default deny: every URL's view declares the access rule it enforces, on the view itself (never
in a URL conf); only the sign-in page needs no sign-in; a view that declares nothing is refused
at run time."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import sys
import types
from collections.abc import Iterable

import pytest
from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver
from django_otp.admin import OTPAdminSite

import childindex.web.views
from childindex.access.models import Role
from childindex.access.testing import sign_in_verified
from childindex.access.tests.factories import UserFactory
from childindex.audit.models import AuditEvent, EventOutcome
from childindex.config import urls as project_urls
from childindex.web.decorators import Rule, access_rule_of
from childindex.web.tests.page_checks import assert_govuk_page

# The only pages anyone may open without signing in (static files are served by WhiteNoise
# before any view, so they never reach the URL conf): the sign-in page, and the health probes,
# which answer the load balancer and show nothing about a child, a user or a request.
# The footer's accessibility statement, privacy notice and contact page are for anyone too.
PUBLIC_ALLOW_LIST = {
    "web:sign-in",
    "healthz",
    "readyz",
    "web:accessibility",
    "web:privacy",
    "web:contact",
}


def walk(patterns, namespace: str = ""):
    """(view name, callback, namespaces) for every URL pattern, through includes."""
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from walk(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern):
            yield f"{namespace}{entry.name or ''}", entry.callback


def undeclared_views(patterns) -> list[str]:
    problems = []
    for name, callback in walk(patterns):
        if name.startswith("admin:"):
            continue  # the back office: an OTPAdminSite (asserted below)
        rule = access_rule_of(callback)
        if rule is None:
            problems.append(f"{name or callback.__name__}: declares no access rule")
        elif rule.rule == Rule.PUBLIC and name not in PUBLIC_ALLOW_LIST:
            problems.append(f"{name}: public but not on the allow-list")
        elif getattr(callback, "login_required", True) is False and rule.rule not in (
            Rule.PUBLIC,
            Rule.API_CLIENT,
        ):
            problems.append(f"{name}: login_not_required without being declared public")
    return problems


def _module_level_objects() -> set[int]:
    """Every object a module of the project names at its top level. A view wrapped inside a
    ``path()`` call is named by none: only the URL pattern holds it."""
    return {
        id(obj)
        for name, module in list(sys.modules.items())
        if name.startswith("childindex.")
        for obj in vars(module).values()
    }


def wrapped_in_the_url_conf(patterns) -> list[str]:
    """Patterns whose view is no module's object but a URL conf's own: an access rule (or any
    other wrapper) applied in ``urls.py``, where a reader of the view cannot see it."""
    defined = _module_level_objects()
    return [
        f"{name}: wrapped in the URL conf; declare its rule on the view"
        for name, callback in walk(patterns)
        if not name.startswith("admin:") and id(callback) not in defined
    ]


def views_of(module: types.ModuleType) -> Iterable[tuple[str, object]]:
    """The views a module defines: its public functions whose first parameter is the request
    (helpers that take one are private, ``_name``)."""
    for name, obj in vars(module).items():
        if name.startswith("_") or not inspect.isfunction(obj):
            continue
        if obj.__module__ != module.__name__:
            continue  # imported, not defined here
        if list(inspect.signature(obj).parameters)[:1] == ["request"]:
            yield name, obj


def views_without_a_rule(modules: Iterable[types.ModuleType]) -> list[str]:
    return [
        f"{module.__name__}.{name}: declares no access rule"
        for module in modules
        for name, view in views_of(module)
        if access_rule_of(view) is None
    ]


def web_views_modules() -> list[types.ModuleType]:
    package = childindex.web.views
    return [
        importlib.import_module(f"{package.__name__}.{info.name}")
        for info in pkgutil.iter_modules(package.__path__)
    ]


# Views Django itself calls, before any URL is resolved, for anyone: the CSRF failure page, the
# sign-in lock-out page (django-axes) and the 500 handler.
HANDLERS = {
    settings.CSRF_FAILURE_VIEW,
    settings.AXES_LOCKOUT_CALLABLE,
    project_urls.handler500,
}


def test_every_view_in_the_url_conf_declares_its_access_rule():
    assert undeclared_views(get_resolver().url_patterns) == []


def test_the_walk_finds_an_undeclared_view():
    from childindex.web.tests import urls_for_tests

    assert undeclared_views(urls_for_tests.urlpatterns) == [
        "test-undeclared: declares no access rule"
    ]


def test_no_url_pattern_wraps_a_view_in_an_access_rule():
    assert wrapped_in_the_url_conf(get_resolver().url_patterns) == []


def test_the_check_finds_a_rule_declared_in_the_url_conf():
    from childindex.web.tests import urls_for_tests

    assert wrapped_in_the_url_conf(urls_for_tests.urlpatterns) == [
        "test-wrapped: wrapped in the URL conf; declare its rule on the view"
    ]


def test_every_view_under_web_views_declares_its_access_rule():
    modules = web_views_modules()
    assert {"account", "journey", "reports", "pages"} <= {
        m.__name__.rsplit(".")[-1] for m in modules
    }
    assert views_without_a_rule(modules) == []


def test_the_scan_finds_an_undeclared_view_and_passes_a_private_helper():
    def undeclared(request):
        return None

    def _helper(request):
        return None

    def not_a_view(event):
        return None

    module = types.ModuleType("childindex.web.views.stand_in")
    for function in (undeclared, _helper, not_a_view):
        function.__module__ = module.__name__
        setattr(module, function.__name__, function)
    assert views_without_a_rule([module]) == [
        "childindex.web.views.stand_in.undeclared: declares no access rule"
    ]


def test_public_views_are_the_allow_listed_pages_and_djangos_handlers():
    allowed = {
        callback
        for name, callback in walk(get_resolver().url_patterns)
        if name in PUBLIC_ALLOW_LIST
    }
    public = {
        f"{module.__name__}.{name}"
        for module in web_views_modules()
        for name, view in views_of(module)
        if (rule := access_rule_of(view)) is not None
        and rule.rule == Rule.PUBLIC
        and view not in allowed
    }
    assert public == HANDLERS


def test_the_walk_reaches_every_page_of_the_service():
    names = {name for name, _ in walk(get_resolver().url_patterns)}
    assert {"web:home", "web:sign-in", "web:two-factor", "web:index-team-accounts"} <= names


def test_the_back_office_needs_a_verified_two_factor_device():
    assert isinstance(admin.site, OTPAdminSite)


def test_default_deny_middleware_is_in_place_in_order():
    order = settings.MIDDLEWARE
    assert order.index("django.contrib.auth.middleware.LoginRequiredMiddleware") < order.index(
        "childindex.web.middleware.AccessRuleMiddleware"
    )
    assert order.index("django_otp.middleware.OTPMiddleware") < order.index(
        "childindex.web.middleware.AccessRuleMiddleware"
    )
    assert "axes.middleware.AxesMiddleware" in order


@pytest.mark.django_db
@pytest.mark.urls("childindex.web.tests.urls_for_tests")
def test_an_undeclared_view_is_refused_at_run_time(client):
    sign_in_verified(client, UserFactory())
    response = client.get("/test/undeclared/")
    assert response.status_code == 403
    assert b"nobody said" not in response.content


@pytest.mark.django_db
@pytest.mark.urls("childindex.web.tests.urls_for_tests")
def test_an_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get("/test/search/")
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/?next=")


@pytest.mark.django_db
@pytest.mark.urls("childindex.web.tests.urls_for_tests")
def test_a_ready_account_reaches_a_search_page(client):
    sign_in_verified(client, UserFactory())
    response = client.get("/test/search/")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
@pytest.mark.urls("childindex.web.tests.urls_for_tests")
def test_a_lapsed_account_is_told_exactly_what_is_missing_and_the_lapse_is_audited(client):
    user = UserFactory(dbs_checked_on=None, training_completed_on=None)
    sign_in_verified(client, user)
    response = client.get("/test/search/")
    assert response.status_code == 403
    assert_govuk_page(response)
    text = response.content.decode()
    assert "Your enhanced DBS check is missing or more than three years old." in text
    assert "You have not completed the index&#x27;s training." in text
    assert "not been approved" not in text
    assert user.local_authority.index_team_email in text
    event = AuditEvent.objects.get(action="access_denied_prerequisites")
    assert event.actor == user
    assert event.outcome == EventOutcome.DENIED
    assert event.detail == {"view": "test-search", "missing": ["vetting", "training"]}


@pytest.mark.django_db
@pytest.mark.urls("childindex.web.tests.urls_for_tests")
def test_record_pages_are_never_stored(client):
    sign_in_verified(client, UserFactory())
    response = client.get("/test/record/")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


@pytest.mark.django_db
@pytest.mark.urls("childindex.web.tests.urls_for_tests")
@pytest.mark.parametrize(("role", "status"), [(Role.AUDITOR, 200), (Role.PRACTITIONER, 403)])
def test_role_pages_admit_only_their_roles(client, role, status):
    sign_in_verified(client, UserFactory(role=role))
    assert client.get("/test/audit/").status_code == status


def test_a_view_cannot_declare_two_rules():
    from childindex.web.decorators import requires_search_access, signed_in

    def view(request):
        return None

    with pytest.raises(ValueError, match="declare one rule only"):
        requires_search_access(signed_in(view))
