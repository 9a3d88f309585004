"""One structured log line per request, and pages instead of tracebacks when the database is gone.

``RequestLogMiddleware`` (right after the audit's ``RequestContextMiddleware``, so the request id
is bound) logs ``request`` with the method, the route (the URL pattern, never the path or the
query string: they can carry an index number or a search), the status and the time taken.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from childindex.audit.logging import route_of

log = logging.getLogger("childindex.request")


class RequestLogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        log.info(
            "request",
            extra={
                "method": request.method,
                "route": route_of(request),
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
            },
        )
        return response


SIGNED_IN_COOKIE = "childindex-signed-in"


class SignedInMarkerMiddleware:
    """A cookie that says only "this browser was signed in" (no id, no data), so the sign-in page
    can say the session timed out when the server-side session has already expired (GOV.UK's
    timeout pattern without JavaScript). The sign-in page removes it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not request.COOKIES.get(SIGNED_IN_COOKIE):
            from django.conf import settings

            response.set_cookie(
                SIGNED_IN_COOKIE,
                "1",
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response
