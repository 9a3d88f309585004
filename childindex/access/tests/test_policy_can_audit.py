"""policy.can_audit: the LA's own auditors, with every prerequisite but the searching role."""

from __future__ import annotations

import datetime as dt

import pytest

from childindex.access import policy
from childindex.access.tests.factories import UserFactory
from childindex.directory.tests.factories import LocalAuthorityFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("role", "same_la", "two_factor", "changes", "allowed"),
    [
        ("auditor", True, True, {}, True),
        ("auditor", False, True, {}, False),
        ("auditor", True, False, {}, False),
        ("auditor", True, True, {"approved_on": None}, False),
        ("auditor", True, True, {"suspended_on": dt.date(2020, 1, 1)}, False),
        ("auditor", True, True, {"training_completed_on": None}, False),
        ("auditor", True, True, {"dbs_checked_on": dt.date(2000, 1, 1)}, False),
        ("practitioner", True, True, {}, False),
        ("index_team", True, True, {}, False),
        ("child_protection", True, True, {}, False),
    ],
)
def test_only_the_las_own_auditors_with_every_prerequisite_may_audit(
    role, same_la, two_factor, changes, allowed
):
    la = LocalAuthorityFactory()
    user = UserFactory(role=role, local_authority=la, two_factor=two_factor, **changes)
    asked_about = la.pk if same_la else LocalAuthorityFactory().pk
    decision = policy.can_audit(user, asked_about)
    assert bool(decision) is allowed
    assert allowed or decision.reasons


def test_a_national_operator_audits_no_la():
    user = UserFactory(national_operator=True)
    assert policy.has_role_access(user, [user.role])  # every prerequisite met
    assert not policy.can_audit(user, None)
