"""Your notifications: the prompts the index sent you, and why."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from childindex.core.identifiers import format_index_number
from childindex.notifications import selectors, services
from childindex.web.http import AuthenticatedRequest


@require_http_methods(["GET", "POST"])
def notifications(request: AuthenticatedRequest) -> HttpResponse:
    if request.method == "POST":
        marked = services.notifications_mark_read(user=request.user)
        if marked:
            messages.success(request, "Your notifications are marked as read.")
        return redirect("web:notifications")
    items = [
        {
            "notification": n,
            "kind": n.get_kind_display(),
            "index_number": format_index_number(n.index_number),
            "at": timezone.localtime(n.created_at),
        }
        for n in selectors.notifications_for(user=request.user)
    ]
    return render(
        request,
        "notifications/list.html",
        {"items": items, "unread": selectors.unread_count(user=request.user)},
    )
