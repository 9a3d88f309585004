"""Recording a family's consent, and withdrawing it, after the involvement was logged (issue 17
item 9). Adapters only: the policy (``can_record_consent``, ``can_withdraw_consent``) decides,
``consent.services`` writes and audits."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from childindex.consent.models import GivenBy, Scope
from childindex.consent.selectors import consent_choices, consent_to_withdraw
from childindex.consent.services import consent_record, consent_withdraw
from childindex.records import selectors
from childindex.web.decorators import no_store, requires_search_access
from childindex.web.forms.consent import ConsentRecordForm, ConsentWithdrawForm
from childindex.web.http import AuthenticatedRequest
from childindex.web.service_errors import add_to_form, first_message, not_allowed
from childindex.web.views.journey import _child_or_404, _viewing_or_redirect


@no_store
@requires_search_access
@require_http_methods(["GET", "POST"])
def consent_new(request: AuthenticatedRequest, index_number: str) -> HttpResponse:
    child = _child_or_404(request, index_number)
    _, refusal = _viewing_or_redirect(request, child)
    if refusal:
        return refusal
    choices = consent_choices(actor=request.user, child=child)
    if not choices.decision:
        return not_allowed(request, choices.decision.reasons)
    form = ConsentRecordForm(
        request.POST if request.method == "POST" else None,
        carers=choices.carers,
        services=choices.services,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        carer = next((c for c in choices.carers if str(c.pk) == data.get("carer")), None)
        service = next((s for s in choices.services if str(s.pk) == data.get("service")), None)
        try:
            consent_record(
                actor=request.user,
                child=child,
                given_by=data["given_by"],
                carer=carer if data["given_by"] == GivenBy.PARENT_CARER else None,
                scope=data["scope"],
                service=service if data["scope"] == Scope.NAMED_SERVICE else None,
                given_on=data["given_on"],
            )
        except PermissionDenied as exc:
            return not_allowed(request, (first_message(exc),))
        except ValidationError as exc:
            add_to_form(form, exc, {"given_on": "given_day"})
        else:
            messages.success(request, "The consent has been recorded.")
            return redirect("web:child-record", index_number=child.index_number)
    return render(
        request,
        "consent/record.html",
        {"form": form, "child": child, "child_name": selectors.child_current_name(child=child)},
    )


@no_store
@requires_search_access
@require_http_methods(["GET", "POST"])
def consent_withdrawal(
    request: AuthenticatedRequest, index_number: str, consent_id: int
) -> HttpResponse:
    """The confirmation page: what withdrawing does, the date, then a warning button."""
    child = _child_or_404(request, index_number)
    _, refusal = _viewing_or_redirect(request, child)
    if refusal:
        return refusal
    consent = consent_to_withdraw(actor=request.user, child=child, consent_id=consent_id)
    if consent is None:
        raise Http404("No consent you can withdraw")
    form = ConsentWithdrawForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            consent_withdraw(
                actor=request.user, consent=consent, withdrawn_on=form.cleaned_data["withdrawn_on"]
            )
        except PermissionDenied as exc:
            return not_allowed(request, (first_message(exc),))
        except ValidationError as exc:
            add_to_form(form, exc, {"withdrawn_on": "withdrawn_day"})
        else:
            messages.success(request, "The consent has been withdrawn.")
            return redirect("web:child-record", index_number=child.index_number)
    covers = (
        consent.service.name
        if consent.scope == Scope.NAMED_SERVICE and consent.service is not None
        else None
    )
    return render(
        request,
        "consent/withdraw.html",
        {
            "form": form,
            "child": child,
            "consent": consent,
            "covers": covers or consent.get_scope_display(),
            "child_name": selectors.child_current_name(child=child),
        },
    )
