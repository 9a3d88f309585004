"""Access services: accounts, the shield override and alerts — each audited, each
only for the right people."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from childindex.access import policy, services, sessions
from childindex.access.models import Role, ShieldOverrideReason, UserSession
from childindex.access.testing import authenticator, totp_code
from childindex.access.tests.factories import UserFactory
from childindex.audit.models import AuditEvent, EventOutcome
from childindex.records.tests.factories import ChildFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def team():
    return UserFactory(role=Role.INDEX_TEAM)


def _last(action: str) -> AuditEvent:
    return AuditEvent.objects.filter(action=action).latest("id")


# --- Accounts ---------------------------------------------------------------------------------


def test_index_team_approves_an_account_of_its_la_and_it_is_audited(team):
    account = UserFactory(local_authority=team.local_authority, approved_on=None)
    services.account_approve(actor=team, account=account)
    account.refresh_from_db()
    assert account.approved_on == TODAY
    assert account.approved_by == team
    event = _last("account_approve")
    assert event.actor == team
    assert event.detail == {"account": account.username}


def test_index_team_cannot_touch_another_las_accounts(team):
    elsewhere = UserFactory(approved_on=None)
    with pytest.raises(PermissionDenied):
        services.account_approve(actor=team, account=elsewhere)
    elsewhere.refresh_from_db()
    assert elsewhere.approved_on is None


def test_nobody_approves_or_vets_their_own_account(team):
    with pytest.raises(PermissionDenied):
        services.account_vetting_record(actor=team, account=team, checked_on=TODAY)


@pytest.mark.parametrize("role", [Role.PRACTITIONER, Role.CHILD_PROTECTION, Role.AUDITOR])
def test_only_the_index_team_maintains_accounts(role):
    actor = UserFactory(role=role)
    account = UserFactory(local_authority=actor.local_authority, approved_on=None)
    with pytest.raises(PermissionDenied):
        services.account_approve(actor=actor, account=account)


def test_suspension_ends_every_live_session_of_that_user(team, client):
    from childindex.access.testing import sign_in_verified

    account = UserFactory(local_authority=team.local_authority)
    sign_in_verified(client, account)
    assert Session.objects.count() == 1
    assert UserSession.objects.filter(user=account).count() == 1
    ended = services.account_suspend(actor=team, account=account)
    assert ended == 1
    assert Session.objects.count() == 0
    assert not UserSession.objects.filter(user=account).exists()
    account.refresh_from_db()
    assert policy.missing_prerequisites(account) == [policy.Prerequisite.SUSPENDED]
    assert _last("account_suspend").detail["sessions_ended"] == 1


def test_reactivation_lifts_a_suspension(team):
    account = UserFactory(local_authority=team.local_authority, suspended_on=TODAY)
    services.account_reactivate(actor=team, account=account)
    account.refresh_from_db()
    assert account.suspended_on is None
    assert policy.can_search(account)


def test_vetting_date_in_the_future_or_over_three_years_old_is_refused(team):
    account = UserFactory(local_authority=team.local_authority, dbs_checked_on=None)
    with pytest.raises(ValidationError):
        services.account_vetting_record(
            actor=team, account=account, checked_on=TODAY + dt.timedelta(days=1)
        )
    with pytest.raises(ValidationError):
        services.account_vetting_record(
            actor=team, account=account, checked_on=TODAY - dt.timedelta(days=3 * 366)
        )
    services.account_vetting_record(actor=team, account=account, checked_on=TODAY)
    account.refresh_from_db()
    assert account.dbs_checked_on == TODAY


def test_training_date_is_recorded_and_audited(team):
    account = UserFactory(local_authority=team.local_authority, training_completed_on=None)
    services.account_training_record(actor=team, account=account, completed_on=TODAY)
    account.refresh_from_db()
    assert account.training_completed_on == TODAY
    assert _last("account_training_record").detail["completed_on"] == str(TODAY)


def test_two_factor_reset_removes_devices_so_the_user_must_enrol_again(team):
    account = UserFactory(local_authority=team.local_authority)
    services.account_two_factor_reset(actor=team, account=account)
    assert not TOTPDevice.objects.filter(user=account).exists()
    assert not StaticDevice.objects.filter(user=account).exists()
    assert policy.missing_prerequisites(account) == [policy.Prerequisite.TWO_FACTOR]


# --- The shield override ----------------------------------------------------------------------


@pytest.fixture
def shielded_child():
    return ChildFactory(shielded=True, shield_review_on=TODAY + dt.timedelta(days=30))


def test_child_protection_override_needs_a_fresh_code_and_a_listed_reason(shielded_child):
    cp = UserFactory(role=Role.CHILD_PROTECTION)
    session: dict = {}
    code = totp_code(authenticator(cp))
    services.shield_override_grant(
        actor=cp,
        child=shielded_child,
        reason=ShieldOverrideReason.SECTION_47,
        code=code,
        session=session,
    )
    assert services.shield_override_active(session=session, child=shielded_child)
    event = _last("shield_override")
    assert event.outcome == EventOutcome.ALLOWED
    assert event.detail == {"reason": "section_47", "two_factor": "fresh"}

    # The same code cannot be used twice (for another override, or to sign in).
    with pytest.raises(ValidationError):
        services.shield_override_grant(
            actor=cp,
            child=shielded_child,
            reason=ShieldOverrideReason.SECTION_47,
            code=code,
            session={},
        )
    assert _last("shield_override").outcome == EventOutcome.DENIED


def test_override_refuses_free_text_reasons(shielded_child):
    cp = UserFactory(role=Role.CHILD_PROTECTION)
    with pytest.raises(ValidationError):
        services.shield_override_grant(
            actor=cp,
            child=shielded_child,
            reason="mum says the child is hiding at her sister's",
            code=totp_code(authenticator(cp)),
            session={},
        )
    assert not AuditEvent.objects.filter(action="shield_override").exists()


def test_override_refuses_a_recovery_code(shielded_child):
    from childindex.access import two_factor

    cp = UserFactory(role=Role.CHILD_PROTECTION)
    codes = two_factor.recovery_codes_replace(user=cp)
    with pytest.raises(ValidationError):
        services.shield_override_grant(
            actor=cp,
            child=shielded_child,
            reason=ShieldOverrideReason.IMMEDIATE_RISK,
            code=codes[0],
            session={},
        )


@pytest.mark.parametrize("role", [Role.PRACTITIONER, Role.INDEX_TEAM, Role.AUDITOR])
def test_only_a_child_protection_practitioner_overrides_a_shield(role, shielded_child):
    user = UserFactory(role=role)
    with pytest.raises(PermissionDenied):
        services.shield_override_grant(
            actor=user,
            child=shielded_child,
            reason=ShieldOverrideReason.IMMEDIATE_RISK,
            code=totp_code(authenticator(user)),
            session={},
        )


def test_override_ends_when_the_user_opens_another_record(shielded_child):
    cp = UserFactory(role=Role.CHILD_PROTECTION)
    session: dict = {}
    services.shield_override_grant(
        actor=cp,
        child=shielded_child,
        reason=ShieldOverrideReason.MISSING_CHILD,
        code=totp_code(authenticator(cp)),
        session=session,
    )
    assert not services.shield_override_active(session=session, child=ChildFactory())
    assert not services.shield_override_active(session=session, child=shielded_child)


def test_opening_with_an_override_raises_alerts_as_audit_events(shielded_child):
    cp = UserFactory(role=Role.CHILD_PROTECTION)
    access = policy.record_access(
        cp,
        shielded_child,
        purpose=policy.Purpose.CHILD_PROTECTION_ENQUIRY,
        shield_override=True,
    )
    raised = services.access_alerts_raise(
        actor=cp, child=shielded_child, access=access, purpose="child_protection_enquiry"
    )
    assert raised == 3
    kinds = [e.detail["kind"] for e in AuditEvent.objects.filter(action="alert")]
    assert kinds == [
        "shielded_record_access",
        "shield_override",
        "child_protection_break_glass",
    ]
    for event in AuditEvent.objects.filter(action="alert"):
        assert event.children == [shielded_child.index_number]
        assert event.actor == cp


def test_sessions_end_deletes_only_that_users_sessions(client):
    from django.test import Client

    from childindex.access.testing import sign_in_verified

    one, two = UserFactory(), UserFactory()
    sign_in_verified(client, one)
    other_client = Client()
    sign_in_verified(other_client, two)
    assert sessions.sessions_end(user=one) == 1
    assert UserSession.objects.filter(user=two).count() == 1
    assert Session.objects.count() == 1
