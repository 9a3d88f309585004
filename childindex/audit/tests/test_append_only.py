"""The database itself refuses to change or remove audit rows."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from childindex.audit.models import AuditEvent, AuditEventChild
from childindex.audit.services import audit_record
from childindex.audit.tests.factories import auditor_of
from childindex.directory.tests.factories import LocalAuthorityFactory
from childindex.monitoring.models import AlertReview
from childindex.monitoring.services import alert_raise

pytestmark = pytest.mark.django_db


@pytest.fixture
def event():
    return audit_record(actor=None, action="record_view", actor_label="x", children=["12345678901"])


def _refused(sql, params=()):
    with pytest.raises(DatabaseError) as raised, transaction.atomic(), connection.cursor() as c:
        c.execute(sql, params)
    assert "append-only" in str(raised.value)


def test_the_database_refuses_to_update_an_audit_event(event):
    _refused("UPDATE audit_auditevent SET purpose = 'data_quality' WHERE id = %s", [event.id])
    event.refresh_from_db()
    assert event.purpose == ""


def test_the_database_refuses_to_delete_an_audit_event(event):
    _refused("DELETE FROM audit_auditevent WHERE id = %s", [event.id])
    assert AuditEvent.objects.filter(id=event.id).exists()


def test_the_orm_cannot_update_or_delete_either(event):
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(id=event.id).update(action="search")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEventChild.objects.all().delete()


def test_the_child_index_is_append_only_too(event):
    _refused("UPDATE audit_auditeventchild SET index_number = '10000000000'")
    _refused("DELETE FROM audit_auditeventchild")


def test_alerts_and_reviews_are_append_only():
    la = LocalAuthorityFactory()
    [alert] = alert_raise(kind="search_volume", local_authority_ids=[la.pk], reason="r", key="k")
    AlertReview.objects.create(
        alert=alert, outcome="appropriate", reviewed_by=auditor_of(la), reviewed_at=alert.raised_at
    )
    _refused("UPDATE audit_alert SET reason = 'nothing'")
    _refused("DELETE FROM audit_alert")
    _refused("UPDATE audit_alertreview SET outcome = 'ig_incident'")
    _refused("DELETE FROM audit_alertreview")


def test_postgresql_refuses_truncate(event):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no TRUNCATE statement")
    with connection.cursor() as cursor:  # settle the test transaction's deferred FK checks
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    _refused("TRUNCATE audit_auditevent CASCADE")
