"""Read replicas: which database a query goes to (``DATABASE_REPLICA_URLS``, docs/operations.md).

The rules:

- Only reads that a selector marks ``@replica_reads`` (search candidates, the record page,
  the audit trail's reports, feed health, the reports app's pages) may go to a replica; every
  other read, and every write, goes to the primary (``default``). Audit appends are raw SQL
  on ``default``: always the primary.
- Read your own write: once a request writes anything but its session or sign-in bookkeeping,
  every later read of that request goes to the primary, and so does every read of the same
  session for ``REPLICA_MAX_LAG_SECONDS`` + 1 seconds (``ReplicaPinMiddleware``): after logging
  an involvement, the record page shows it.
- A replica is used only while it is healthy: in recovery, streaming from the primary, and no
  more than ``REPLICA_MAX_LAG_SECONDS`` behind (checked at most every second a process, from
  ``pg_last_wal_receive_lsn`` / ``pg_last_wal_replay_lsn`` and the last replayed commit). When
  none is, reads go to the primary. When a replica fails in the middle of a selector, the
  selector runs again on the primary (nothing was written yet: a write pins the primary first).
"""

from __future__ import annotations

import contextvars
import logging
import random
import threading
import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model
from django.http import HttpRequest
from django.http.response import HttpResponseBase

log = logging.getLogger(__name__)

PRIMARY = "default"
# Writes that do not pin reads to the primary: the session row, sign-in throttling, the
# two-factor device's counter, the job queue (none of them is read by a selector), and audit
# events (raw SQL on the primary; every read writes one, and none reads it back).
_UNPINNING_APPS = frozenset(
    {"sessions", "axes", "otp_totp", "otp_static", "django_tasks_db", "audit", "django_cache"}
)
# Always read on the primary, even inside a replica selector: counters and state that a stale
# copy would get wrong (the database cache holds the per-user search limits' counters).
_PRIMARY_ONLY_APPS = frozenset(
    {"sessions", "axes", "otp_totp", "otp_static", "django_tasks_db", "django_cache"}
)

_replica_reads: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "replica_reads", default=False
)
_pinned: contextvars.ContextVar[bool] = contextvars.ContextVar("primary_pinned", default=False)
_wrote: contextvars.ContextVar[bool] = contextvars.ContextVar("wrote", default=False)
_effects: contextvars.ContextVar[int] = contextvars.ContextVar("effects", default=0)  # appends

HEALTHY_RECHECK_SECONDS = 1.0
UNHEALTHY_RECHECK_SECONDS = 5.0

_HEALTH_SQL = """
SELECT pg_is_in_recovery(),
       EXISTS (SELECT 1 FROM pg_stat_wal_receiver WHERE status = 'streaming'),
       CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
            ELSE coalesce(extract(epoch FROM now() - pg_last_xact_replay_timestamp()), 1e9)
       END
"""


