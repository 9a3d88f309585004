"""Sign-in events go to the audit trail, whichever page they came through (§4).

Django's own authentication signals are the one place every sign-in path passes (the sign-in
page, the back office, the test client), so the audit receivers hang on them. They also keep
the record of whose session is whose (``access.sessions``).
"""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from childindex.access import sessions
from childindex.access.client_ip import client_ip
from childindex.audit.models import Action, EventOutcome
from childindex.audit.services import audit_record


def _ip(request) -> str | None:
    return client_ip(request) if request is not None else None


@receiver(user_logged_in, dispatch_uid="childindex_audit_sign_in")
def audit_sign_in(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        sessions.session_register(user=user, session=request.session)
    audit_record(
        actor=user, action=Action.SIGN_IN, detail={"factor": "password"}, ip_address=_ip(request)
    )


@receiver(user_login_failed, dispatch_uid="childindex_audit_sign_in_failed")
def audit_sign_in_failed(sender, credentials, request=None, **kwargs) -> None:
    username = str(credentials.get("username") or "")[:150]
    audit_record(
        actor=None,
        actor_label=username or "(no username)",
        action=Action.SIGN_IN_FAILED,
        outcome=EventOutcome.FAILED,
        ip_address=_ip(request),
    )


@receiver(user_logged_out, dispatch_uid="childindex_audit_sign_out")
def audit_sign_out(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        sessions.session_forget(session_key=request.session.session_key)
    if user is None:
        return
    reason = getattr(request, "childindex_sign_out_reason", "signed_out")
    audit_record(
        actor=user, action=Action.SIGN_OUT, detail={"reason": reason}, ip_address=_ip(request)
    )
