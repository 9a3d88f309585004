"""gunicorn's settings for `childindex serve`: keep-alive and worker recycling (issue 16).

The load test's one status-0 failure was a request sent on a kept-alive connection as the
server closed it (keep-alive 5 s, think times 5-20 s). The server's keep-alive must outlast the
idle timeout of what reuses connections in front of it (nginx's upstream default: 60 s).
"""

from __future__ import annotations

import time
from collections import deque

import pytest
from django.core.management import CommandError, call_command
from gunicorn.workers.gthread import STOP_KEEPALIVE_LINGER, ThreadWorker

from childindex.web import serving

NGINX_UPSTREAM_KEEPALIVE_TIMEOUT = 60


def _options() -> dict:
    return serving.gunicorn_options(host="127.0.0.1", port=9999, workers=2, threads=4)


def test_idle_connections_outlast_a_proxys_and_workers_are_recycled(monkeypatch):
    monkeypatch.delenv("CHILDINDEX_WEB_KEEPALIVE", raising=False)
    monkeypatch.delenv("CHILDINDEX_WEB_MAX_REQUESTS", raising=False)
    options = _options()
    assert options["keepalive"] > NGINX_UPSTREAM_KEEPALIVE_TIMEOUT
    assert issubclass(options["worker_class"], ThreadWorker)
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


class _SilentConnection:
    """A connection that was accepted and never sent a request (a browser's preconnect)."""

    def __init__(self, timeout: float) -> None:
        self.timeout, self.sock, self.closed = timeout, object(), False

    def close(self, graceful: bool = False) -> None:
        self.closed = True


class _Poller:
    def unregister(self, sock) -> None:
        pass


def _worker(*, alive: bool, pending: list[_SilentConnection]) -> serving.Worker:
    worker = object.__new__(serving.Worker)  # no process, sockets or config: the loop's state
    worker.alive, worker.poller, worker.nr_conns = alive, _Poller(), len(pending)
    worker.pending_conns = deque(pending)
    return worker


def test_a_stopping_worker_closes_connections_that_never_sent_a_request_after_a_short_linger():
    now = time.monotonic()
    silent = _SilentConnection(now + serving.KEEPALIVE_SECONDS)
    running = _worker(alive=True, pending=[silent])
    running.murder_pending()
    assert silent.timeout == now + serving.KEEPALIVE_SECONDS and not silent.closed

    stopping = _worker(alive=False, pending=[silent])
    stopping.murder_pending()  # the first look after the stop: a short linger, not 75 s
    assert silent.timeout <= time.monotonic() + STOP_KEEPALIVE_LINGER and not silent.closed
    stopping._stop_deadline = time.monotonic() - 0.1  # the linger is over
    silent.timeout = stopping._stop_deadline
    stopping.murder_pending()
    assert silent.closed and not stopping.pending_conns and stopping.nr_conns == 0