class _Health:
    """Per process: each replica's last verdict and when it was reached."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.verdicts: dict[str, tuple[float, bool, str]] = {}

    def usable(self, alias: str) -> bool:
        now = time.monotonic()
        with self.lock:
            checked, ok, _ = self.verdicts.get(alias, (0.0, False, ""))
            wait = HEALTHY_RECHECK_SECONDS if ok else UNHEALTHY_RECHECK_SECONDS
            if checked and now - checked < wait:
                return ok
        ok, why = replica_state(alias)
        with self.lock:
            previous = self.verdicts.get(alias)
            self.verdicts[alias] = (time.monotonic(), ok, why)
        if previous is None or previous[1] != ok:
            log.warning("replica %s %s", alias, "in use" if ok else f"not used: {why}")
        return ok

    def mark_failed(self, alias: str, why: str) -> None:
        with self.lock:
            self.verdicts[alias] = (time.monotonic(), False, why)
        log.warning("replica %s not used: %s", alias, why)

    def forget(self) -> None:
        with self.lock:
            self.verdicts.clear()


health = _Health()


def replica_state(alias: str) -> tuple[bool, str]:
    """(usable, why not) for one replica, asked now."""
    connection = connections[alias]
    try:
        with connection.cursor() as cursor:
            cursor.execute(_HEALTH_SQL)
            in_recovery, streaming, lag = cursor.fetchone()
    except DatabaseError as exc:
        connection.close()
        return False, f"cannot be reached ({str(exc).strip().splitlines()[0][:120]})"
    if not in_recovery:
        return False, "is not a standby (promoted?)"
    if not streaming:
        return False, "is not streaming from the primary"
    if float(lag) > settings.REPLICA_MAX_LAG_SECONDS:
        return False, f"is {float(lag):.1f} s behind the primary"
    return True, ""


def read_alias() -> str:
    """Where a read goes now (the router's answer for a read)."""
    if not _replica_reads.get() or _pinned.get():
        return PRIMARY
    candidates = list(settings.REPLICA_DATABASES)
    random.shuffle(candidates)
    for alias in candidates:
        if health.usable(alias):
            return alias
    return PRIMARY


def pin_primary() -> None:
    """Every later read of this request (and, through the middleware, of this session for a
    few seconds) goes to the primary."""
    _pinned.set(True)
    _wrote.set(True)


def note_effect() -> None:
    """Something happened that running a selector again would repeat (an audit append)."""
    _effects.set(_effects.get() + 1)


def replica_reads[F: Callable[..., Any]](function: F) -> F:
    """Mark a selector that only reads: its queries may go to a healthy replica."""

    @wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not settings.REPLICA_DATABASES or _pinned.get() or _replica_reads.get():
            return function(*args, **kwargs)
        token = _replica_reads.set(True)
        effects = _effects.get()
        try:
            return function(*args, **kwargs)
        except DatabaseError as exc:
            failed = [
                alias for alias in settings.REPLICA_DATABASES if connections[alias].errors_occurred
            ]
            if not failed or _wrote.get() or _effects.get() != effects:
                raise
            for alias in failed:
                connections[alias].close()
                health.mark_failed(alias, f"failed during a read ({type(exc).__name__})")
            _replica_reads.reset(token)
            token = _replica_reads.set(False)
            return function(*args, **kwargs)  # again, on the primary
        finally:
            _replica_reads.reset(token)

    return wrapper  # type: ignore[return-value]


class ReplicaRouter:
    def db_for_read(self, model: type[Model], **hints: Any) -> str:
        if model._meta.app_label in _PRIMARY_ONLY_APPS:
            return PRIMARY
        return read_alias()

    def db_for_write(self, model: type[Model], **hints: Any) -> str:
        if model._meta.app_label not in _UNPINNING_APPS:
            pin_primary()
        return PRIMARY

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool:
        return True  # one database, copied

    def allow_migrate(
        self, db: str, app_label: str, model_name: str | None = None, **hints: Any
    ) -> bool:
        return bool(db == PRIMARY)


def read_connection(model: type[Model]) -> BaseDatabaseWrapper:
    """The connection a raw-SQL read of ``model``'s tables should use (the router's choice)."""
    return connections[router.db_for_read(model)]


class ReplicaPinMiddleware:
    """Per request: start unpinned (or pinned, when this session wrote moments ago); after a
    request that wrote, pin the session to the primary for the replicas' allowed lag."""

    SESSION_KEY = "childindex_primary_until"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if not settings.REPLICA_DATABASES:
            return self.get_response(request)
        session = getattr(request, "session", None)
        until = session.get(self.SESSION_KEY, 0) if session is not None else 0
        tokens = (_pinned.set(until > time.time()), _wrote.set(False))
        try:
            response = self.get_response(request)
            if _wrote.get() and session is not None:
                session[self.SESSION_KEY] = time.time() + settings.REPLICA_MAX_LAG_SECONDS + 1
            return response
        finally:
            _pinned.reset(tokens[0])
            _wrote.reset(tokens[1])
