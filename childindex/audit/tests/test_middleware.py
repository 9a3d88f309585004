"""Request ids and client addresses: onto audit events and log lines; addresses never logged."""

from __future__ import annotations

import logging
import sys

import pytest
from django.db import IntegrityError
from django.http import HttpResponse
from django.test import RequestFactory
from pythonjsonlogger.json import JsonFormatter

from childindex.audit import context
from childindex.audit.logging import NoPathFilter, RequestIdFilter
from childindex.audit.middleware import RequestContextMiddleware, client_address


def _request(**meta):
    return RequestFactory().get("/", **meta)


def test_without_trusted_proxies_the_address_is_the_connections(settings):
    settings.AUDIT_TRUSTED_PROXIES = 0
    request = _request(REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert client_address(request) == "203.0.113.9"  # a client cannot choose its address


def test_behind_one_trusted_proxy_the_address_is_the_one_it_saw(settings):
    settings.AUDIT_TRUSTED_PROXIES = 1
    request = _request(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.66, 203.0.113.9")
    assert client_address(request) == "203.0.113.9"  # not the left-most, which anyone can write


def test_an_unreadable_address_is_none(settings):
    settings.AUDIT_TRUSTED_PROXIES = 0
    assert client_address(_request(REMOTE_ADDR="not an address")) is None


def test_each_request_gets_its_own_id_in_the_response_and_the_logs(caplog):
    seen = []

    def view(request):
        record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello", None, None)
        RequestIdFilter().filter(record)
        seen.append((request.request_id, record.request_id, context.current().ip_address))
        return HttpResponse()

    middleware = RequestContextMiddleware(view)
    first = middleware(_request(REMOTE_ADDR="192.0.2.1"))
    second = middleware(_request(REMOTE_ADDR="192.0.2.1"))
    assert first["X-Request-ID"] != second["X-Request-ID"]
    assert seen[0][0] == seen[0][1] == first["X-Request-ID"]
    assert seen[0][2] == "192.0.2.1"


def test_log_lines_carry_the_request_id_but_never_the_address(settings):
    formatter = logging.Formatter(settings.LOGGING["formatters"]["plain"]["format"])
    token = context.bind(context.RequestContext("req-123", "192.0.2.44"))
    try:
        record = logging.LogRecord("x", logging.INFO, __file__, 1, "a page", None, None)
        RequestIdFilter().filter(record)
        line = formatter.format(record)
    finally:
        context.unbind(token)
    assert "[req-123]" in line and "192.0.2.44" not in line


@pytest.mark.parametrize("bad", ["", "   "])
def test_outside_a_request_the_log_shows_a_dash(bad):
    record = logging.LogRecord("x", logging.INFO, __file__, 1, bad, None, None)
    RequestIdFilter().filter(record)
    assert record.request_id == "-"


def test_a_database_errors_detail_quoting_a_rows_values_is_not_logged():
    """PostgreSQL's DETAIL names the row's values (here an NHS number): a 500's traceback is
    logged without that line, through the JSON formatter and the plain one alike."""
    try:
        raise IntegrityError(
            'duplicate key value violates unique constraint "identifier_unique"\n'
            "DETAIL:  Key (type, value)=(nhs, 9434765919) already exists."
        )
    except IntegrityError:
        exc_info = sys.exc_info()
    for formatter in (logging.Formatter(), JsonFormatter()):
        record = logging.LogRecord(
            "django.request", logging.ERROR, __file__, 1, "Internal Server Error", (), exc_info
        )
        assert NoPathFilter().filter(record)
        text = formatter.format(record)
        assert "9434765919" not in text
        assert "identifier_unique" in text and "IntegrityError" in text
        assert "DETAIL: (withheld: it quotes the row)" in text
