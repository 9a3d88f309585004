"""Web adapters: parse the request, call one selector or service, render."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from childindex.access import policy
from childindex.web.http import AuthenticatedRequest


@require_GET
def home(request: AuthenticatedRequest) -> HttpResponse:
    """The start page: search for those who may search; otherwise what they may use, and why
    they cannot search (the policy's own words)."""
    decision = policy.can_search(request.user)
    return render(request, "web/home.html", {"can_search": decision.allowed, "search": decision})


# The footer's pages (GOV.UK: every service links to its accessibility statement, privacy notice
# and how to get help). Public, so someone who cannot sign in can read them.
FOOTER_PAGES = {
    "accessibility": "web/accessibility.html",
    "privacy": "web/privacy.html",
    "contact": "web/contact.html",
}


@require_GET
def footer_page(request: HttpRequest, page: str) -> HttpResponse:
    return render(request, FOOTER_PAGES[page])
