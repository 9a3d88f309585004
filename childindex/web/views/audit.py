"""The auditor's pages: who accessed a child, what a user accessed, alerts and their review.

Read-only (a review is a new row, never a change to the trail), for the auditors of one LA.
Who may open these pages is declared in ``web/urls.py`` (``requires_role(Role.AUDITOR)``:
``policy.has_role_access``, the same rule as ``policy.can_audit`` for the auditor's own LA).
The selectors ask the policy about what is read (the child's or user's LA) and audit each
read; these views parse, call, render.
"""

from __future__ import annotations

import csv
import zoneinfo
from collections.abc import Iterable, Iterator
from typing import Any

from django.contrib import messages
from django.http import HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from childindex.access.models import Role, ShieldOverrideReason
from childindex.access.policy import Purpose
from childindex.audit.models import AuditEvent, EventOutcome, action_label
from childindex.core.identifiers import format_index_number
from childindex.core.spreadsheets import csv_safe
from childindex.monitoring import selectors
from childindex.monitoring.models import AlertKind, ReviewOutcome
from childindex.monitoring.services import alert_review_record
from childindex.web.decorators import requires_role
from childindex.web.forms.audit import AlertReviewForm, ChildHistoryForm, UserHistoryForm
from childindex.web.http import AuthenticatedRequest

ALERT_STATUSES = {"open": "Awaiting review", "reviewed": "Reviewed", "all": "All alerts"}


def _label(choices: Any, value: str) -> str:
    return choices(value).label if value in choices.values else value


# What an event's detail holds, in words (the page and the CSV read the same words). A key not
# listed here is shown with its underscores as spaces, never as JSON.
DETAIL_LABELS = {
    "reason": "Reason",
    "reasons": "Reasons",
    "two_factor": "Two-factor check",
    "factor": "Checked",
    "via": "Through",
    "feed": "Feed",
    "run": "Import run",
    "rows_done": "Rows done",
    "counts": "Counts",
    "returned": "Results",
    "export": "Export",
    "read": "Read",
    "period": "Period",
    "since": "from",
    "until": "to",
    "invalid": "Invalid fields",
    "involvement": "Involvement",
    "changed": "Changed",
    "kind": "Kind",
    "responsible_la": "Responsible LA",
    "merge": "Merge",
    "page": "Page",
    "alert": "Alert",
    "outcome": "Outcome",
    "review_on": "Review on",
    "rows": "Rows",
    "file": "File",
    "source": "Source",
    "version": "Version",
    "previous": "Previous version",
    "trained": "Trained",
    "records": "Records",
    "children": "Children",
    "view": "Page",
    "missing": "Missing",
    "method": "Method",
    "status": "Status",
    "account": "Account",
    "client": "API client",
    "consent": "Consent",
    "as_of": "As of",
    "report": "Report",
    "review_item": "Review item",
    "shielded": "Shielded",
    "user": "User",
}
# Values from a closed list, read as their labels.
DETAIL_VALUES = {
    "reason": ShieldOverrideReason,
    "factor": {
        "password": "password",
        "two_factor": "two-factor code",
        "authenticator": "authenticator code",
        "recovery_code": "recovery code",
    },
    "two_factor": {"fresh": "a fresh code was entered", "failed": "the code was wrong"},
    "via": {"back_office": "the back office"},
    "kind": AlertKind,
    "outcome": ReviewOutcome,
}


def _words(key: str) -> str:
    return DETAIL_LABELS.get(key, key.replace("_", " ").capitalize())


def _value(key: str, value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        return ", ".join(f"{_words(k).lower()} {_value(k, v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(_value(key, v) for v in value) or "–"
    closed = DETAIL_VALUES.get(key)
    if isinstance(closed, dict):
        return closed.get(str(value), str(value))
    if closed is not None:
        return _label(closed, str(value))
    return str(value)


def _plain_dict(values: dict[str, Any]) -> str:
    return "; ".join(
        f"{_words(key)}: {_value(key, value)}" for key, value in sorted(values.items())
    )


def detail_reason(event: AuditEvent) -> str:
    """Why, where the event says it (a shield override's reason, a refusal's words)."""
    detail = event.detail or {}
    if "reason" in detail:
        return _value("reason", detail["reason"])
    if detail.get("reasons"):
        return _value("reasons", detail["reasons"])
    return ""


def detail_text(event: AuditEvent) -> str:
    """The rest of the event's detail as words: "Two-factor check: a fresh code was entered"."""
    skip = {"reason", "reasons", "criteria"}
    return "; ".join(
        f"{_words(key)}: {_value(key, value)}"
        for key, value in (event.detail or {}).items()
        if key not in skip
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
        "action": action_label(event.action),
        "reason": detail_reason(event),
        "details": detail_text(event),
        "purpose": _label(Purpose, event.purpose) if event.purpose else "",
        "outcome": _label(EventOutcome, event.outcome),
        "children": [format_index_number(c) if len(c) == 11 else c for c in event.children],
        "criteria": _plain_dict(criteria) if isinstance(criteria, dict) else str(criteria),
        "shown": _plain_dict(event.shown),
        "ip_address": event.ip_address or "",
        "request_id": event.request_id,
    }


# --- CSV ------------------------------------------------------------------------------------

UK = zoneinfo.ZoneInfo("Europe/London")

CSV_COLUMNS = (
    "event",
    "when (UK time, Europe/London)",
    "user",
    "role",
    "organisation",
    "action",
    "purpose",
    "outcome",
    "children",
    "search criteria",
    "shown",
    "reason",
    "details",
    "from",
    "request id",
    "hash",
)


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_lines(events: Iterable[AuditEvent]) -> Iterator[str]:
    """The same words as the page: labels, not codes; UK time, not UTC; no JSON."""
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_COLUMNS)
    for event in events:
        row = event_row(event)
        yield writer.writerow(
            [
                csv_safe(v)
                for v in (
                    event.id,
                    event.at.astimezone(UK).strftime("%Y-%m-%d %H:%M:%S"),
                    row["who"],
                    row["role"],
                    row["organisation"],
                    row["action"],
                    row["purpose"],
                    row["outcome"],
                    " ".join(row["children"]),
                    row["criteria"],
                    row["shown"],
                    row["reason"],
                    row["details"],
                    row["ip_address"],
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


@requires_role(Role.AUDITOR)
@require_GET
def audit_home(request: AuthenticatedRequest) -> HttpResponse:
    open_alerts = selectors.open_alert_count(auditor=request.user)
    return render(request, "audit/home.html", {"open_alerts": open_alerts})


@requires_role(Role.AUDITOR)
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


@requires_role(Role.AUDITOR)
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


@requires_role(Role.AUDITOR)
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


@requires_role(Role.AUDITOR)
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


@requires_role(Role.AUDITOR)
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


@requires_role(Role.AUDITOR)
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
