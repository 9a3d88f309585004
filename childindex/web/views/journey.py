"""The practitioner's journey: find a child, give a purpose, see the team around the child, log
and change your own involvement. Adapters only: each view asks the policy once at the top, then
calls one selector or service and renders.

The purpose of access is kept in the session for one viewing of one child: opening another
child's record, or starting a new search, asks again.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from childindex.access import policy
from childindex.access.client_ip import client_ip
from childindex.access.search_limits import SearchLimitReached
from childindex.access.services import (
    shield_override_active,
    shield_override_end,
    shield_override_grant,
)
from childindex.consent.models import GivenBy
from childindex.records import selectors, services
from childindex.records.models import Child
from childindex.records.search import Match
from childindex.web.decorators import no_store, requires_search_access
from childindex.web.forms.account import ShieldOverrideForm
from childindex.web.forms.journey import (
    IndicatorsForm,
    InvolvementEndForm,
    InvolvementLogForm,
    PurposeForm,
    SearchForm,
)
from childindex.web.http import AuthenticatedRequest
from childindex.web.service_errors import add_to_form, first_message, not_allowed

VIEWING = "viewing"


def _ip(request: AuthenticatedRequest) -> str | None:
    return client_ip(request)


def _child_or_404(request: AuthenticatedRequest, index_number: str) -> Child:
    child = selectors.findable_child(actor=request.user, index_number=index_number)
    if child is None:
        raise Http404("No child with that index number can be opened")
    return child


def _viewing_purpose(request: AuthenticatedRequest, child: Child) -> str | None:
    viewing = request.session.get(VIEWING) or {}
    if viewing.get("index_number") == child.index_number:
        return viewing.get("purpose")
    return None


# --- Search ---------------------------------------------------------------------------------------


SEARCH_RESULTS = "search_results"


def _store_results(request: AuthenticatedRequest, form: SearchForm, matches: list[Match]) -> None:
    """The results of the last search, held in the (server-side) session for the results page:
    never in an address, so Back and refresh never resubmit or leak the criteria."""
    request.session[SEARCH_RESULTS] = {
        "entered": {name: form.cleaned_data.get(name) or "" for name in SearchForm.base_fields},
        "matches": [
            {**dataclasses.asdict(m), "date_of_birth": m.date_of_birth.isoformat()} for m in matches
        ],
    }


def _stored_results(request: AuthenticatedRequest) -> dict | None:
    stored = request.session.get(SEARCH_RESULTS)
    if not stored:
        return None
    matches = [
        Match(**{**m, "date_of_birth": dt.date.fromisoformat(m["date_of_birth"])})
        for m in stored["matches"]
    ]
    return {"entered": stored["entered"], "matches": matches}


def _end_viewing(request: AuthenticatedRequest) -> None:
    request.session.pop(VIEWING, None)  # a new search ends any viewing (and any override)
    shield_override_end(session=request.session)


@no_store
@requires_search_access
@require_http_methods(["GET", "POST"])
def search(request: AuthenticatedRequest) -> HttpResponse:
    """Find a child. POST, so that names and dates never appear in an address or a log; then
    post/redirect/get to the results page, so the browser's Back never asks to resubmit."""
    _end_viewing(request)
    if request.method == "GET":
        request.session.pop(SEARCH_RESULTS, None)
    form = SearchForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            matches = selectors.child_search(
                actor=request.user, criteria=form.criteria, ip_address=_ip(request)
            )
        except SearchLimitReached as reached:
            return _search_limited(request, reached)
        except selectors.AccessRefused as refused:
            return not_allowed(request, refused.reasons)
        _store_results(request, form, matches)
        return redirect("web:search-results")
    if request.method == "POST":
        selectors.child_search_invalid(
            actor=request.user, fields=list(form.errors), ip_address=_ip(request)
        )
    return render(request, "journey/search.html", {"form": form, "matches": None})


@no_store
@requires_search_access
@require_http_methods(["GET"])
def search_results(request: AuthenticatedRequest) -> HttpResponse:
    """The results of this session's last search (already audited when it ran), with the search
    form filled in to change it. Coming back here ends any viewing, as a new search does."""
    stored = _stored_results(request)
    if stored is None:
        return redirect("web:search")
    _end_viewing(request)
    form = SearchForm(initial=stored["entered"])
    return render(
        request,
        "journey/search.html",
        {"form": form, "matches": stored["matches"], "results_page": True},
    )


def _back_to_results(request: AuthenticatedRequest) -> bool:
    return bool(request.session.get(SEARCH_RESULTS))


