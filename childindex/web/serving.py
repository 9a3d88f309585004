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
from typing import Any

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.db import connections
from gunicorn.app.base import BaseApplication

GRACEFUL_TIMEOUT_SECONDS = 30
REQUEST_TIMEOUT_SECONDS = 60  # a worker silent this long is killed and replaced


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


def gunicorn_options(*, host: str, port: int, workers: int, threads: int) -> dict[str, Any]:
    return {
        "bind": [f"{host}:{port}"],
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread",
        "preload_app": True,
        "graceful_timeout": GRACEFUL_TIMEOUT_SECONDS,
        "timeout": REQUEST_TIMEOUT_SECONDS,
        "keepalive": 5,
        # Recycle a worker now and then (a slow leak never grows without bound).
        "max_requests": 5000,
        "max_requests_jitter": 500,
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


def serve(*, host: str, port: int, workers: int, threads: int) -> None:
    """Run until stopped (SIGTERM: graceful)."""
    connections.close_all()  # the start-up check's connection is not inherited by workers
    Server(gunicorn_options(host=host, port=port, workers=workers, threads=threads)).run()
