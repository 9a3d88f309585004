"""Session time limits and default-deny by declared access rule.

``SessionLimitsMiddleware`` (after ``AuthenticationMiddleware``) ends a session 15 minutes after
its last request or 10 hours after sign-in, server-side.

``AccessRuleMiddleware`` (after ``LoginRequiredMiddleware``) refuses any view that declares no
access rule (``access.decorators``), sends a signed-in user who has not confirmed two-factor to
do so before anything but the two-factor pages, then one who has not accepted the user agreement
(``access.agreement``) to its page, and marks every signed-in response
``Cache-Control: no-store`` unless the view chose otherwise.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_cache_control

from childindex.access import agreement, sessions
from childindex.access.decorators import Rule, access_rule_of
from childindex.access.policy import has_two_factor

log = logging.getLogger(__name__)

# Signed-in pages open before the user agreement is accepted: the agreement itself and the
# session's keep-alive (the timeout warning's request).
AGREEMENT_FREE_VIEWS = frozenset({"web:agreement", "web:keep-alive"})

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
        request.childindex_sign_out_reason = reason  # read by the audit receiver
        logout(request)
        request.session[sessions.SIGNED_OUT_REASON_KEY] = reason


class AccessRuleMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.user.is_authenticated and not response.has_header("Cache-Control"):
            patch_cache_control(response, no_store=True, private=True)
        return response

    def process_view(self, request: HttpRequest, view_func: Callable, view_args, view_kwargs):
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
