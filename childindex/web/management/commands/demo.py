"""`childindex demo`: the whole product on an embedded database, with a synthetic county.

    childindex demo [--port 8000] [--children 3000] [--seed 2026] [--fresh] [--no-serve]

Creates the database (SQLite in var/ unless DATABASE_URL says otherwise), generates and loads a
synthetic county the first time (or with --fresh), builds the search index, creates one demo
account per role with a known two-factor secret, prints the address and the sign-ins, then
serves on 127.0.0.1 with the production server (`childindex serve`: gunicorn). Everything it
shows is synthetic.
"""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from childindex.__main__ import DEMO_MARKER
from childindex.access.demo import create_demo_users, current_code
from childindex.directory.models import LocalAuthority
from childindex.fhir.demo import create_demo_clients
from childindex.records.models import Child
from childindex.web.demo_examples import Example, demo_examples

EXAMPLE_LABELS = {
    "shielded": "a shielded child:",
    "hidden_concern": "a child with a hidden concern:",
    "sensitive_service": "a child with a sensitive service:",
    "child_protection_enquiry": "for a child protection enquiry:",
    "fhir_tour": "for the FHIR API tour (README):",
}

DEFAULT_CHILDREN = 3000
DEFAULT_SEED = 2026
# The day the demo's county is generated as of, whatever the day it runs: the generator's
# county for a seed differs from one --as-of to the next (which families are under 18 that day
# shifts its random draws), so a county "as of today" named other children every day or two,
# and the README's children to try were right only on the day they were written. Fixed, every
# checkout has the same county; its children age from that day as real ones do.
DEMO_AS_OF = "2026-12-03"


def _port(text: str) -> int:
    if not text.isdigit() or not 1024 <= int(text) <= 65535:
        raise CommandError(f"--port must be a number from 1024 to 65535, not {text[:12]!r}")
    return int(text)


def _children(text: str) -> int:
    if not text.isdigit() or not 10 <= int(text) <= 100_000:
        raise CommandError(f"--children must be a number from 10 to 100000, not {text[:12]!r}")
    return int(text)


def _exit_on_term(signum, frame) -> None:
    raise SystemExit(0)


