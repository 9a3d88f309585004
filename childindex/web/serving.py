"""The production web server: gunicorn, configured for this application (`childindex serve`).

- Processes: ``workers`` forked from a master that loaded the application once (preload); each
  runs ``threads`` threads (gunicorn's gthread worker), each thread with its own database
  connection. A worker that dies (killed, out of memory) is replaced by the master; a request
  it was serving fails whole: its transaction never commits, so no half-written audit event
  or involvement is left (each is written in the transaction of what it records).
- SIGTERM is a graceful stop: the master stops accepting, and each worker finishes its
  in-flight requests (up to ``GRACEFUL_TIMEOUT_SECONDS``) before it exits. SIGINT and SIGQUIT
  stop at once; SIGHUP reloads the workers.
- Logs: one JSON object a line on standard error (the settings' ``LOGGING`` with the ``json``
  formatter), gunicorn's own lines included; requests are logged by
  ``web.middleware.RequestLogMiddleware`` (route, never path or query string), so gunicorn's
  access log (which prints both) is off.
- Static files: WhiteNoise inside the application, as under the demo.
"""

from __future__ import annotations

import copy
import os
import time
from typing import Any

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.db import connections
from gunicorn.app.base import BaseApplication
from gunicorn.workers.gthread import STOP_KEEPALIVE_LINGER, ThreadWorker

GRACEFUL_TIMEOUT_SECONDS = 30
REQUEST_TIMEOUT_SECONDS = 60  # a worker silent this long is killed and replaced
# How long an idle kept-alive connection stays open. Longer than the idle time of whatever
# reuses connections in front of the server (nginx's upstream ``keepalive_timeout`` is 60 s by
# default; the load test's simulated people think up to 20 s), so the server never closes a
# connection that the client is at that moment sending a request on: that request would get no
# answer at all (``RemoteDisconnected``; status 0 in Locust). gunicorn's own default, 2 s (5 s
# here before 3 December), is meant for servers with clients connected directly. Idle
# connections cost no thread (they wait in the worker's poller).
KEEPALIVE_SECONDS = 75
# A worker is recycled after about this many requests (``CHILDINDEX_WEB_MAX_REQUESTS``; 0, the
# default: never). Recycling is a remedy for a memory leak, and none is known. It costs
# answers: closing a worker's idle kept-alive connections races with requests their clients
# are sending at that moment, which get no answer at all (the load test lost 23 of 13,009 at
# two recycles, 3 December; the keep-alive probe under saturation loses 31 of 6,451 with
# recycling every 100 requests, 0 of 8,693 without). See ``Worker`` for how a recycling worker
# keeps that race small when an operator turns it on.
MAX_REQUESTS = 0
# How long a worker that is recycling (not one told to stop) keeps its kept-alive connections,
# answering the next request on each with "Connection: close" (the client then opens a new
# connection to another worker): longer than the time people and proxies leave a connection idle
# between requests (the load test's think time, 5-20 s), and shorter than the graceful timeout.
RECYCLE_LINGER_SECONDS = 25


def default_workers() -> int:
    """Two processes a core, at least two (the usual gunicorn starting point)."""
    return max(2, 2 * (os.cpu_count() or 1))


def json_logging() -> dict[str, Any]:
    config: dict[str, Any] = copy.deepcopy(settings.LOGGING)
    config["handlers"]["console"]["formatter"] = "json"
    return config


def _post_fork(server, worker) -> None:
    # Connections are per process: never share the master's (there should be none open).
    connections.close_all()


