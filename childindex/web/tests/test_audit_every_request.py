"""Every read of child data and every refusal is an audit event (issue 15, finding 7).

The walk, like the default-deny walk: every URL of the service, as every kind of visitor
(nobody signed in, a password without the second factor, each role, a lapsed account), and each
request must leave an audit event carrying its request id. Found unaudited before: the purpose
page (an existence oracle), the shielded-records list, import-run pages, notifications; 404s for
other LAs' or archived records, 403s on others' involvements, CSRF failures, invalid searches.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from childindex.access.models import Role
from childindex.access.testing import sign_in_verified
from childindex.access.tests.factories import SYNTHETIC_PASSWORD, UserFactory
from childindex.audit.models import AuditEvent, EventOutcome
from childindex.records.tests.factories import ChildFactory, InvolvementFactory
from childindex.web.tests.test_default_deny import PUBLIC_ALLOW_LIST, walk

pytestmark = pytest.mark.django_db

VISITORS = [
    "anonymous",
    "password only",
    *[role.value for role in Role],
    "lapsed practitioner",
]


def _sample_kwargs(child, involvement, account) -> dict[str, object]:
    return {
        "index_number": child.index_number,
        "involvement_id": involvement.pk,
        "pk": account.pk,
        "action": "approve",
        "kind": "vetting",
        "slug": "no-such-worklist",
        "practitioner_id": involvement.practitioner_id or 1,
        "service_id": involvement.service_id,
        "alert_id": 1,
        "consent_id": 1,
    }


def _patterns(patterns, namespace: str = ""):
    """(view name, URL pattern) for every pattern, through includes (as the default-deny walk)."""
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _patterns(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern):
            yield f"{namespace}{entry.name or ''}", entry


def _urls(child, involvement, account) -> list[str]:
    samples = _sample_kwargs(child, involvement, account)
    urls = []
    for name, pattern in _patterns(get_resolver().url_patterns):
        if not name.startswith("web:") or name in PUBLIC_ALLOW_LIST:
            continue
        params = pattern.pattern.converters
        urls.append(reverse(name, kwargs={k: samples[k] for k in params}))
    web_names = {n for n, _ in walk(get_resolver().url_patterns) if n.startswith("web:")}
    assert len(urls) == len(web_names - set(PUBLIC_ALLOW_LIST))
    return sorted(set(urls))


def _client_for(visitor: str, la) -> Client:
    client = Client()
    if visitor == "anonymous":
        return client
    if visitor == "password only":
        user = UserFactory(local_authority=la)
        client.post("/sign-in/", {"username": user.username, "password": SYNTHETIC_PASSWORD})
        return client
    if visitor == "lapsed practitioner":
        sign_in_verified(client, UserFactory(local_authority=la, training_completed_on=None))
        return client
    sign_in_verified(client, UserFactory(role=visitor, local_authority=la, with_practitioner=True))
    return client


@pytest.mark.parametrize("visitor", VISITORS)
def test_every_request_to_every_page_as_every_visitor_is_an_audit_event(visitor):
    other_la_child = ChildFactory()  # the visitors' LA is another: their index team gets 404s
    involvement = InvolvementFactory(child=other_la_child)
    la = UserFactory(index_team=True).local_authority
    account = UserFactory(local_authority=la)
    client = _client_for(visitor, la)
    unaudited = []
    for url in _urls(other_la_child, involvement, account):
        response = client.get(url)
        request_id = response["X-Request-ID"]
        if not AuditEvent.objects.filter(request_id=request_id).exists():
            unaudited.append(f"{url} -> {response.status_code}")
    assert unaudited == []


def test_a_refusal_is_audited_as_denied_naming_the_child_asked_for():
    archived = ChildFactory(archived=True, archived_on=dt.date.today() - dt.timedelta(days=800))
    client = Client()
    sign_in_verified(client, UserFactory())
    response = client.get(reverse("web:child-purpose", args=[archived.index_number]))
    assert response.status_code == 404
    event = AuditEvent.objects.get(request_id=response["X-Request-ID"])
    assert event.outcome == EventOutcome.DENIED
    assert event.children == [archived.index_number]
    assert event.detail["status"] == 404


def test_the_purpose_page_is_audited_as_a_read_of_that_child():
    child = ChildFactory()
    client = Client()
    sign_in_verified(client, UserFactory())
    response = client.get(reverse("web:child-purpose", args=[child.index_number]))
    assert response.status_code == 200
    event = AuditEvent.objects.get(request_id=response["X-Request-ID"])
    assert event.outcome == EventOutcome.ALLOWED and event.children == [child.index_number]


def test_a_csrf_failure_is_audited():
    client = Client(enforce_csrf_checks=True)
    sign_in_verified(client, UserFactory())
    response = client.post(reverse("web:search"), {"name": "Amy"})
    assert response.status_code == 403
    event = AuditEvent.objects.get(request_id=response["X-Request-ID"])
    assert event.outcome == EventOutcome.DENIED


def test_an_invalid_search_is_audited_as_a_refused_search_without_what_was_typed():
    client = Client()
    user = UserFactory()
    sign_in_verified(client, user)
    response = client.post(reverse("web:search"), {"name": "Zebedee"})
    assert response.status_code == 200
    event = AuditEvent.objects.get(request_id=response["X-Request-ID"])
    assert (event.action, event.outcome) == ("child_search", EventOutcome.DENIED)
    assert "Zebedee" not in str(event.detail) and event.detail["invalid"]


def test_an_anonymous_request_for_a_page_is_audited_as_refused():
    response = Client().get(reverse("web:notifications"))
    assert response.status_code == 302
    event = AuditEvent.objects.get(request_id=response["X-Request-ID"])
    assert event.outcome == EventOutcome.DENIED and event.actor is None
