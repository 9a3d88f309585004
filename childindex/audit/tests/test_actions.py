"""Audit actions are one closed list: the trail refuses any other string, and writes nothing."""

from __future__ import annotations

import pytest

from childindex.audit.models import Action, AuditEvent
from childindex.audit.services import UnknownAction, audit_record

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("action", ["child_creat", "search", "Record_View", "", "admin.nothing"])
def test_an_unknown_action_is_refused_and_nothing_is_written(action):
    before = AuditEvent.objects.count()
    with pytest.raises(UnknownAction, match="not an audit action"):
        audit_record(actor=None, action=action, children=["10000000002"])
    assert AuditEvent.objects.count() == before


@pytest.mark.parametrize("action", list(Action))
def test_every_member_of_the_list_is_recorded_as_itself(action):
    event = audit_record(actor=None, action=action)
    event.refresh_from_db()
    assert event.action == action.value
    assert event.action_label == action.label


def test_a_plain_string_that_is_a_member_is_accepted():
    assert audit_record(actor=None, action="record_view").action == Action.RECORD_VIEW


def test_the_list_fits_the_column():
    column = AuditEvent._meta.get_field("action").max_length
    assert all(len(value) <= column for value in Action.values)
