"""Access writes: accounts (approval, suspension, vetting, training, two-factor), the shield
override, and the alerts that record access raises. Each one is a transaction that writes its own
audit event; none holds personal details of a child (children by index number only). Shielding a
record is a write to the record: ``records.services.shield_set`` and ``shield_remove``, which ask
the same policy.

An LA's index team maintains only its own LA's accounts and records (``policy.can_maintain_la``)
and never its own account: someone else approves, vets and suspends you.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import MutableMapping
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from childindex.access import policy, sessions, two_factor
from childindex.access.models import ShieldOverrideReason, User
from childindex.audit.models import Action, EventOutcome
from childindex.audit.services import audit_record

SHIELD_OVERRIDE_SESSION_KEY = "childindex_shield_override"


def _today(today: dt.date | None) -> dt.date:
    return today or timezone.localdate()


# --- Accounts ---------------------------------------------------------------------------------


def _check_maintainer(actor: User, account: User) -> None:
    decision = policy.can_maintain_la(actor, account.local_authority_id)
    if not decision:
        raise PermissionDenied(decision.message)
    if actor.pk == account.pk:
        raise PermissionDenied("Another member of your LA's index team must do this for you.")


def _audit_account(actor: User, action: str, account: User, **detail: Any) -> None:
    audit_record(actor=actor, action=action, detail={"account": account.username, **detail})


def account_approve(*, actor: User, account: User, today: dt.date | None = None) -> User:
    """The LA index team approves an account (one of the access prerequisites)."""
    _check_maintainer(actor, account)
    with transaction.atomic():
        account.approved_on = _today(today)
        account.approved_by = actor
        account.is_active = True
        account.save(update_fields=["approved_on", "approved_by", "is_active"])
        _audit_account(actor, Action.ACCOUNT_APPROVE, account)
    return account


def account_suspend(*, actor: User, account: User, today: dt.date | None = None) -> int:
    """Suspend an account and end its live sessions at once; returns the sessions ended."""
    _check_maintainer(actor, account)
    with transaction.atomic():
        account.suspended_on = _today(today)
        account.save(update_fields=["suspended_on"])
        ended = sessions.sessions_end(user=account)
        _audit_account(actor, Action.ACCOUNT_SUSPEND, account, sessions_ended=ended)
    return ended


def account_reactivate(*, actor: User, account: User) -> User:
    """Lift a suspension (the other prerequisites still apply)."""
    _check_maintainer(actor, account)
    if account.suspended_on is None:
        raise ValidationError("This account is not suspended.")
    with transaction.atomic():
        account.suspended_on = None
        account.save(update_fields=["suspended_on"])
        _audit_account(actor, Action.ACCOUNT_REACTIVATE, account)
    return account


def _past_date(day: dt.date, today: dt.date, what: str) -> None:
    if day > today:
        raise ValidationError(f"The date of the {what} must be today or in the past.")


def account_vetting_record(
    *, actor: User, account: User, checked_on: dt.date, today: dt.date | None = None
) -> User:
    """Record the date of the account's enhanced DBS check (valid for three years)."""
    _check_maintainer(actor, account)
    today = _today(today)
    _past_date(checked_on, today, "DBS check")
    if policy.vetting_expiry_for(checked_on) <= today:
        raise ValidationError("That DBS check is more than three years old: it no longer counts.")
    with transaction.atomic():
        account.dbs_checked_on = checked_on
        account.save(update_fields=["dbs_checked_on"])
        _audit_account(actor, Action.ACCOUNT_VETTING_RECORD, account, checked_on=str(checked_on))
    return account


def account_training_record(
    *, actor: User, account: User, completed_on: dt.date, today: dt.date | None = None
) -> User:
    """Record the date the account holder completed the index's training."""
    _check_maintainer(actor, account)
    _past_date(completed_on, _today(today), "training")
    with transaction.atomic():
        account.training_completed_on = completed_on
        account.save(update_fields=["training_completed_on"])
        _audit_account(
            actor, Action.ACCOUNT_TRAINING_RECORD, account, completed_on=str(completed_on)
        )
    return account


def account_two_factor_reset(*, actor: User, account: User) -> int:
    """Remove a lost authenticator: the holder sets two-factor up again when next signing in.
    Their live sessions end too."""
    _check_maintainer(actor, account)
    with transaction.atomic():
        two_factor.two_factor_reset(user=account)
        ended = sessions.sessions_end(user=account)
        _audit_account(actor, Action.ACCOUNT_TWO_FACTOR_RESET, account, sessions_ended=ended)
    return ended


