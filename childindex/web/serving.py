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
MAX_REQUESTS = 5000  # a worker is recycled after about this many requests (0: never)


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
    """gunicorn's gthread worker, but a stopping one also closes the connections that never
    sent a request after the short linger it gives kept-alive ones (``STOP_KEEPALIVE_LINGER``,
    2 s). gunicorn lets those wait out their whole keep-alive (75 s here), so one silent
    connection (a browser's preconnect, a probe) held a graceful stop for the whole graceful
    timeout, 30 s: nothing is lost by closing it, it carries no request."""

    _stop_deadline: float | None = None

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
        # Recycle a worker now and then (a slow leak never grows without bound). A stopping
        # worker answers a request already arriving on a kept-alive connection with
        # "Connection: close" (gunicorn's gthread worker lingers 2 s), so recycling drops none.
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
