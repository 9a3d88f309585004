"""The audit trail in the back office is read-only, for superusers too."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from childindex.access.testing import sign_in_verified
from childindex.audit.models import AuditEvent
from childindex.audit.services import audit_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def back_office(client):
    # The back office asks for two factors too (an OTPAdminSite).
    sign_in_verified(
        client, get_user_model().objects.create_superuser("auditor.b", "auditor.b@la.example")
    )
    return client


def test_audit_event_page_shows_the_event_and_cannot_change_it(back_office):
    event = audit_record(actor=None, action="child_search", children=["10000000002"])
    url = reverse("admin:audit_auditevent_change", args=[event.pk])
    page = back_office.get(url)
    assert page.status_code == 200
    assert "10000000002" in page.content.decode()
    assert 'type="submit" value="Save"' not in page.content.decode()
    back_office.post(url, {"action": "nothing.to.see"})
    event.refresh_from_db()
    assert event.action == "child_search"


def test_audit_events_are_never_deleted_in_the_back_office(back_office):
    event = audit_record(actor=None, action="child_search")
    url = reverse("admin:audit_auditevent_delete", args=[event.pk])
    assert back_office.get(url).status_code == 403
    assert back_office.post(url, {"post": "yes"}).status_code == 403
    changelist = back_office.get(reverse("admin:audit_auditevent_changelist"))
    assert "delete_selected" not in changelist.content.decode()
    assert AuditEvent.objects.filter(pk=event.pk).exists()
