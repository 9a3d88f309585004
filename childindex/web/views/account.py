"""Signing in and out, two-factor set-up and verification, and your own account.

Sign-in is two steps. The password (throttled by django-axes) signs the user in with a new
session key but reaches only the two-factor pages; an authenticator or recovery code then
verifies the session (rotating the key again). An account without two-factor sets it up first.
"""

from __future__ import annotations

import time
from typing import cast

import django_otp
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_http_methods, require_POST
from django_otp.plugins.otp_static.models import StaticDevice

from childindex.access import agreement, policy, sessions, two_factor
from childindex.access.client_ip import client_ip
from childindex.access.models import User
from childindex.access.selectors import account_status
from childindex.access.services import enrolment_code_redeem
from childindex.audit.models import Action, EventOutcome
from childindex.audit.services import audit_record
from childindex.web.decorators import public, signed_in, signed_in_any_standing, signing_in
from childindex.web.forms.account import CodeForm, EnrolmentCodeForm, SignInForm
from childindex.web.http import AuthenticatedRequest
from childindex.web.middleware import SIGNED_IN_COOKIE

SIGNED_OUT_MESSAGES = {
    "idle": "Your session timed out: you were signed out because you did nothing for 15 "
    "minutes. Sign in again to continue.",
    "absolute": "You were signed out because you have been signed in for 10 hours.",
    "signed_out": "You have signed out.",
}
RECOVERY_CODES_SESSION_KEY = "childindex_recovery_codes"
ENROLMENT_SESSION_KEY = "childindex_enrolment_code_used_by"


