"""Whose sessions are live, and ending them server-side (sign-out, suspension, time limits).

Sessions end after ``SESSION_IDLE_SECONDS`` without a request and ``SESSION_ABSOLUTE_SECONDS``
after sign-in, whatever the activity (``access.middleware.SessionLimitsMiddleware``). Signing
out deletes the session row, so a copied cookie no longer works; suspending an account deletes
every session of that user.
"""

from __future__ import annotations

import time
from importlib import import_module

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction
from django.utils import timezone

from childindex.access.models import User, UserSession

STARTED_KEY = "childindex_started"
SEEN_KEY = "childindex_seen"
SIGNED_OUT_REASON_KEY = "childindex_signed_out"


def session_store(session_key: str | None = None) -> SessionBase:
    engine = import_module(settings.SESSION_ENGINE)
    return engine.SessionStore(session_key)


def session_register(*, user: User, session: SessionBase) -> None:
    """Note a fresh sign-in: stamp its start and say whose session this is."""
    now = time.time()
    session[STARTED_KEY] = now
    session[SEEN_KEY] = now
    if session.session_key is None:
        session.save()
    UserSession.objects.update_or_create(
        session_key=session.session_key,
        defaults={"user": user, "started_at": timezone.now()},
    )


def session_rotate(*, user: User, session: SessionBase) -> None:
    """Give the session a new key (after two-factor, when privileges rise)."""
    old_key = session.session_key
    session.cycle_key()
    UserSession.objects.filter(session_key=old_key).delete()
    UserSession.objects.update_or_create(
        session_key=session.session_key,
        defaults={"user": user, "started_at": timezone.now()},
    )


def session_forget(*, session_key: str | None) -> None:
    if session_key:
        UserSession.objects.filter(session_key=session_key).delete()


def sessions_end(*, user: User) -> int:
    """Delete every live session of ``user`` (server-side); returns how many were ended."""
    with transaction.atomic():
        keys = list(
            UserSession.objects.select_for_update()
            .filter(user=user)
            .values_list("session_key", flat=True)
        )
        for key in keys:
            session_store(key).delete(key)
        UserSession.objects.filter(user=user).delete()
    return len(keys)
