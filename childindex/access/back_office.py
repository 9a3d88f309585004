"""The back office: Django's admin for the service's operators, held to the web's rules.

- It asks for two factors (django-otp's ``OTPAdminSite``) and the same prerequisites as the web
  (``policy.can_use_back_office``: approved, not suspended, vetted, trained).
- Every request to one of its pages is an audit event (``back_office_read``), allowed or
  refused, naming the page and the object's id, never a search term (only whether there was one).
- A wrong two-factor code at its sign-in is an audit event like a wrong password.
- It holds no child data: children, carers, consents, involvements, the audit trail, alerts,
  notifications and two-factor devices are not registered there (the web serves each of them
  through the access policy), so no OTP secret is ever shown after enrolment.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.apps import apps
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django_otp.admin import OTPAdminAuthenticationForm, OTPAdminSite

from childindex.access import policy
from childindex.access.client_ip import client_ip
from childindex.access.models import User
from childindex.audit.models import EventOutcome
from childindex.audit.services import audit_record

# Models that must never be in the back office: child data, the trail, devices' secrets.
ABSENT = (
    "otp_totp.TOTPDevice",
    "otp_static.StaticDevice",
)


class AuditedOTPAdminAuthenticationForm(OTPAdminAuthenticationForm):
    """The back office's sign-in: a wrong or missing two-factor code is audited."""

    def clean_otp(self, user: Any) -> None:
        try:
            super().clean_otp(user)
        except ValidationError:
            audit_record(
                actor=None,
                actor_label=getattr(user, "username", "") or "(no username)",
                action="sign_in_failed",
                outcome=EventOutcome.FAILED,
                detail={"via": "back_office", "factor": "two_factor"},
                ip_address=client_ip(self.request) if self.request is not None else None,
            )
            raise


class BackOfficeSite(OTPAdminSite):
    login_form = AuditedOTPAdminAuthenticationForm
    site_header = "childindex back office"
    site_title = "childindex back office"

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return (
            super().has_permission(request)
            and isinstance(user, User)
            and bool(policy.can_use_back_office(user))
        )

    def admin_view(self, view: Callable, cacheable: bool = False) -> Callable:
        inner = super().admin_view(view, cacheable)

        @wraps(view)
        def audited(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            allowed = self.has_permission(request)
            response = inner(request, *args, **kwargs)
            _audit_request(request, kwargs, allowed=allowed, status=response.status_code)
            return response

        return audited


def _audit_request(
    request: HttpRequest, kwargs: dict[str, Any], *, allowed: bool, status: int
) -> None:
    match = request.resolver_match
    user = request.user if request.user.is_authenticated else None
    detail: dict[str, Any] = {
        "view": match.view_name if match else "",
        "method": request.method,
        "status": status,
        "searched": bool(request.GET.get("q")),
    }
    if "object_id" in kwargs:
        detail["object"] = str(kwargs["object_id"])[:40]
    audit_record(
        actor=user,
        actor_label="" if user else "(not signed in)",
        action="back_office_read",
        outcome=EventOutcome.ALLOWED if allowed else EventOutcome.DENIED,
        detail=detail,
        ip_address=client_ip(request),
    )


def back_office_install(site: admin.AdminSite) -> None:
    """Make ``site`` (Django's default admin site) the back office, without the device admins
    django-otp registers."""
    site.__class__ = BackOfficeSite
    for label in ABSENT:
        model = apps.get_model(label)
        if site.is_registered(model):
            site.unregister(model)
