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


def test_idle_connections_outlast_a_proxys_and_workers_are_not_recycled(monkeypatch):
    """Recycling closed busy workers' idle connections under their clients' next requests:
    the 500-user run's 23 status-0 failures (3 December). It is off unless an operator needs it."""
    monkeypatch.delenv("CHILDINDEX_WEB_KEEPALIVE", raising=False)
    monkeypatch.delenv("CHILDINDEX_WEB_MAX_REQUESTS", raising=False)
    options = _options()
    assert options["keepalive"] > NGINX_UPSTREAM_KEEPALIVE_TIMEOUT
    assert issubclass(options["worker_class"], ThreadWorker)
    assert options["max_requests"] == 0 and options["max_requests_jitter"] == 0


def test_the_operator_sets_keep_alive_and_recycling(monkeypatch):
    monkeypatch.setenv("CHILDINDEX_WEB_KEEPALIVE", "120")
    monkeypatch.setenv("CHILDINDEX_WEB_MAX_REQUESTS", "5000")
    options = _options()
    assert options["keepalive"] == 120
    assert options["max_requests"] == 5000 and options["max_requests_jitter"] == 500
    # the linger of a recycling worker fits in the graceful stop, and outlasts a think time
    assert 20 < serving.RECYCLE_LINGER_SECONDS < serving.GRACEFUL_TIMEOUT_SECONDS


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

    def register(self, sock, events, callback) -> None:
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


class _KeptAlive:
    """A kept-alive connection waiting in the poller for its client's next request."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout


class _Config:
    keepalive = serving.KEEPALIVE_SECONDS


class _Future:
    def cancelled(self) -> bool:
        return False

    def result(self) -> bool:
        return True  # the response announced keep-alive


class _Unread:
    def getvalue(self) -> bytes:
        return b""


class _Parser:
    class unreader:  # noqa: N801
        buf = _Unread()


class _Socket:
    def setblocking(self, flag: bool) -> None:
        pass


class _Answered(_KeptAlive):
    """A connection whose request was just answered with keep-alive (gunicorn's ``TConn``)."""

    def __init__(self) -> None:
        super().__init__(0.0)
        self.sock, self.parser = _Socket(), _Parser()

    def set_timeout(self) -> None:
        self.timeout = time.monotonic() + serving.KEEPALIVE_SECONDS


class _Deferred:
    def __init__(self) -> None:
        self.calls: list = []

    def defer(self, callback, *args) -> None:
        self.calls.append((callback, args))


def _stopping_worker(*, served: int, max_requests: int, kept: list[_KeptAlive]) -> serving.Worker:
    worker = object.__new__(serving.Worker)  # the loop's state only, as gunicorn leaves it
    worker.alive, worker.nr, worker.max_requests = False, served, max_requests
    worker.cfg, worker.poller, worker.method_queue = _Config(), _Poller(), _Deferred()
    worker.keepalived_conns = deque(kept)
    return worker


def test_a_recycling_worker_keeps_its_idle_connections_until_their_clients_come_back():
    """A recycling worker's idle kept-alive connections stay open RECYCLE_LINGER_SECONDS, not
    gunicorn's 2 s: closing them races with the next request, which would get no answer; kept,
    that request is answered with "Connection: close" (gunicorn, once a worker stops)."""
    now = time.monotonic()
    kept = [_KeptAlive(now + 10), _KeptAlive(now + serving.KEEPALIVE_SECONDS)]
    worker = _stopping_worker(served=5000, max_requests=5000, kept=kept)
    worker._cap_keepalive(now + STOP_KEEPALIVE_LINGER)  # gunicorn's run(), as it stops
    end = now + serving.RECYCLE_LINGER_SECONDS
    assert kept[0].timeout == now + 10  # expires sooner anyway
    assert end <= kept[1].timeout <= time.monotonic() + serving.RECYCLE_LINGER_SECONDS

    # a request that began before the recycle finishes with keep-alive: it lingers as long
    conn = _Answered()
    worker.nr_conns = 3
    worker.finish_request(conn, _Future())
    assert worker.keepalived_conns[-1] is conn and conn.timeout == kept[1].timeout
    timeouts = [c.timeout for c in worker.keepalived_conns]
    assert timeouts == sorted(timeouts)  # murder_keepalived reads the deque in this order

    # the server is told to stop meanwhile: the short linger after all
    worker.handle_exit(15, None)
    (callback, args), *_ = worker.method_queue.calls
    callback(*args)
    assert all(c.timeout <= time.monotonic() + STOP_KEEPALIVE_LINGER for c in kept)


def test_a_worker_told_to_stop_keeps_idle_connections_only_briefly():
    now = time.monotonic()
    kept = [_KeptAlive(now + serving.KEEPALIVE_SECONDS)]
    worker = _stopping_worker(served=10, max_requests=0, kept=kept)  # SIGTERM, no recycling
    worker._cap_keepalive(now + STOP_KEEPALIVE_LINGER)
    assert kept[0].timeout == now + STOP_KEEPALIVE_LINGER

    signalled = _stopping_worker(served=5000, max_requests=5000, kept=kept)
    signalled._signalled = True  # the count was reached, but a signal stops it: the server goes
    signalled._cap_keepalive(now + STOP_KEEPALIVE_LINGER)
    assert kept[0].timeout == now + STOP_KEEPALIVE_LINGER
