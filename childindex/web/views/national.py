"""The national operator's pages: LAs and nations, national counts, feed health across LAs,
accounts by LA and role. Counts and contacts only; no child is shown or can be opened."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from childindex.sources import national
from childindex.web.http import AuthenticatedRequest


@require_GET
def overview(request: AuthenticatedRequest) -> HttpResponse:
    return render(
        request,
        "national/overview.html",
        {"overview": national.national_overview(actor=request.user)},
    )


@require_GET
def feeds(request: AuthenticatedRequest) -> HttpResponse:
    return render(
        request, "national/feeds.html", {"feeds": national.national_feed_health(actor=request.user)}
    )


@require_GET
def users(request: AuthenticatedRequest) -> HttpResponse:
    return render(
        request,
        "national/users.html",
        {"counts": national.national_user_counts(actor=request.user)},
    )