def _search_limited(request: AuthenticatedRequest, reached: SearchLimitReached) -> HttpResponse:
    """429 Too Many Requests: the page says when searching can resume (and Retry-After)."""
    response = render(
        request,
        "journey/search_limited.html",
        {"window": reached.window, "limit": reached.limit, "resume_at": reached.resume_at},
        status=429,
    )
    wait = max(1, int((reached.resume_at - timezone.now()).total_seconds()) + 1)
    response["Retry-After"] = str(wait)
    return response


# --- Purpose and record --------------------------------------------------------------------


@no_store
@requires_search_access
@require_http_methods(["GET", "POST"])
def purpose(request: AuthenticatedRequest, index_number: str) -> HttpResponse:
    """Why are you opening this record? Asked before every viewing, and audited with it."""
    child = _child_or_404(request, index_number)
    form = PurposeForm(
        request.POST if request.method == "POST" else None,
        purposes=policy.purposes_for(request.user),
    )
    if request.method == "POST" and form.is_valid():
        request.session[VIEWING] = {
            "index_number": child.index_number,
            "purpose": form.cleaned_data["purpose"],
        }
        return redirect("web:child-record", index_number=child.index_number)
    return render(
        request,
        "journey/purpose.html",
        {"form": form, "child": child, "back_to_results": _back_to_results(request)},
    )


@no_store
@requires_search_access
@require_http_methods(["GET"])
def record(request: AuthenticatedRequest, index_number: str) -> HttpResponse:
    """The child's record and the team around the child, as the policy lets this user see it."""
    child = _child_or_404(request, index_number)
    chosen = _viewing_purpose(request, child)
    if chosen is None:
        return redirect("web:child-purpose", index_number=child.index_number)
    try:
        team = selectors.team_around_child(
            actor=request.user,
            child=child,
            purpose=chosen,
            shield_override=shield_override_active(session=request.session, child=child),
            ip_address=_ip(request),
        )
    except selectors.AccessRefused as refused:
        return not_allowed(request, refused.reasons)
    return render(
        request,
        "journey/record.html",
        {
            "team": team,
            "can_log": bool(policy.can_log_involvement(request.user)),
            "can_override": team.shielded_view and policy.can_override_shield(request.user),
            "purpose_label": policy.Purpose(chosen).label,
            "back_to_results": _back_to_results(request),
        },
    )


@no_store
@requires_search_access
@require_http_methods(["GET", "POST"])
def shield_override(request: AuthenticatedRequest, index_number: str) -> HttpResponse:
    """A child-protection practitioner overrides a shield for this one viewing, after a warning
    that the override is reviewed at once, with a reason from a closed list and a fresh code."""
    if not policy.can_override_shield(request.user):
        return not_allowed(
            request, ("Only a child-protection practitioner can override a shield.",)
        )
    child = _child_or_404(request, index_number)
    if _viewing_purpose(request, child) is None:
        return redirect("web:child-purpose", index_number=child.index_number)
    form = ShieldOverrideForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            shield_override_grant(
                actor=request.user,
                child=child,
                reason=form.cleaned_data["reason"],
                code=form.cleaned_data["code"],
                session=request.session,
                ip_address=_ip(request),
            )
        except PermissionDenied as exc:
            return not_allowed(request, (first_message(exc),))
        except ValidationError as exc:
            add_to_form(form, exc)
        else:
            return redirect("web:child-record", index_number=child.index_number)
    return render(request, "journey/shield_override.html", {"form": form, "child": child})


# --- Your own involvement -----------------------------------------------------------------------


def _viewing_or_redirect(request: AuthenticatedRequest, child: Child):
    chosen = _viewing_purpose(request, child)
    if chosen is None:
        return None, redirect("web:child-purpose", index_number=child.index_number)
    access = policy.record_access(request.user, child, purpose=chosen)
    if not access.allowed:
        return None, not_allowed(request, (access.reason,))
    if access.view != policy.Visibility.FULL:
        return None, not_allowed(
            request, ("This record is shielded. Contact the LA index team to add to it.",)
        )
    return chosen, None


