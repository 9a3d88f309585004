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


class RequestContextMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = str(uuid.uuid4())
        request.request_id = request_id  # type: ignore[attr-defined]
        token = context.bind(context.RequestContext(request_id, client_address(request)))
        try:
            response = self.get_response(request)
        finally:
            context.unbind(token)
        response["X-Request-ID"] = request_id
        return response