class Command(BaseCommand):
    help = "Start the demo: a synthetic county on an embedded database, served on 127.0.0.1."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", default="8000", help="port to serve on (default 8000)")
        parser.add_argument(
            "--children",
            default=str(DEFAULT_CHILDREN),
            help=f"children in the synthetic county (default {DEFAULT_CHILDREN})",
        )
        parser.add_argument("--seed", default=str(DEFAULT_SEED), help="generator seed")
        parser.add_argument(
            "--fresh", action="store_true", help="start again from an empty database"
        )
        parser.add_argument(
            "--no-serve", action="store_true", help="set up and print the sign-ins, then stop"
        )

    def handle(self, *args, **options) -> None:
        if settings.MODE != "demo":
            raise CommandError("the demo runs only with CHILDINDEX_MODE=demo (its own data)")
        port = _port(options["port"])
        children = _children(options["children"])
        if options["fresh"]:
            self._empty_database()
        call_command("migrate", verbosity=0, interactive=False)

        if not Child.objects.exists():
            out = Path(settings.VAR_DIR) / "demo-county"
            self.stdout.write(f"Generating a synthetic county of {children:,} children ...")
            call_command(
                "generate",
                f"--as-of={DEMO_AS_OF}",
                children=str(children),
                seed=options["seed"],
                out=str(out),
                load=True,
                verbosity=1,  # progress on stderr: the first run takes a minute
            )
            # The sources feed the index as they would in an LA: each generated feed is imported
            # with its mapping, so feed health, rejected rows and the review queue have content.
            for mapping in sorted((out / "feeds").glob("*.toml")):
                call_command(
                    "feed",
                    "import",
                    "--mapping",
                    str(mapping),
                    str(mapping.with_suffix(".csv")),
                    verbosity=0,
                )
            # A neighbouring trust's transfer of health visiting records, keyed by hand and
            # without NHS numbers: the rows the model cannot place wait in the review queue.
            call_command("near-misses", str(out / "feeds"), stdout=io.StringIO())
            near_misses = out / "feeds" / "health_visiting_transfer.toml"
            call_command(
                "feed",
                "import",
                "--mapping",
                str(near_misses),
                str(near_misses.with_suffix(".csv")),
                verbosity=0,
            )
            # The national operator's part: the county's child population estimates (the ONS
            # mid-year estimates layout), which the coverage report compares the index with.
            call_command("population", "load", str(out / "population_estimates.csv"), verbosity=0)
        la = LocalAuthority.objects.order_by("pk").first()
        if la is None:  # pragma: no cover - generate always makes one
            raise CommandError("the demo county has no local authority: run with --fresh")
        users = create_demo_users(la)
        clients = create_demo_clients(la)
        self._mark_demo_checkout()
        self._print_welcome(la, users, port)
        self._print_examples(demo_examples(la))
        self._print_api_clients(clients, port)
        if not options["no_serve"]:
            self._serve(port)

    def _serve(self, port: int) -> None:
        """The web server, with the background worker and the clock beside it (one process
        each, stopped with the server), so the demo needs no other server."""
        log_path = Path(settings.VAR_DIR) / "demo-background.log"
        env = {**os.environ, "CHILDINDEX_MODE": "demo"}
        background = []
        with open(log_path, "ab") as log:
            for args in (["db_worker", "--no-reload"], ["monitor", "--every"]):
                background.append(
                    subprocess.Popen(  # noqa: S603 - our own command, fixed arguments
                        [sys.executable, "-m", "childindex", *args],
                        stdout=log,
                        stderr=subprocess.STDOUT,
                        env=env,
                    )
                )
            self.stdout.write(f"Background worker and clock running (log: {log_path}).")
            # `kill -TERM` on the demo stops the worker and the clock too: the handler turns the
            # signal into SystemExit in this (the main) thread, so the `finally` below runs.
            previous = signal.signal(signal.SIGTERM, _exit_on_term)
            try:
                # The production server (gunicorn), as in production; SIGTERM and Ctrl-C stop
                # it, and this block then stops the worker and the clock.
                call_command("serve", port=str(port), host="127.0.0.1", workers="2", threads="4")
            finally:
                for process in background:
                    process.terminate()
                for process in background:
                    try:
                        process.wait(timeout=10)
                    except subprocess.TimeoutExpired:
                        process.kill()
                signal.signal(signal.SIGTERM, previous)

    def _mark_demo_checkout(self) -> None:
        """Operator commands run in this checkout afterwards use the demo's settings (see
        childindex/__main__.py), but only while the demo's own SQLite database is in use."""
        if connection.vendor != "sqlite":
            return
        Path(settings.VAR_DIR).mkdir(parents=True, exist_ok=True)
        (Path(settings.VAR_DIR) / DEMO_MARKER).write_text(
            "Written by `childindex demo`: operator commands in this checkout use demo mode.\n"
        )

    def _empty_database(self) -> None:
        if connection.vendor != "sqlite":
            raise CommandError("--fresh empties only the embedded SQLite demo database")
        connection.close()
        path = Path(settings.DATABASES["default"]["NAME"])
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)

    def _print_examples(self, examples: dict[str, Example]) -> None:
        """The children the README's tour names, found by their state in this county."""
        if not examples:
            return
        w = self.stdout.write
        w("Children to try (find a child by name and postcode, or name and date of birth):")
        for kind, example in examples.items():
            where = (
                f"born {example.date_of_birth:%d %m %Y}"
                if kind == "shielded"  # a shielded child cannot be found by address
                else f"postcode {example.postcode}, born {example.date_of_birth:%d %m %Y}"
            )
            w(f"  {EXAMPLE_LABELS[kind]:<34} {example.name}, {where}")
        w("")

    def _print_api_clients(self, clients, port: int) -> None:
        w = self.stdout.write
        w(f"FHIR API at http://127.0.0.1:{port}/fhir (token: POST /fhir/auth/token; docs/api.md):")
        for client in clients:
            w(client.line)
        w("")

    def _print_welcome(self, la, users, port: int) -> None:
        count = Child.objects.count()
        w = self.stdout.write
        w("")
        w(
            self.style.SUCCESS(
                f"childindex demo: {la.name} ({la.code}), {count:,} synthetic children"
            )
        )
        w(f"Open http://127.0.0.1:{port}/ in a browser.")
        w("")
        w("Demo sign-ins (synthetic accounts; every one has the same password):")
        w(f"  password: {users[0].password}" if users else "")
        w("")
        w(f"  {'username':<40} {'role':<20} {'authenticator secret':<34} code now")
        for user in users:
            w(
                f"  {user.username:<40} {user.role:<20} {user.totp_secret:<34} "
                f"{current_code(user.totp_secret)}"
            )
        w("")
        w("Two-factor: add the secret to any authenticator app, or get the current code with")
        w("  .venv/bin/childindex demo_code USERNAME")
        w("Codes change every 30 seconds and each works once.")
        w("")
