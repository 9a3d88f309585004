"""The address a request came from, for throttling and the audit trail.

One parser for both: ``audit.middleware.client_address`` (the trail, the lowest layer, needs it
first), read from one setting, ``AUDIT_TRUSTED_PROXIES`` (env ``CHILDINDEX_TRUSTED_PROXIES``).
Behind that many reverse proxies (each appending to X-Forwarded-For), the client is the address
that many hops from the right; with none, it is the peer address. Addresses further left were
written by the client and are never trusted. ``client_ip`` is its name for django-axes
(``AXES_CLIENT_IP_CALLABLE``) and the views.
"""

from __future__ import annotations

from childindex.audit.middleware import client_address

client_ip = client_address

__all__ = ["client_ip"]
