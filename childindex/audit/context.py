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