def enrolment_code_issue(*, actor: User, account: User) -> str:
    """The LA's index team issues a one-time code with which the account holder sets up
    two-factor (72 hours, single use; a new code ends the old). Returned once, to be printed or
    read out; only its hash is kept and the audit event names no code."""
    _check_maintainer(actor, account)
    with transaction.atomic():
        code = two_factor.enrolment_code_make(account, issued_by=actor)
        _audit_account(
            actor,
            "enrolment_code_issue",
            account,
            expires_in_hours=two_factor.ENROLMENT_CODE_HOURS,
        )
    return code


def enrolment_code_redeem(*, user: User, code: str, ip_address: str | None = None) -> bool:
    """The account holder enters their enrolment code before the authenticator's secret is
    shown. Spends the code when it is good; audited either way (never the code)."""
    used = two_factor.enrolment_code_use(user=user, code=code)
    audit_record(
        actor=user,
        action="enrolment_code_redeem",
        outcome=EventOutcome.ALLOWED if used else EventOutcome.DENIED,
        ip_address=ip_address,
    )
    return used


# --- The shield override (a child-protection practitioner, one viewing) -----------------------


def shield_override_grant(
    *,
    actor: User,
    child,
    reason: str,
    code: str,
    session: MutableMapping[str, Any],
    ip_address: str | None = None,
) -> None:
    """A child-protection practitioner overrides a shield for one viewing of one record.

    The caller has shown the warning that the override is reviewed at once. The reason comes
    from a closed list (no free text about the child) and a fresh authenticator code is checked
    now. The override is remembered in the session for this record only; opening another record
    (``shield_override_active`` for another child) or leaving (``shield_override_end``) ends it.
    Opening the record then gets ``policy.record_access(..., shield_override=True)``, whose
    alerts ``access_alerts_raise`` writes.
    """
    if not policy.can_override_shield(actor) or not policy.can_search(actor):
        raise PermissionDenied("Only a child-protection practitioner can override a shield.")
    if not child.shielded:
        raise ValidationError("This record is not shielded.")
    if reason not in ShieldOverrideReason.values:
        raise ValidationError({"reason": "Choose why you need to override the shield."})
    device = two_factor.code_verify(user=actor, code=code, allow_recovery=False)
    if device is None:
        audit_record(
            actor=actor,
            action=Action.SHIELD_OVERRIDE,
            outcome=EventOutcome.DENIED,
            children=[child.index_number],
            detail={"reason": reason, "two_factor": "failed"},
            ip_address=ip_address,
        )
        raise ValidationError(
            {
                "code": "The code from your authenticator app is wrong or already used: "
                "enter the next code it shows."
            }
        )
    audit_record(
        actor=actor,
        action=Action.SHIELD_OVERRIDE,
        children=[child.index_number],
        detail={"reason": reason, "two_factor": "fresh"},
        ip_address=ip_address,
    )
    session[SHIELD_OVERRIDE_SESSION_KEY] = {"child": child.pk, "at": time.time()}


def shield_override_active(*, session: MutableMapping[str, Any], child) -> bool:
    """Whether this session holds an override for this record. Asking about any other record
    ends the override (the user has left the record), as does the time limit."""
    grant = session.get(SHIELD_OVERRIDE_SESSION_KEY)
    if not grant:
        return False
    limit = settings.SHIELD_OVERRIDE_SECONDS
    if grant.get("child") != child.pk or time.time() - grant.get("at", 0) > limit:
        session.pop(SHIELD_OVERRIDE_SESSION_KEY, None)
        return False
    return True


def shield_override_end(*, session: MutableMapping[str, Any]) -> None:
    session.pop(SHIELD_OVERRIDE_SESSION_KEY, None)


# --- Alerts -----------------------------------------------------------------------------------


def access_alerts_raise(
    *,
    actor: User,
    child,
    access: policy.RecordAccess,
    purpose: str = "",
    ip_address: str | None = None,
    request_id: str = "",
) -> int:
    """Write one audit event (action "alert") per alert that opening a record raised.

    Alerts are for the LA's auditors to review; they never judge the user or the child.
    """
    for alert in access.alerts:
        audit_record(
            actor=actor,
            action=Action.ALERT,
            children=[child.index_number],
            purpose=purpose,
            detail={"kind": str(alert), "responsible_la": child.responsible_la_id},
            ip_address=ip_address,
            request_id=request_id,
        )
    return len(access.alerts)
