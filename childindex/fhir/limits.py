"""Per-client rate limits: calls a client may make in a minute (``ApiClient.rate_limit_per_
minute``), counted in Django's cache in fixed minute windows the way ``access.search_limits``
counts a person's searches (and a client's searches count there too, as its account's)."""

from __future__ import annotations

import datetime as dt

from django.core.cache import cache
from django.utils import timezone

from childindex.fhir.models import ApiClient


def client_call_take(client: ApiClient, *, now: dt.datetime | None = None) -> int | None:
    """Count one call; return the seconds to wait when the client is past its limit."""
    now = now or timezone.now()
    minute = now.replace(second=0, microsecond=0)
    key = f"childindex:api-client-limit:{client.pk}:{minute:%Y%m%d%H%M}"
    cache.add(key, 0, timeout=120)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=120)
        count = 1
    if count > client.rate_limit_per_minute:
        return max(1, int((minute + dt.timedelta(minutes=1) - now).total_seconds()) + 1)
    return None
