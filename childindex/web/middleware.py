"""One structured log line per request, and pages instead of tracebacks when the database is gone.

``RequestLogMiddleware`` (right after the audit's ``RequestContextMiddleware``, so the request id
is bound) logs ``request`` with the method, the route (the URL pattern, never the path or the
query string: they can carry an index number or a search), the status and the time taken.

``AccessRuleMiddleware`` (after ``LoginRequiredMiddleware``) refuses any view that declares no
access rule (``access.decorators``, ``web.decorators``), sends a signed-in user who has not
confirmed two-factor to do so before anything but the two-factor pages, then one who has not
accepted the user agreement (``access.agreement``) to its page, and marks every signed-in
response ``Cache-Control: no-store`` unless the view chose otherwise.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_cache_control

from childindex.access import agreement
from childindex.access.policy import has_two_factor
from childindex.audit.logging import route_of
from childindex.web.decorators import Rule, access_rule_of

log = logging.getLogger("childindex.request")

# Signed-in pages open before the user agreement is accepted: the agreement itself and the
# session's keep-alive (the timeout warning's request).
AGREEMENT_FREE_VIEWS = frozenset({"web:agreement", "web:keep-alive"})


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


class AccessRuleMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.user.is_authenticated and not response.has_header("Cache-Control"):
            patch_cache_control(response, no_store=True, private=True)
        return response

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., HttpResponse],
        view_args: Any,
        view_kwargs: Any,
    ) -> HttpResponse | None:
        match = request.resolver_match
        if match is not None and "admin" in match.namespaces:
            return None  # the back office is an OTPAdminSite: staff with a verified device
        rule = access_rule_of(view_func)
        if rule is None:
            log.error("view %s declares no access rule; refused", getattr(match, "view_name", ""))
            return render(request, "account/no_access_rule.html", status=403)
        if rule.rule in (Rule.PUBLIC, Rule.SIGNING_IN, Rule.API_CLIENT):
            return None
        user = request.user
        if user.is_authenticated and not user.is_verified():
            target = "web:two-factor" if has_two_factor(user) else "web:two-factor-set-up"
            query = urlencode({"next": request.get_full_path()})
            return HttpResponseRedirect(f"{reverse(target)}?{query}")
        if (
            user.is_authenticated
            and getattr(match, "view_name", "") not in AGREEMENT_FREE_VIEWS
            and agreement.is_due_for_session(user, request.session)
        ):
            # Until the user agreement is accepted (first sign-in, yearly, new terms), the
            # agreement page is the only page, as the two-factor pages are before it.
            query = urlencode({"next": request.get_full_path()})
            return HttpResponseRedirect(f"{reverse('web:agreement')}?{query}")
        return None