@no_store
@requires_search_access
@require_http_methods(["GET", "POST"])
def involvement_log(request: AuthenticatedRequest, index_number: str) -> HttpResponse:
    decision = policy.can_log_involvement(request.user)
    if not decision:
        return not_allowed(request, decision.reasons)  # a practitioner in the directory
    child = _child_or_404(request, index_number)
    chosen, refusal = _viewing_or_redirect(request, child)
    if refusal:
        return refusal
    own_services = services.practitioner_services(request.user)
    carers = selectors.consent_carers(actor=request.user, child=child, purpose=chosen)
    form = InvolvementLogForm(
        request.POST if request.method == "POST" else None, services=own_services, carers=carers
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        service = next(s for s in own_services if str(s.pk) == data["service"])
        consent = None
        if data.get("consent_status") == "given":
            carer = next((c for c in carers if str(c.pk) == data.get("carer")), None)
            consent = services.ConsentGiven(
                given_by=data["given_by"],
                scope=data["scope"],
                given_on=data["consent_on"],
                carer=carer if data["given_by"] == GivenBy.PARENT_CARER else None,
            )
        try:
            services.involvement_log(
                actor=request.user,
                child=child,
                service=service,
                started_on=data["started_on"],
                consent=consent,
                hidden_concern=data.get("consent_status") == "concern",
            )
        except PermissionDenied as exc:
            return not_allowed(request, (first_message(exc),))
        except ValidationError as exc:
            add_to_form(
                form,
                exc,
                {
                    "started_on": "started_day",
                    "given_on": "consent_day",
                    "consent": "consent_status",
                },
            )
        else:
            messages.success(request, f"Your involvement ({service.name}) has been logged.")
            return redirect("web:child-record", index_number=child.index_number)
    return render(
        request,
        "journey/involvement_log.html",
        {"form": form, "child": child, "child_name": selectors.child_current_name(child=child)},
    )


def _own_involvement(request: AuthenticatedRequest, child: Child, involvement_id: int):
    involvement = selectors.own_involvement(
        actor=request.user, child=child, involvement_id=involvement_id
    )
    if involvement is None:
        return None, not_allowed(
            request, ("Only the practitioner who holds an involvement can change it.",)
        )
    return involvement, None


@no_store
@requires_search_access
@require_http_methods(["GET", "POST"])
def involvement_end(
    request: AuthenticatedRequest, index_number: str, involvement_id: int
) -> HttpResponse:
    child = _child_or_404(request, index_number)
    _, refusal = _viewing_or_redirect(request, child)
    if refusal:
        return refusal
    involvement, refusal = _own_involvement(request, child, involvement_id)
    if refusal:
        return refusal
    form = InvolvementEndForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.involvement_end(
                actor=request.user, involvement=involvement, ended_on=form.cleaned_data["ended_on"]
            )
        except PermissionDenied as exc:
            return not_allowed(request, (first_message(exc),))
        except ValidationError as exc:
            add_to_form(form, exc, {"ended_on": "ended_day"})
        else:
            messages.success(request, "Your involvement has been ended.")
            return redirect("web:child-record", index_number=child.index_number)
    return render(
        request,
        "journey/involvement_end.html",
        {
            "form": form,
            "child": child,
            "involvement": involvement,
            "child_name": selectors.child_current_name(child=child),
        },
    )


@no_store
@requires_search_access
@require_http_methods(["GET", "POST"])
def involvement_indicators(
    request: AuthenticatedRequest, index_number: str, involvement_id: int
) -> HttpResponse:
    child = _child_or_404(request, index_number)
    _, refusal = _viewing_or_redirect(request, child)
    if refusal:
        return refusal
    involvement, refusal = _own_involvement(request, child, involvement_id)
    if refusal:
        return refusal
    initial = {
        "is_lead_professional": involvement.is_lead_professional,
        "assessment_type": involvement.assessment_type,
        "has_information_to_share": involvement.has_information_to_share,
        "taking_action": involvement.taking_action,
    }
    if involvement.assessment_on:
        initial |= {
            "assessment_day": involvement.assessment_on.day,
            "assessment_month": involvement.assessment_on.month,
            "assessment_year": involvement.assessment_on.year,
        }
    form = IndicatorsForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.involvement_indicators_set(
                actor=request.user,
                involvement=involvement,
                is_lead_professional=data["is_lead_professional"],
                assessment_type=data["assessment_type"],
                assessment_on=data["assessment_on"],
                has_information_to_share=data["has_information_to_share"],
                taking_action=data["taking_action"],
            )
        except PermissionDenied as exc:
            return not_allowed(request, (first_message(exc),))
        except ValidationError as exc:
            add_to_form(form, exc, {"assessment_on": "assessment_day"})
        else:
            messages.success(request, "Your indicators have been saved.")
            return redirect("web:child-record", index_number=child.index_number)
    return render(
        request,
        "journey/involvement_indicators.html",
        {
            "form": form,
            "child": child,
            "involvement": involvement,
            "child_name": selectors.child_current_name(child=child),
        },
    )
