"""Counting events in fixed time windows in Django's cache: the search limits per user
(``access.search_limits``: this minute and today) and the API's rate limits per client
(``fhir.limits``: this minute).

One cache entry per counted subject holds every window's count, ``((stamp, count), ...)``, so a
count is one read and one write whatever the backend: on the database cache (production's and
the demo's) that is one ``SELECT`` and one short transaction, where ``add`` then ``incr`` on an
entry per window took a failed insert, a read and a write each, with a commit each. That
cache's ``incr`` also gave an entry its default five-minute timeout, so a day's count kept that
way was forgotten after five quiet minutes; here the caller says how long the entry lives.

A read and a write are two steps: two requests of one subject at the same instant can count
once between them. A limit can so be passed by at most the requests one subject has in flight
at once (the server's workers times their threads).
"""

from __future__ import annotations

from django.core.cache import cache


def count_in_windows(key: str, stamps: tuple[str, ...], *, timeout: float) -> tuple[int, ...]:
    """Count one event under ``key`` in each window named by ``stamps`` (for example the
    minute ``"202612030642"`` and the day ``"2026-12-03"``): a window whose stamp differs from
    the one held starts again at one. Returns the counts, in the order of ``stamps``. The entry
    lives ``timeout`` seconds from now: at least until the longest window ends."""
    held = cache.get(key)
    held = held if isinstance(held, tuple) else ()
    counts = tuple(
        (held[i][1] if i < len(held) and held[i][0] == stamp else 0) + 1
        for i, stamp in enumerate(stamps)
    )
    cache.set(key, tuple(zip(stamps, counts, strict=True)), timeout=timeout)
    return counts
