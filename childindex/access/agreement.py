"""The user agreement: the index's acceptable-use terms, accepted at first sign-in, again every
year and whenever the terms change (issue 17).

Until a signed-in user has accepted the current version within the last year, they reach only
the agreement page (``access.middleware.AccessRuleMiddleware``; the sign-in, two-factor and
sign-out pages and the public footer pages still work). Each acceptance is a row of
``AgreementAcceptance`` (who, when, which version) and an audit event; the LA's index team sees
them on each account's page.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import MutableMapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from childindex.access.models import AgreementAcceptance, User
from childindex.audit.models import Action
from childindex.audit.services import audit_record

# The terms are in web/templates/account/agreement.html; change this when they change, and
# everyone accepts again at their next request.
VERSION = "2026-12"
VALID_FOR = dt.timedelta(days=365)
SESSION_KEY = "childindex_agreement_until"  # the session remembers the answer until it expires


def latest(user: User) -> AgreementAcceptance | None:
    return AgreementAcceptance.objects.filter(user=user).order_by("-accepted_at", "-pk").first()


def accepted_until(user: User) -> dt.datetime | None:
    """When the user's acceptance of the current version runs out (``None``: never accepted
    this version)."""
    last = (
        AgreementAcceptance.objects.filter(user=user, version=VERSION)
        .order_by("-accepted_at")
        .values_list("accepted_at", flat=True)
        .first()
    )
    return last + VALID_FOR if last else None


def is_due(user: User, *, now: dt.datetime | None = None) -> bool:
    until = accepted_until(user)
    return until is None or until <= (now or timezone.now())


def is_due_for_session(user: User, session: MutableMapping[str, Any]) -> bool:
    """``is_due``, asked of the database once per session until the acceptance runs out."""
    cached = session.get(SESSION_KEY)
    if (
        isinstance(cached, list)
        and len(cached) == 2
        and cached[0] == VERSION
        and cached[1] > time.time()
    ):
        return False
    until = accepted_until(user)
    if until is None or until <= timezone.now():
        session.pop(SESSION_KEY, None)
        return True
    session[SESSION_KEY] = [VERSION, until.timestamp()]
    return False


@transaction.atomic
def accept(
    *, user: User, session: MutableMapping[str, Any] | None = None, ip_address: str | None = None
) -> AgreementAcceptance:
    """Record that ``user`` accepts the current terms now, and audit it."""
    acceptance = AgreementAcceptance.objects.create(
        user=user, version=VERSION, accepted_at=timezone.now()
    )
    audit_record(
        actor=user,
        action=Action.AGREEMENT_ACCEPT,
        detail={"version": VERSION},
        ip_address=ip_address,
    )
    if session is not None:
        session[SESSION_KEY] = [VERSION, (acceptance.accepted_at + VALID_FOR).timestamp()]
    return acceptance


def history(user: User) -> list[AgreementAcceptance]:
    return list(AgreementAcceptance.objects.filter(user=user).order_by("-accepted_at", "-pk"))
