"""Default deny: every URL's view declares the access rule it enforces; only the sign-in page
needs no sign-in; a view that declares nothing is refused at run time."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver
from django_otp.admin import OTPAdminSite

from childindex.access.models import Role
from childindex.access.testing import sign_in_verified
from childindex.access.tests.factories import UserFactory
from childindex.audit.models import AuditEvent, EventOutcome
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


def test_every_view_in_the_url_conf_declares_its_access_rule():
    assert undeclared_views(get_resolver().url_patterns) == []


def test_the_walk_finds_an_undeclared_view():
    from childindex.web.tests import urls_for_tests

    assert undeclared_views(urls_for_tests.urlpatterns) == [
        "test-undeclared: declares no access rule"
    ]


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
