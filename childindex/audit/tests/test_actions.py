"""Audit actions are one closed list: the trail refuses any other string, and writes nothing."""

from __future__ import annotations

import ast
import inspect

import pytest

from childindex.audit import models as models_module
from childindex.audit.models import Action, AuditEvent, action_label
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


def _declared_members() -> dict[str, ast.expr]:
    """``Action``'s members as written in its source: a member written without a label gets
    Django's made-up one (``"Shield Override"``), which says nothing to an auditor."""
    tree = ast.parse(inspect.getsource(models_module))
    [action] = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Action"]
    return {
        target.id: node.value
        for node in action.body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    }


def test_every_action_has_a_human_label_written_for_it():
    members = _declared_members()
    assert set(members) == {a.name for a in Action}
    unlabelled = [
        name
        for name, value in members.items()
        if not (
            isinstance(value, ast.Tuple)
            and len(value.elts) == 2
            and isinstance(value.elts[1], ast.Constant)
            and isinstance(value.elts[1].value, str)
        )
    ]
    assert unlabelled == [], f"give these audit actions a label people read: {unlabelled}"
    for action in Action:
        assert action.label[:1].isupper() and action.label != action.value
        assert "_" not in action.label, action
    labels = [a.label for a in Action]
    assert len(labels) == len(set(labels)), "two actions read the same"


def test_the_label_of_a_value_no_longer_in_the_list_is_the_value():
    assert action_label("shield_override") == "Shield overridden"
    assert action_label("retired_action") == "retired_action"
