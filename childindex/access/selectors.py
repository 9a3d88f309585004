"""Reads for the LA index team's pages: its LA's accounts, who lapses soon, its shielded records.

Each selector asks ``policy.can_maintain_la`` first: an index team sees only its own LA.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils import timezone

from childindex.access import policy, two_factor
from childindex.access.models import User

LAPSING_WITHIN_DAYS = 30


def _check(actor: User, local_authority_id: int | None) -> None:
    decision = policy.can_maintain_la(actor, local_authority_id)
    if not decision:
        raise PermissionDenied(decision.message)


@dataclass(frozen=True)
class AccountStatus:
    """Where an account stands against the access prerequisites."""

    account: User
    missing: tuple[policy.Prerequisite, ...]
    vetting_expires_on: dt.date | None
    lapses_soon: bool
    recovery_codes_left: int

    @property
    def ready(self) -> bool:
        return not self.missing

    @property
    def missing_labels(self) -> list[str]:
        return [m.label for m in self.missing]

    @property
    def missing_labels_for_staff(self) -> list[str]:
        """The same, as the LA's index team reads them about someone else's account."""
        return [STAFF_LABELS.get(m, m.label) for m in self.missing]


STAFF_LABELS = {
    policy.Prerequisite.ROLE: "The account has no role that may search the index.",
    policy.Prerequisite.APPROVAL: "The account has not been approved yet.",
    policy.Prerequisite.SUSPENDED: "The account is suspended.",
    policy.Prerequisite.VETTING: "Their enhanced DBS check is missing or over three years old.",
    policy.Prerequisite.TRAINING: "They have not completed the index's training.",
    policy.Prerequisite.TWO_FACTOR: "They have not set up two-factor authentication.",
}


def account_status(
    account: User, *, today: dt.date | None = None, within_days: int = LAPSING_WITHIN_DAYS
) -> AccountStatus:
    today = today or timezone.localdate()
    missing = tuple(policy.missing_prerequisites(account, today=today))
    expires = policy.vetting_expires_on(account)
    soon = (
        expires is not None
        and policy.Prerequisite.VETTING not in missing
        and expires <= today + dt.timedelta(days=within_days)
    )
    return AccountStatus(
        account=account,
        missing=missing,
        vetting_expires_on=expires,
        lapses_soon=soon,
        recovery_codes_left=two_factor.recovery_codes_left(account),
    )


def la_accounts(*, actor: User) -> QuerySet[User]:
    """The accounts of the actor's own LA, by name."""
    _check(actor, actor.local_authority_id)
    return (
        User.objects.filter(local_authority_id=actor.local_authority_id)
        .select_related("organisation", "local_authority")
        .order_by("last_name", "first_name", "username")
    )


def la_account(*, actor: User, pk: int) -> User:
    """One account of the actor's own LA (another LA's account looks like no account)."""
    account = la_accounts(actor=actor).filter(pk=pk).first()
    if account is None:
        raise User.DoesNotExist("No such account in your LA.")
    return account


def la_account_statuses(
    *, actor: User, today: dt.date | None = None, within_days: int = LAPSING_WITHIN_DAYS
) -> list[AccountStatus]:
    return [
        account_status(a, today=today, within_days=within_days) for a in la_accounts(actor=actor)
    ]


def accounts_lapsing(
    *, actor: User, today: dt.date | None = None, within_days: int = LAPSING_WITHIN_DAYS
) -> list[AccountStatus]:
    """Accounts whose DBS check stops counting in the next ``within_days`` days, soonest first."""
    today = today or timezone.localdate()
    statuses = la_account_statuses(actor=actor, today=today, within_days=within_days)
    lapsing = [s for s in statuses if s.lapses_soon]
    return sorted(lapsing, key=lambda s: s.vetting_expires_on or today)
