"""The one path from a service's refusal to the page: ``ValidationError`` or ``PermissionDenied``.

Services raise ``ValidationError`` (bad input: the reasons, per field where they know it) and
``PermissionDenied`` (the policy said no: ``access.policy.AccessRefused`` carries the reasons).
A view catches them and hands them here:

- ``add_to_form`` puts every reason against the field it concerns (``field_map`` maps a
  service's field name to the form's; ``field`` takes the rest), or against the whole form, so
  the GOV.UK error summary lists it. Every view with a form uses it;
- ``first_message`` gives the one sentence for a form error at one place or a flash message;
- ``not_allowed`` is the page (HTTP 403) for a refusal that leaves no form to show it on, with
  the policy's reasons.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

REFUSED = "You cannot do that."


def first_message(exc: ValidationError | PermissionDenied) -> str:
    """The first reason of a service's error, in words the user can act on."""
    if isinstance(exc, ValidationError):
        return exc.messages[0]
    return str(exc) or REFUSED


def add_to_form(
    form: forms.BaseForm,
    exc: ValidationError | PermissionDenied,
    field_map: Mapping[str, str | None] | None = None,
    *,
    field: str | None = None,
) -> None:
    """Show every reason of a service's error against the form field it concerns (``field_map``
    first, then a field of the same name), else against ``field`` (a date the service checks as
    a whole: inline there and in the summary), else against the whole form."""
    if isinstance(exc, PermissionDenied):
        form.add_error(field, first_message(exc))
        return
    field_map = field_map or {}
    if hasattr(exc, "error_dict"):
        for key, messages in exc.message_dict.items():
            target = field_map.get(key, key if key in form.fields else field)
            for message in messages:
                form.add_error(target, message)
    else:
        for message in exc.messages:
            form.add_error(field, message)


def not_allowed(request: HttpRequest, reasons: Iterable[str]) -> HttpResponse:
    """A 403 page that says what is missing (the policy's reasons, or a service's refusal). The
    reasons (the policy's own sentences, naming no child) go into the refusal's audit event too,
    so the trail says why (``audit.middleware``)."""
    said = [str(reason) for reason in reasons]
    request.refusal_reasons = said  # type: ignore[attr-defined]
    return render(request, "journey/not_allowed.html", {"reasons": said}, status=403)
