"""The auditor's pages: who accessed a child, what a user accessed, alerts and their review.

Read-only (a review is a new row, never a change to the trail), for the auditors of one LA.
Who may open these pages is declared in ``web/urls.py`` (``requires_role(Role.AUDITOR)``:
``policy.has_role_access``, the same rule as ``policy.can_audit`` for the auditor's own LA).
The selectors ask the policy about what is read (the child's or user's LA) and audit each
read; these views parse, call, render.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from typing import Any

from django.contrib import messages
from django.http import HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from childindex.access.models import Role
from childindex.access.policy import Purpose
from childindex.audit import selectors
from childindex.audit.models import AlertKind, AuditEvent, Outcome, ReviewOutcome
from childindex.audit.reviews import alert_review_record
from childindex.core.identifiers import format_index_number
from childindex.core.spreadsheets import csv_safe
from childindex.web.forms_audit import AlertReviewForm, ChildHistoryForm, UserHistoryForm
from childindex.web.http import AuthenticatedRequest

ALERT_STATUSES = {"open": "Awaiting review", "reviewed": "Reviewed", "all": "All alerts"}


def _label(choices: Any, value: str) -> str:
    return choices(value).label if value in choices.values else value


def _plain_dict(values: dict[str, Any]) -> str:
    return "; ".join(
        f"{key}: {json.dumps(value) if not isinstance(value, str) else value}"
        for key, value in sorted(values.items())
    )


def event_row(event: AuditEvent) -> dict[str, Any]:
    """One event as an auditor reads it (times in UK time; the trail keeps UTC)."""
    organisation = event.actor_organisation.name if event.actor_organisation else ""
    criteria = event.criteria or event.detail.get("criteria") or {}
    return {
        "id": event.id,
        "at": timezone.localtime(event.at),
        "who": event.actor_label,
        "role": _label(Role, event.actor_role) if event.actor_role else "",
        "organisation": organisation,
        "action": event.action_label,
        "purpose": _label(Purpose, event.purpose) if event.purpose else "",
        "outcome": _label(Outcome, event.outcome),
        "children": [format_index_number(c) if len(c) == 11 else c for c in event.children],
        "criteria": _plain_dict(criteria) if isinstance(criteria, dict) else str(criteria),
        "shown": _plain_dict(event.shown),
        "ip_address": event.ip_address or "",
        "request_id": event.request_id,
    }


# --- CSV ------------------------------------------------------------------------------------

CSV_COLUMNS = (
    "event",
    "when (UTC)",
    "user",
    "role",
    "organisation",
    "action",
    "purpose",
    "outcome",
    "children",
    "search criteria",
    "shown",
    "detail",
    "from",
    "request id",
    "hash",
)


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_lines(events: Iterable[AuditEvent]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_COLUMNS)
    for event in events:
        yield writer.writerow(
            [
                csv_safe(v)
                for v in (
                    event.id,
                    event.at.isoformat(),
                    event.actor_label,
                    event.actor_role,
                    event.actor_organisation.name if event.actor_organisation else "",
                    event.action,
                    event.purpose,
                    event.outcome,
                    " ".join(event.children),
                    json.dumps(event.criteria, sort_keys=True) if event.criteria else "",
                    json.dumps(event.shown, sort_keys=True) if event.shown else "",
                    json.dumps(event.detail, sort_keys=True) if event.detail else "",
                    event.ip_address or "",
                    event.request_id,
                    event.hash,
                )
            ]
        )


def _csv_response(events: Iterable[AuditEvent], filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(_csv_lines(events), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


# --- Pages ----------------------------------------------------------------------------------


@require_GET
def audit_home(request: AuthenticatedRequest) -> HttpResponse:
    open_alerts = selectors.open_alert_count(auditor=request.user)
    return render(request, "audit/home.html", {"open_alerts": open_alerts})


@require_GET
def child_history(request: AuthenticatedRequest) -> HttpResponse:
    form = ChildHistoryForm(request.GET or None)
    history = None
    if form.is_bound and form.is_valid():
        try:
            history = selectors.child_access_history(
                auditor=request.user,
                index_number=form.cleaned_data["index_number"],
                period=form.period(),
            )
        except selectors.NotInYourLA as exc:
            form.add_error("index_number", str(exc))
    return render(
        request,
        "audit/child_history.html",
        {
            "form": form,
            "history": history,
            "rows": [event_row(e) for e in history.events] if history else [],
            "index_number": format_index_number(form.cleaned_data["index_number"])
            if history
            else "",
            "query": request.GET.urlencode(),
        },
    )


@require_GET
def child_history_csv(request: AuthenticatedRequest) -> HttpResponseBase:
    form = ChildHistoryForm(request.GET)
    if not form.is_valid():
        return redirect(f"{request.path.removesuffix('export.csv')}?{request.GET.urlencode()}")
    try:
        events = selectors.child_access_export(
            auditor=request.user,
            index_number=form.cleaned_data["index_number"],
            period=form.period(),
        )
    except selectors.NotInYourLA:
        return redirect(f"{request.path.removesuffix('export.csv')}?{request.GET.urlencode()}")
    return _csv_response(events, f"who-accessed-{form.cleaned_data['index_number']}.csv")


@require_GET
def user_history(request: AuthenticatedRequest) -> HttpResponse:
    form = UserHistoryForm(request.GET or None)
    subject = history = None
    if form.is_bound and form.is_valid():
        try:
            subject, history = selectors.user_access_history(
                auditor=request.user, username=form.cleaned_data["username"], period=form.period()
            )
        except selectors.NotInYourLA as exc:
            form.add_error("username", str(exc))
    return render(
        request,
        "audit/user_history.html",
        {
            "form": form,
            "subject": subject,
            "subject_role": _label(Role, subject.role) if subject else "",
            "history": history,
            "rows": [event_row(e) for e in history.events] if history else [],
            "query": request.GET.urlencode(),
        },
    )


@require_GET
def user_history_csv(request: AuthenticatedRequest) -> HttpResponseBase:
    form = UserHistoryForm(request.GET)
    back = f"{request.path.removesuffix('export.csv')}?{request.GET.urlencode()}"
    if not form.is_valid():
        return redirect(back)
    try:
        subject, events = selectors.user_access_export(
            auditor=request.user, username=form.cleaned_data["username"], period=form.period()
        )
    except selectors.NotInYourLA:
        return redirect(back)
    return _csv_response(events, f"what-{subject.username}-accessed.csv")


@require_GET
def alert_list(request: AuthenticatedRequest) -> HttpResponse:
    status = request.GET.get("status", "open")
    if status not in ALERT_STATUSES:
        status = "open"
    alerts = selectors.alerts_for(auditor=request.user, status=status)
    return render(
        request,
        "audit/alerts.html",
        {
            "alerts": [
                {
                    "alert": alert,
                    "kind": _label(AlertKind, alert.kind),
                    "outcome": alert.outcome and _label(ReviewOutcome, alert.outcome),
                    "children": [format_index_number(c) for c in alert.children],
                }
                for alert in alerts
            ],
            "status": status,
            "status_label": ALERT_STATUSES[status],
            "statuses": ALERT_STATUSES,
        },
    )


@require_http_methods(["GET", "POST"])
def alert_detail(request: AuthenticatedRequest, alert_id: int) -> HttpResponse:
    try:
        alert, reviews = selectors.alert_detail(auditor=request.user, alert_id=alert_id)
    except selectors.NotInYourLA:
        return render(request, "audit/alert_missing.html", status=404)
    form = AlertReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        alert_review_record(auditor=request.user, alert=alert, outcome=form.cleaned_data["outcome"])
        messages.success(request, "Your review has been recorded.")
        return redirect("web:audit-alert", alert_id=alert.pk)
    return render(
        request,
        "audit/alert_detail.html",
        {
            "alert": alert,
            "kind": _label(AlertKind, alert.kind),
            "children": [format_index_number(c) for c in alert.children],
            "event": event_row(alert.event),
            "reviews": [
                {
                    "outcome": _label(ReviewOutcome, r.outcome),
                    "by": str(r.reviewed_by),
                    "at": timezone.localtime(r.reviewed_at),
                }
                for r in reviews
            ],
            "form": form,
        },
        status=400 if request.method == "POST" else 200,
    )
