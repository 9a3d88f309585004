"""Per-client rate limits: calls a client may make in a minute (``ApiClient.rate_limit_per_
minute``), counted in Django's cache in fixed minute windows (``core.windows``) the way
``access.search_limits`` counts a person's searches (and a client's searches count there too,
as its account's)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from childindex.core.windows import count_in_windows
from childindex.fhir.models import ApiClient


def client_call_take(client: ApiClient, *, now: dt.datetime | None = None) -> int | None:
    """Count one call; return the seconds to wait when the client is past its limit."""
    now = now or timezone.now()
    minute = now.replace(second=0, microsecond=0)
    (count,) = count_in_windows(
        f"childindex:api-client-limit:{client.pk}", (f"{minute:%Y%m%d%H%M}",), timeout=120
    )
    if count > client.rate_limit_per_minute:
        return max(1, int((minute + dt.timedelta(minutes=1) - now).total_seconds()) + 1)
    return None
