"""The current request's id and client address, for the audit events it writes.

Set by ``audit.middleware.RequestContextMiddleware`` for each web request; empty for commands
and background jobs. Held in a context variable, so threads and async tasks never share it.
"""

from __future__ import annotations

import contextvars
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str = ""
    ip_address: str | None = None


_NONE = RequestContext()
_current: contextvars.ContextVar[RequestContext] = contextvars.ContextVar("childindex_request")


def current() -> RequestContext:
    return _current.get(_NONE)


def bind(context: RequestContext) -> contextvars.Token[RequestContext]:
    return _current.set(context)


def unbind(token: contextvars.Token[RequestContext]) -> None:
    _current.reset(token)


# How many audit events the current request has written (None outside a request), so that
# ``audit.middleware.RequestContextMiddleware`` can write one for a request that wrote none.
_written: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar(
    "childindex_request_events", default=None
)


def events_count_start() -> contextvars.Token[list[int] | None]:
    return _written.set([0])


def events_count_stop(token: contextvars.Token[list[int] | None]) -> None:
    _written.reset(token)


def event_written() -> None:
    counter = _written.get()
    if counter is not None:
        counter[0] += 1


def events_written() -> int:
    counter = _written.get()
    return counter[0] if counter is not None else 0
