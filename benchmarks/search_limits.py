"""What the per-user search limit (issue 15) adds to a search: the two counters in Django's
database cache, beside the search itself, in one run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/NAME CHILDINDEX_MODE=test \\
        python benchmarks/search_limits.py --searches 400 --users-today 0,20000
    DATABASE_URL=sqlite:////path/to/copy.sqlite3 CHILDINDEX_MODE=test \\
        python benchmarks/search_limits.py --searches 400 --users-today 0,20000

The database must already hold a county (``childindex generate --load``) and be a copy made for
benchmarking: the cache table is emptied and refilled. The cache is the production one
(``DatabaseCache`` on the table ``childindex_cache``, with production's options), whatever the
mode's default. ``--users-today`` pre-fills the table with two counters for each of that many
other users (a minute and a day counter each: the table's size on a busy day), because Django's
database cache counts the table's rows on every ``add``.

Each round times, alternating in one loop so that all see the same machine:
- ``before``: the two counters as first written (``add`` then ``incr`` on a minute key and a
  day key), kept here to compare;
- ``limit``: ``search_limit_take`` for one practitioner (one entry for both windows);
- ``search``: ``find_children`` for a name and date of birth taken from the index (the search
  the limit guards, without its audit event).
Prints Markdown rows: median, p95 and max in milliseconds, and the limit's share of the search.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("CHILDINDEX_MODE", "test")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "childindex.config.settings")

PRODUCTION_CACHE = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "childindex_cache",
        "OPTIONS": {"MAX_ENTRIES": 2_000_000, "CULL_FREQUENCY": 10},
    }
}


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def summary(values: list[float]) -> tuple[float, float, float]:
    return statistics.median(values), percentile(values, 95), max(values)


def _two_counters(cache, user_id: int) -> None:
    """The limit's counting as first written: a minute and a day counter, ``add`` + ``incr``."""
    from django.utils import timezone

    now = timezone.now()
    for window, stamp, timeout in (
        ("minute", f"{now:%Y%m%d%H%M}", 120),
        ("day", timezone.localdate(now).isoformat(), 2 * 24 * 60 * 60),
    ):
        key = f"childindex:search-limit:{user_id}:{window}:{stamp}"
        cache.add(key, 0, timeout=timeout)
        try:
            cache.incr(key)
        except ValueError:
            cache.add(key, 1, timeout=timeout)


def _fill(cache, size: int) -> None:
    """Two live counters for each of ``size`` other users, written in bulk (Django's cache
    would take minutes to write them one by one), in the cache's own row format."""
    import base64
    import datetime as dt
    import pickle

    from django.db import connection
    from django.utils import timezone

    value = base64.b64encode(pickle.dumps(1, pickle.HIGHEST_PROTOCOL)).decode("latin1")
    expires = timezone.now() + dt.timedelta(hours=1)
    if connection.vendor == "sqlite":  # Django keeps naive UTC there
        expires = expires.replace(tzinfo=None)
    rows = [
        (cache.make_key(f"childindex:search-limit:{900_000_000 + i}:{w}:x"), value, expires)
        for i in range(size)
        for w in ("minute", "day")
    ]
    with connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO childindex_cache (cache_key, value, expires) VALUES (%s, %s, %s)", rows
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--searches", type=int, default=400)
    parser.add_argument("--users-today", default="0,20000", help="comma-separated sizes")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    from django.conf import settings

    settings.CACHES = PRODUCTION_CACHE  # before setup: the production cache in every mode
    import django

    django.setup()
    from django.core.cache import caches
    from django.core.management import call_command
    from django.db import connection

    from childindex.access import policy
    from childindex.access.models import User
    from childindex.access.search_limits import search_limit_take
    from childindex.audit.models import UsageThresholds
    from childindex.records.models import ChildName, NameKind
    from childindex.records.search import find_children, parse_criteria

    call_command("createcachetable", verbosity=0)
    cache = caches["default"]
    actor = (
        User.objects.filter(username__startswith="demo-practitioner").first()
        or User.objects.filter(local_authority__isnull=False).first()
    )
    if actor is None:
        sys.exit("search_limits: the database holds no user: load a county first")
    # The benchmark times the counters, not the refusal: lift this LA's limits on this copy.
    UsageThresholds.objects.update_or_create(
        local_authority_id=actor.local_authority_id,
        defaults={"search_limit_per_minute": 10**9, "search_limit_per_day": 10**9},
    )
    rng = random.Random(args.seed)
    names = list(
        ChildName.objects.filter(
            kind=NameKind.CURRENT, child__responsible_la=actor.local_authority_id
        ).values_list("given_names", "family_name", "child__date_of_birth")[:5000]
    )
    if not names:
        sys.exit("search_limits: the database holds no child: load a county first")
    findable = policy.findable_children(actor)
    details = policy.sees_shielded_details(actor)
    children = ChildName.objects.values("child").distinct().count()
    print(
        f"{platform.node()}, {connection.vendor}, {children:,} children, "
        f"load average {os.getloadavg()[0]:.1f} at start"
    )
    print()
    print(
        "| users searching today | before median | before p95 | limit median | limit p95 | "
        "limit max | search median | search p95 | limit / search (medians) |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for size in [int(s) for s in args.users_today.split(",")]:
        cache.clear()
        _fill(cache, size)
        before_ms: list[float] = []
        limit_ms: list[float] = []
        search_ms: list[float] = []
        for _ in range(args.searches):
            given, family, dob = rng.choice(names)
            criteria = parse_criteria(
                name=f"{given.split()[0]} {family}", date_of_birth=dob.isoformat()
            )
            tb = time.perf_counter()
            _two_counters(cache, actor.pk)
            before_ms.append((time.perf_counter() - tb) * 1000)
            t0 = time.perf_counter()
            search_limit_take(actor=actor)
            t1 = time.perf_counter()
            find_children(criteria, findable=findable, details=details)
            t2 = time.perf_counter()
            limit_ms.append((t1 - t0) * 1000)
            search_ms.append((t2 - t1) * 1000)
        bm, bp, _ = summary(before_ms)
        lm, lp, lx = summary(limit_ms)
        sm, sp, _ = summary(search_ms)
        print(
            f"| {size:,} | {bm:.2f} | {bp:.2f} | {lm:.2f} | {lp:.2f} | {lx:.2f} | "
            f"{sm:.2f} | {sp:.2f} | {100 * lm / sm:.0f} % |"
        )
    cache.clear()
    print()
    print(f"load average {os.getloadavg()[0]:.1f} at end")


if __name__ == "__main__":
    main()
