"""Give every request an id, and keep its client address for the audit trail.

The id goes back to the browser in ``X-Request-ID`` and onto every log line of the request
(``audit.logging.RequestIdFilter``), so a person reporting a problem and an operator reading the
logs can find the same request. The client address is personal data: it goes into audit
events only, never into logs.

Behind a reverse proxy set ``CHILDINDEX_TRUSTED_PROXIES`` to the number of proxies in front of
the application: the client address is then taken that many places from the right of
``X-Forwarded-For`` (a client can write anything at the left of that header).
"""

from __future__ import annotations

import ipaddress
import uuid

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from childindex.audit import context
from childindex.audit.models import EventOutcome
from childindex.audit.services import audit_record


def client_address(request: HttpRequest) -> str | None:
    trusted = getattr(settings, "AUDIT_TRUSTED_PROXIES", 0)
    candidate = request.META.get("REMOTE_ADDR", "")
    if trusted:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= trusted:
            candidate = forwarded[-trusted]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return None


# Views whose requests need no event of their own: the sign-in page and the health probes
# (the sign-in's outcomes are events already), and the back office (it audits each page itself).
UNAUDITED_VIEWS = frozenset({"web:sign-in", "healthz", "readyz"})
REFUSED_STATUSES = frozenset({400, 401, 403, 404, 405, 429})


class RequestContextMiddleware:
    """Binds the request's id and address for its audit events, and makes sure every request
    is in the trail (issue 15, finding 7): a request that wrote no event of its own gets one,
    ``page_view`` when a signed-in user was shown a page, ``request_refused`` (outcome denied)
    for a refusal: 4xx, a CSRF failure, or a page asked for before signing in. The event names
    the view, the method and the status, and the child when the address names one (an index
    number), never a query string."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = str(uuid.uuid4())
        request.request_id = request_id  # type: ignore[attr-defined]
        token = context.bind(context.RequestContext(request_id, client_address(request)))
        counting = context.events_count_start()
        try:
            response = self.get_response(request)
            if context.events_written() == 0:
                _audit_request(request, response)
        finally:
            context.events_count_stop(counting)
            context.unbind(token)
        response["X-Request-ID"] = request_id
        return response


def _audit_request(request: HttpRequest, response: HttpResponse) -> None:
    if response.status_code >= 500:
        return  # the service failed (the database may be gone): nothing was shown or refused
    match = getattr(request, "resolver_match", None)
    view = match.view_name if match else ""
    if view in UNAUDITED_VIEWS or "admin" in (match.namespaces if match else ()):
        return
    user = getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated
    refused = response.status_code in REFUSED_STATUSES or (
        response.status_code == 302 and (not signed_in or _to_two_factor(response))
    )
    if not refused and not signed_in:
        return
    if refused and not signed_in and match is None:
        return  # an unknown address asked for by nobody in particular: nothing to record
    index_number = str((match.kwargs if match else {}).get("index_number", ""))
    audit_record(
        actor=user if signed_in else None,
        actor_label="" if signed_in else "(not signed in)",
        action="request_refused" if refused else "page_view",
        outcome=EventOutcome.DENIED if refused else EventOutcome.ALLOWED,
        children=[index_number] if index_number.isdigit() else [],
        detail={"view": view, "method": request.method, "status": response.status_code},
    )


def _to_two_factor(response: HttpResponse) -> bool:
    location = response.get("Location", "")
    return "/two-factor" in location
