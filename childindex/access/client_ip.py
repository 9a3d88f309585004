"""The address a request came from, for throttling and the audit trail.

Behind ``CHILDINDEX_TRUSTED_PROXIES`` reverse proxies (each appending to X-Forwarded-For), the
client is the address that many hops from the right; with none, it is the peer address. Addresses
further left were written by the client and are never trusted.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    proxies = getattr(settings, "CHILDINDEX_TRUSTED_PROXIES", 0)
    candidate = request.META.get("REMOTE_ADDR")
    if proxies > 0:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        hops = [h for h in hops if h]
        if len(hops) >= proxies:
            candidate = hops[-proxies]
    try:
        return str(ipaddress.ip_address(candidate)) if candidate else None
    except ValueError:
        return None