class Worker(ThreadWorker):
    """gunicorn's gthread worker, with two changes to how it stops.

    - A stopping worker also closes the connections that never sent a request after the short
      linger it gives kept-alive ones (``STOP_KEEPALIVE_LINGER``, 2 s). gunicorn lets those wait
      out their whole keep-alive (75 s here), so one silent connection (a browser's preconnect,
      a probe) held a graceful stop for the whole graceful timeout, 30 s: nothing is lost by
      closing it, it carries no request.
    - A worker that recycles (``max_requests`` reached; not one told to stop by a signal, whose
      server is going away) keeps its kept-alive connections ``RECYCLE_LINGER_SECONDS``
      instead of 2 s, answering the next request on each with "Connection: close". Closing an
      idle connection races with a request its client may be sending on it that instant (no
      answer at all: status 0); after 2 s nearly every connection of a busy worker is idle and
      is closed at one moment, after 25 s nearly every client has come back and was told to
      reconnect. A signal during the linger shortens it to gunicorn's 2 s.
    """

    _stop_deadline: float | None = None
    _recycle_deadline: float | None = None
    _signalled = False

    def _recycling(self) -> bool:
        return not self._signalled and bool(self.max_requests) and self.nr >= self.max_requests

    def _recycle_linger_end(self) -> float | None:
        """When a recycling worker's linger ends (fixed the first time it is asked), or None
        for a worker that is running or was told to stop."""
        if self.alive or not self._recycling():
            return None
        if self._recycle_deadline is None:
            self._recycle_deadline = time.monotonic() + RECYCLE_LINGER_SECONDS
        return self._recycle_deadline

    def handle_exit(self, sig, frame) -> None:
        self._signalled = True
        if not self.alive:  # recycling already: the server is stopping, so the short linger
            self.method_queue.defer(
                super()._cap_keepalive, time.monotonic() + STOP_KEEPALIVE_LINGER
            )
        super().handle_exit(sig, frame)

    def _cap_keepalive(self, deadline: float) -> None:
        # gunicorn's run() calls this once, as the worker stops
        end = self._recycle_linger_end()
        super()._cap_keepalive(deadline if end is None else end)

    def finish_request(self, conn, fs) -> None:
        super().finish_request(conn, fs)
        end = self._recycle_linger_end()
        if end is not None and self.keepalived_conns and self.keepalived_conns[-1] is conn:
            # a request begun before the recycle, answered with keep-alive: gunicorn gives its
            # connection 2 s; it lingers to the same end (the deque stays in timeout order:
            # every entry before it is capped at that end, or expires sooner)
            conn.timeout = min(end, time.monotonic() + self.cfg.keepalive)

    def murder_pending(self) -> None:
        if not self.alive:
            if self._stop_deadline is None:
                self._stop_deadline = time.monotonic() + STOP_KEEPALIVE_LINGER
            # capping every timeout at one deadline keeps the deque in timeout order
            for conn in self.pending_conns:
                conn.timeout = min(conn.timeout, self._stop_deadline)
        super().murder_pending()


class Server(BaseApplication):
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        # Django is set up already (this runs inside a management command); django.setup()
        # again would put the settings' logging back over gunicorn's JSON configuration.
        return WSGIHandler()


def _setting(name: str, default: int, low: int, high: int) -> int:
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    if not text.isdigit() or not low <= int(text) <= high:
        raise ValueError(f"{name} must be a number from {low} to {high}, not {text[:12]!r}")
    return int(text)


def gunicorn_options(*, host: str, port: int, workers: int, threads: int) -> dict[str, Any]:
    keepalive = _setting("CHILDINDEX_WEB_KEEPALIVE", KEEPALIVE_SECONDS, 0, 3600)
    max_requests = _setting("CHILDINDEX_WEB_MAX_REQUESTS", MAX_REQUESTS, 0, 10_000_000)
    return {
        "bind": [f"{host}:{port}"],
        "workers": workers,
        "threads": threads,
        "worker_class": Worker,  # gthread
        "preload_app": True,
        "graceful_timeout": GRACEFUL_TIMEOUT_SECONDS,
        "timeout": REQUEST_TIMEOUT_SECONDS,
        "keepalive": keepalive,
        # Recycling a worker now and then (off by default: see MAX_REQUESTS and Worker).
        "max_requests": max_requests,
        "max_requests_jitter": max_requests // 10,
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "info",
        "logconfig_dict": json_logging(),
        "proc_name": "childindex-web",
        # X-Forwarded-* is believed only from the reverse proxies the operator names.
        "forwarded_allow_ips": os.environ.get("CHILDINDEX_FORWARDED_ALLOW_IPS", "127.0.0.1"),
        "post_fork": _post_fork,
        "control_socket_disable": True,  # no shared socket in the home folder
    }


def serve(options: dict[str, Any]) -> None:
    """Run with ``gunicorn_options(...)`` until stopped (SIGTERM: graceful)."""
    connections.close_all()  # the start-up check's connection is not inherited by workers
    Server(options).run()
