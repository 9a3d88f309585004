"""The directory: find a practitioner or a service and their work contact details."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from childindex.directory import selectors
from childindex.web.decorators import requires_search_access
from childindex.web.http import AuthenticatedRequest


@requires_search_access
@require_GET
def directory(request: AuthenticatedRequest) -> HttpResponse:
    query = (request.GET.get("q") or "").strip()[:100]
    results = selectors.directory_search(query=query) if query else None
    return render(request, "journey/directory.html", {"query": query, "results": results})


@requires_search_access
@require_GET
def practitioner(request: AuthenticatedRequest, practitioner_id: int) -> HttpResponse:
    person = selectors.practitioner_detail(practitioner_id=practitioner_id)
    if person is None:
        raise Http404("No such practitioner")
    return render(request, "journey/practitioner.html", {"person": person})


@requires_search_access
@require_GET
def service(request: AuthenticatedRequest, service_id: int) -> HttpResponse:
    found = selectors.service_detail(service_id=service_id)
    if found is None:
        raise Http404("No such service")
    return render(request, "journey/service.html", {"service": found})
