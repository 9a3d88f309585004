"""A logging filter that adds the current request id (never the client address) to log lines."""

from __future__ import annotations

import logging

from childindex.audit import context


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = context.current().request_id or "-"
        return True
