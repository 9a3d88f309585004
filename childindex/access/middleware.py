"""Session time limits.

``SessionLimitsMiddleware`` (after ``AuthenticationMiddleware``) ends a session 15 minutes after
its last request or 10 hours after sign-in, server-side.

Default deny by declared access rule renders pages, so it is a web adapter:
``web.middleware.AccessRuleMiddleware``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse

from childindex.access import sessions

log = logging.getLogger(__name__)

SEEN_RESOLUTION_SECONDS = 60  # how often the "last seen" stamp (and the session row) is renewed


class SessionLimitsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            self._check(request)
        return self.get_response(request)

    def _check(self, request: HttpRequest) -> None:
        session = request.session
        now = time.time()
        started = session.get(sessions.STARTED_KEY)
        seen = session.get(sessions.SEEN_KEY)
        if started is None or seen is None:
            session[sessions.STARTED_KEY] = started or now
            session[sessions.SEEN_KEY] = now
            return
        if now - seen > settings.SESSION_IDLE_SECONDS:
            self._end(request, "idle")
        elif now - started > settings.SESSION_ABSOLUTE_SECONDS:
            self._end(request, "absolute")
        elif now - seen >= SEEN_RESOLUTION_SECONDS:
            session[sessions.SEEN_KEY] = now

    @staticmethod
    def _end(request: HttpRequest, reason: str) -> None:
        request.childindex_sign_out_reason = reason  # type: ignore[attr-defined]  # read by the audit receiver
        logout(request)
        request.session[sessions.SIGNED_OUT_REASON_KEY] = reason
