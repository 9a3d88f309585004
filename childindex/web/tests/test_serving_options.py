"""gunicorn's settings for `childindex serve`: keep-alive and worker recycling (issue 16).

The load test's one status-0 failure was a request sent on a kept-alive connection as the
server closed it (keep-alive 5 s, think times 5-20 s). The server's keep-alive must outlast the
idle timeout of what reuses connections in front of it (nginx's upstream default: 60 s).
"""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from childindex.web import serving

NGINX_UPSTREAM_KEEPALIVE_TIMEOUT = 60


def _options() -> dict:
    return serving.gunicorn_options(host="127.0.0.1", port=9999, workers=2, threads=4)


def test_idle_connections_outlast_a_proxys_and_workers_are_recycled(monkeypatch):
    monkeypatch.delenv("CHILDINDEX_WEB_KEEPALIVE", raising=False)
    monkeypatch.delenv("CHILDINDEX_WEB_MAX_REQUESTS", raising=False)
    options = _options()
    assert options["keepalive"] > NGINX_UPSTREAM_KEEPALIVE_TIMEOUT
    assert options["worker_class"] == "gthread"
    assert options["max_requests"] == 5000 and options["max_requests_jitter"] == 500


def test_the_operator_sets_keep_alive_and_recycling(monkeypatch):
    monkeypatch.setenv("CHILDINDEX_WEB_KEEPALIVE", "120")
    monkeypatch.setenv("CHILDINDEX_WEB_MAX_REQUESTS", "0")
    options = _options()
    assert options["keepalive"] == 120
    assert options["max_requests"] == 0 and options["max_requests_jitter"] == 0


@pytest.mark.parametrize("value", ["soon", "-1", "4000"])
def test_a_keep_alive_that_is_not_a_number_of_seconds_is_one_clear_error(monkeypatch, value):
    monkeypatch.setenv("CHILDINDEX_WEB_KEEPALIVE", value)
    with pytest.raises(ValueError, match="CHILDINDEX_WEB_KEEPALIVE must be a number from 0 to"):
        _options()


@pytest.mark.django_db
def test_serve_refuses_a_bad_setting_before_it_starts(monkeypatch):
    monkeypatch.setenv("CHILDINDEX_WEB_MAX_REQUESTS", "many")
    with pytest.raises(CommandError, match="CHILDINDEX_WEB_MAX_REQUESTS must be a number"):
        call_command("serve", port="9999", workers="1", threads="1")
