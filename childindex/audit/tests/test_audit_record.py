"""audit_record: who, organisation, role, when, where, what, which children; chained; atomic."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory

from childindex.access.tests.factories import UserFactory
from childindex.audit import context
from childindex.audit.chain import GENESIS, event_hash
from childindex.audit.middleware import RequestContextMiddleware
from childindex.audit.models import AuditEvent, AuditEventChild
from childindex.audit.services import audit_record, hashed_fields

pytestmark = pytest.mark.django_db


def test_an_event_copies_who_their_role_organisation_and_la():
    user = UserFactory(with_practitioner=True)
    event = audit_record(actor=user, action="record_view", children=["12345678901"])
    event.refresh_from_db()
    assert event.actor == user
    assert event.actor_label == user.username
    assert event.actor_role == "practitioner"
    assert event.actor_organisation_id == user.organisation_id is not None
    assert event.actor_local_authority_id == user.local_authority_id
    assert event.at.tzinfo is not None and event.at.utcoffset() == dt.timedelta(0)


def test_a_search_keeps_its_criteria_and_the_children_it_returned():
    user = UserFactory()
    event = audit_record(
        actor=user,
        action="child_search",
        children=["12345678901", "123 4567 8902", "12345678901"],
        criteria={"family_name": "Synthetic", "date_of_birth": dt.date(2015, 1, 2)},
        shown={"shielded_results": 1},
    )
    event.refresh_from_db()
    assert event.children == ["12345678901", "12345678902"]
    assert event.criteria == {"family_name": "Synthetic", "date_of_birth": "2015-01-02"}
    assert event.shown == {"shielded_results": 1}
    assert sorted(
        AuditEventChild.objects.filter(event=event).values_list("index_number", flat=True)
    ) == [
        "12345678901",
        "12345678902",
    ]


def test_events_are_numbered_one_by_one_and_each_links_to_the_one_before():
    first = audit_record(actor=None, action="sign_in_failed", actor_label="nobody")
    second = audit_record(actor=None, action="sign_in_failed", actor_label="nobody")
    assert (first.id, second.id) == (1, 2)
    assert first.prev_hash == GENESIS
    assert second.prev_hash == first.hash


def test_the_stored_event_hashes_to_its_hash_after_a_round_trip_through_the_database():
    user = UserFactory(with_practitioner=True)
    audit_record(
        actor=user,
        action="child_search",
        children=["12345678901"],
        criteria={"name": "Ann", "nested": {"score": 0.75, "list": [1, "a"]}},
        ip_address="2001:DB8:0:0:0:0:0:1",
        detail={"ratio": 1e20},
    )
    audit_record(actor=user, action="record_view", ip_address="::ffff:192.0.2.1")
    # On PostgreSQL the hash is computed in SQL from pieces prepared in Python: text that JSON
    # escapes (quotes, backslashes, control characters, non-ASCII) must hash the same there.
    # (PostgreSQL text cannot hold NUL at all; the forms refuse control characters anyway.)
    audit_record(
        actor=None,
        actor_label='O\'Brien "Ñ" \\ \x01\n\u2028',
        action="child_search",
        criteria={"name": 'Zoë "\\', "\x01key": ["é", None, True]},
        detail={"emoji": "\U0001f600"},
    )
    events = list(AuditEvent.objects.order_by("id"))
    assert len(events) == 3
    for event in events:
        assert event_hash(hashed_fields(event)) == event.hash


def test_a_system_event_has_no_actor():
    event = audit_record(actor=None, action="alert", actor_label="monitoring")
    assert event.actor_id is None and event.actor_role == "" and event.actor_label == "monitoring"


def test_an_unusable_client_address_is_left_out_rather_than_failing_the_request():
    event = audit_record(actor=None, action="sign_in_failed", ip_address="not-an-address")
    assert event.ip_address is None


def test_the_request_id_and_client_address_come_from_the_request():
    seen = {}

    def view(request):
        seen["event"] = audit_record(actor=None, action="sign_in_failed", actor_label="x")
        from django.http import HttpResponse

        return HttpResponse("ok")

    request = RequestFactory().get("/", REMOTE_ADDR="198.51.100.7")
    response = RequestContextMiddleware(view)(request)
    event = seen["event"]
    assert event.ip_address == "198.51.100.7"
    assert event.request_id == response["X-Request-ID"] != ""
    assert context.current().request_id == ""  # nothing leaks into the next request


def test_the_event_is_part_of_the_callers_transaction():
    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        audit_record(actor=None, action="change", actor_label="x", children=["12345678901"])
        raise Boom
    assert not AuditEvent.objects.exists()
    assert not AuditEventChild.objects.exists()


def test_if_the_audit_write_fails_the_callers_work_fails_too(monkeypatch):
    user = UserFactory()

    def broken(*args, **kwargs):
        raise DatabaseError("disk full")

    monkeypatch.setattr("childindex.audit.services._append", broken)
    with pytest.raises(DatabaseError), transaction.atomic():
        user.first_name = "Changed"
        user.save()
        audit_record(actor=user, action="change")
    user.refresh_from_db()
    assert user.first_name != "Changed"


def test_the_chain_lock_is_taken_on_postgresql(django_assert_num_queries):
    if connection.vendor != "postgresql":
        pytest.skip(
            "PostgreSQL serialises appends with an advisory lock; SQLite with its write lock"
        )
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        audit_record(actor=None, action="sign_in_failed", actor_label="x")
    assert any("audit_append" in q["sql"] for q in queries.captured_queries)
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        audit_record(actor=None, action="sign_in_failed", actor_label="x", children=["1"])
    # Lock, head, event and child rows in one statement: the lock is held for it and the commit.
    assert len(queries.captured_queries) == 1, queries.captured_queries
    with connection.cursor() as cursor:  # held by this (test) transaction until it ends
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"
        )
        assert cursor.fetchone()[0] == 1