def _next_url(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse(settings.LOGIN_REDIRECT_URL)


def _with_next(url_name: str, next_url: str) -> str:
    return f"{reverse(url_name)}?{urlencode({'next': next_url})}"


class SignInView(LoginView):
    template_name = "account/sign_in.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        reason = self.request.session.pop(sessions.SIGNED_OUT_REASON_KEY, None)
        if reason is None and self.request.COOKIES.get(SIGNED_IN_COOKIE):
            reason = "idle"  # signed in in this browser, and the session has expired since
        context["signed_out_message"] = SIGNED_OUT_MESSAGES.get(reason or "")
        return context

    def render_to_response(self, context, **kwargs):
        response = super().render_to_response(context, **kwargs)
        response.delete_cookie(SIGNED_IN_COOKIE, samesite="Lax")
        return response

    def get_success_url(self) -> str:
        next_url = self.get_redirect_url() or reverse(settings.LOGIN_REDIRECT_URL)
        user = cast(User, self.request.user)  # signed in by the form, two-factor pending
        if getattr(user, "is_verified", lambda: False)():
            return next_url
        if policy.has_two_factor(user):
            return _with_next("web:two-factor", next_url)
        return _with_next("web:two-factor-set-up", next_url)


sign_in = public(SignInView.as_view())


def locked_out(request: HttpRequest, response=None, credentials=None, *args) -> HttpResponse:
    """django-axes: too many failed sign-ins from this address for this username."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "account/locked_out.html", {"minutes": minutes}, status=429)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "account/csrf_failure.html", status=403)


@signed_in
@require_POST
def keep_alive(request: AuthenticatedRequest) -> HttpResponse:
    """ "Stay signed in" on the timeout warning: a request, so the idle clock starts again."""
    request.session[sessions.SEEN_KEY] = time.time()
    return HttpResponse(status=204)


@signing_in
@require_POST
def sign_out(request: AuthenticatedRequest) -> HttpResponse:
    """Ends the session server-side: its row is deleted, so a copied cookie no longer works."""
    logout(request)
    request.session[sessions.SIGNED_OUT_REASON_KEY] = "signed_out"
    return redirect("web:sign-in")


@signing_in
@require_http_methods(["GET", "POST"])
def two_factor_verify(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    next_url = _next_url(request)
    if user.is_verified():
        return HttpResponseRedirect(next_url)
    if not policy.has_two_factor(user):
        return HttpResponseRedirect(_with_next("web:two-factor-set-up", next_url))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        wait = two_factor.throttled_for_seconds(user)
        if wait:
            form.add_error(
                "code",
                f"Too many wrong codes. Wait {wait} second{'s' if wait != 1 else ''}, "
                "then enter the code your app shows.",
            )
            return render(
                request, "account/two_factor_verify.html", {"form": form, "next": next_url}
            )
        device = two_factor.code_verify(user=user, code=form.cleaned_data["code"])
        if device is not None:
            django_otp.login(request, device)
            sessions.session_rotate(user=user, session=request.session)
            recovery = isinstance(device, StaticDevice)
            audit_record(
                actor=user,
                action=Action.SIGN_IN,
                detail={"factor": "recovery_code" if recovery else "authenticator"},
                ip_address=client_ip(request),
            )
            if recovery:
                messages.warning(
                    request,
                    f"You used a recovery code. You have {two_factor.recovery_codes_left(user)} "
                    "left: make new ones from your account page if you are running out.",
                )
            return HttpResponseRedirect(next_url)
        audit_record(
            actor=user,
            action=Action.SIGN_IN_FAILED,
            outcome=EventOutcome.FAILED,
            detail={"factor": "two_factor"},
            ip_address=client_ip(request),
        )
        form.add_error("code", "The code is wrong or has already been used. Enter a new code.")
    return render(request, "account/two_factor_verify.html", {"form": form, "next": next_url})


@signing_in
@require_http_methods(["GET", "POST"])
def two_factor_set_up(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    next_url = _next_url(request)
    if policy.has_two_factor(user):
        if user.is_verified():
            messages.info(request, "Two-factor authentication is already set up.")
            return redirect("web:account")
        return HttpResponseRedirect(_with_next("web:two-factor", next_url))
    if request.session.get(ENROLMENT_SESSION_KEY) != user.pk:
        return _enrolment_code_step(request, next_url)
    device = two_factor.pending_authenticator(user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = two_factor.authenticator_confirm(
            user=user, device=device, code=form.cleaned_data["code"]
        )
        if codes is not None:
            device.refresh_from_db()
            django_otp.login(request, device)
            sessions.session_rotate(user=user, session=request.session)
            audit_record(actor=user, action=Action.TWO_FACTOR_SET_UP, ip_address=client_ip(request))
            request.session[RECOVERY_CODES_SESSION_KEY] = codes
            return HttpResponseRedirect(_with_next("web:recovery-codes", next_url))
        form.add_error("code", "The code is wrong. Enter the code your app shows now.")
    return render(
        request,
        "account/two_factor_set_up.html",
        {
            "form": form,
            "next": next_url,
            "secret": two_factor.secret_for_display(device),
            "qr_code": two_factor.qr_code_svg(device),
        },
    )


def _enrolment_code_step(request: AuthenticatedRequest, next_url: str) -> HttpResponse:
    """Before any secret is made or shown: the one-time enrolment code from the index team."""
    form = EnrolmentCodeForm(request.POST if "enrolment_code" in request.POST else None)
    if form.is_bound and form.is_valid():
        if enrolment_code_redeem(
            user=request.user,
            code=form.cleaned_data["enrolment_code"],
            ip_address=client_ip(request),
        ):
            request.session[ENROLMENT_SESSION_KEY] = request.user.pk
            return HttpResponseRedirect(_with_next("web:two-factor-set-up", next_url))
        form.add_error(
            "enrolment_code",
            "This enrolment code is not valid: it may be mistyped, used already or more than "
            "72 hours old. Ask your LA's index team for a new one.",
        )
    return render(
        request,
        "account/two_factor_enrolment_code.html",
        {"form": form, "next": next_url, "local_authority": request.user.local_authority},
    )


@signed_in
@require_http_methods(["GET", "POST"])
def recovery_codes(request: AuthenticatedRequest) -> HttpResponse:
    """Recovery codes are shown once: straight after they are made."""
    user = request.user
    if request.method == "POST":
        codes = two_factor.recovery_codes_replace(user=user)
        audit_record(
            actor=user, action=Action.RECOVERY_CODES_REPLACE, ip_address=client_ip(request)
        )
        request.session[RECOVERY_CODES_SESSION_KEY] = codes
        return redirect("web:recovery-codes")
    codes = request.session.pop(RECOVERY_CODES_SESSION_KEY, None)
    return render(
        request,
        "account/recovery_codes.html",
        {
            "codes": codes,
            "left": two_factor.recovery_codes_left(user),
            "next": _next_url(request),
        },
    )


@signed_in_any_standing
@require_http_methods(["GET"])
def account(request: AuthenticatedRequest) -> HttpResponse:
    """Your account: role, LA, and where you stand against each access prerequisite."""
    return render(request, "account/account.html", {"status": account_status(request.user)})


@signed_in_any_standing
@require_http_methods(["GET", "POST"])
def user_agreement(request: AuthenticatedRequest) -> HttpResponse:
    """The acceptable-use terms: accepted at first sign-in, yearly and when they change
    (``access.agreement``). Until then the middleware sends every signed-in page here."""
    if request.method == "POST":
        agreement.accept(user=request.user, session=request.session, ip_address=client_ip(request))
        messages.success(request, "You have accepted the user agreement.")
        return HttpResponseRedirect(_next_url(request))
    last = agreement.latest(request.user)
    return render(
        request,
        "account/agreement.html",
        {
            "version": agreement.VERSION,
            "last": last,
            "due": agreement.is_due(request.user),
            "next": _next_url(request),
            "changed": last is not None and last.version != agreement.VERSION,
        },
    )
