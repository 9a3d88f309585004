"""Logging without personal data: the request id on every line, and no URL path in any line.

A URL can carry an index number or a search (``?name=...``), so request lines name the route
that served them (``children/<str:token>/``), never the path or the query string, and
``NoPathFilter`` takes the path out of Django's own request log lines ("Internal Server Error:
/path") the same way. Client addresses are never logged (they go into audit events only), nor
a database error's ``DETAIL`` line, which quotes the values of the row at fault (an NHS number
in a duplicate key).
"""

from __future__ import annotations

import logging
import re
import traceback

from django.db import DatabaseError, InterfaceError, OperationalError

from childindex.audit import context

# The route logged for a request no URL pattern matched (its path could be anything).
UNMATCHED = "-"


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = context.current().request_id or "-"
        return True


def route_of(request) -> str:
    """The URL pattern that matched ``request`` (no values in it), or ``-``."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        path = getattr(request, "path_info", "") or ""
        # Static files (WhiteNoise answers before URL resolution) hold no personal data.
        return "assets/" if path.startswith("/assets/") else UNMATCHED
    return "/" + match.route if match.route else (match.view_name or UNMATCHED)


def database_unavailable(exc: BaseException | None) -> bool:
    """The database cannot be reached (as opposed to a query that is wrong)."""
    return isinstance(exc, OperationalError | InterfaceError) or (
        isinstance(exc, DatabaseError) and "server closed the connection" in str(exc)
    )


class NoPathFilter(logging.Filter):
    """Replace the request path in Django's request log lines by the route, and leave out the
    traceback when the error is only "the database is unavailable" (one line is enough)."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        if request is not None and not isinstance(request, str):
            path = getattr(request, "path", None)
            if isinstance(record.args, tuple):
                record.args = tuple(route_of(request) if a == path else a for a in record.args)
            # The request object's text is its full path and query string: a JSON formatter
            # would print it. Only its route goes on.
            record.request = route_of(request)
        if record.exc_info and database_unavailable(record.exc_info[1]):
            first = str(record.exc_info[1]).strip().splitlines()
            record.msg = "database unavailable: %s"
            record.args = (first[0] if first else type(record.exc_info[1]).__name__,)
            record.exc_info = None
            record.exc_text = None
        elif record.exc_info and _quotes_values(record.exc_info[1]):
            # PostgreSQL's DETAIL quotes the row ("Key (type, value)=(nhs, 9434765919) already
            # exists"): the traceback goes on without it (both formatters print exc_text).
            text = "".join(traceback.format_exception(*record.exc_info))
            record.exc_text = WITHHELD_DETAIL.sub(r"\1DETAIL: (withheld: it quotes the row)", text)
            record.exc_info = None
        return True


# A database error's DETAIL (and its psycopg twin) may quote the values of the row at fault.
WITHHELD_DETAIL = re.compile(r"(?m)^(\s*)DETAIL:.*$")


def _quotes_values(exc: BaseException | None) -> bool:
    while exc is not None:
        if isinstance(exc, DatabaseError) or "DETAIL:" in str(exc):
            return "DETAIL:" in "".join(traceback.format_exception(exc))
        exc = exc.__cause__ or exc.__context__
    return False
