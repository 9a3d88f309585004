"""`childindex serve`: the production web server (gunicorn; see ``web/serving.py``).

    childindex serve [--port 8000] [--host 127.0.0.1] [--workers N] [--threads 4]

Checks first that the database answers (else one line and exit 1) and, in production, that the
static files were collected (`childindex collectstatic --noinput`), then serves until SIGTERM,
which finishes the requests in flight. Put it behind a TLS-terminating reverse proxy
(docs/operations.md).
"""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, connection

from childindex.web import serving


def _number(name: str, text: str, low: int, high: int) -> int:
    if not text.isdigit() or not low <= int(text) <= high:
        raise CommandError(f"--{name} must be a number from {low} to {high}, not {text[:12]!r}")
    return int(text)


class Command(BaseCommand):
    help = "Serve the application with gunicorn (production); SIGTERM stops it gracefully."
    requires_system_checks = []  # checked below, after the database; `childindex check` in CI

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", default=os.environ.get("CHILDINDEX_PORT", "8000"))
        parser.add_argument(
            "--host",
            default=os.environ.get("CHILDINDEX_HOST", "127.0.0.1"),
            help="address to listen on (default 127.0.0.1: behind a reverse proxy)",
        )
        parser.add_argument(
            "--workers",
            default=os.environ.get("CHILDINDEX_WEB_WORKERS", str(serving.default_workers())),
            help="worker processes (default: two a core)",
        )
        parser.add_argument(
            "--threads",
            default=os.environ.get("CHILDINDEX_WEB_THREADS", "4"),
            help="threads a worker (default 4)",
        )

    def handle(self, *args, **options) -> None:
        port = _number("port", str(options["port"]), 1024, 65535)
        workers = _number("workers", str(options["workers"]), 1, 64)
        threads = _number("threads", str(options["threads"]), 1, 64)
        try:
            connection.ensure_connection()
        except DatabaseError as exc:
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise CommandError(f"the database cannot be reached, not serving: {first}") from None
        if settings.PRODUCTION and not (Path(settings.STATIC_ROOT) / "staticfiles.json").exists():
            raise CommandError(
                f"static files are not collected in {settings.STATIC_ROOT}: "
                "run `childindex collectstatic --noinput` first"
            )
        try:  # CHILDINDEX_WEB_KEEPALIVE, CHILDINDEX_WEB_MAX_REQUESTS
            config = serving.gunicorn_options(
                host=options["host"], port=port, workers=workers, threads=threads
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self.check(display_num_errors=False)
        serving.serve(config)
