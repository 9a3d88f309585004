"""`childindex <command>`: every Django management command through one entry point.

Bad arguments and configuration end with a one-line message and a non-zero exit, never a
traceback.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

# Written by `childindex demo` beside the demo's SQLite database. An operator command run in that
# checkout (no CHILDINDEX_MODE, no DATABASE_URL, no secret: nothing says "production") then uses
# the demo's settings, so the README's commands work as written after `./run demo`. A production
# deployment sets DATABASE_URL or a secret, has no marker, and still refuses to start without a
# real secret; the web servers (wsgi/asgi) never read the marker.
DEMO_MARKER = "demo-mode"


def var_dir() -> Path:
    """The settings' VAR_DIR, worked out without importing the settings."""
    default = Path(__file__).resolve().parent.parent / "var"
    return Path(os.environ.get("CHILDINDEX_VAR_DIR") or default)


def demo_checkout() -> bool:
    """True when nothing chooses a mode and this checkout's demo database exists."""
    if any(os.environ.get(name) for name in ("CHILDINDEX_MODE", "DATABASE_URL")):
        return False
    if os.environ.get("CHILDINDEX_SECRET_KEY"):
        return False
    var = var_dir()
    return (var / DEMO_MARKER).is_file() and (var / "childindex.sqlite3").is_file()


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv if argv is None else argv)
    if len(argv) > 1 and argv[1] == "demo":
        # The demo is always the demo: embedded SQLite, synthetic data, plain HTTP on localhost.
        os.environ.setdefault("CHILDINDEX_MODE", "demo")
    elif demo_checkout():
        os.environ["CHILDINDEX_MODE"] = "demo"
        print(
            f"childindex: using the demo's settings ({var_dir() / DEMO_MARKER} exists; "
            "set CHILDINDEX_MODE to choose another mode)",
            file=sys.stderr,
        )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "childindex.config.settings")
    argv[0] = "childindex"

    from django.core.exceptions import ImproperlyConfigured

    try:
        from django.core.management import execute_from_command_line

        execute_from_command_line(argv)
    except ImproperlyConfigured as exc:
        print(f"childindex: configuration error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # an operator tool prints a line, not a traceback
        from django.db import DatabaseError

        if isinstance(exc, DatabaseError):
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            print(f"childindex: database error: {first}", file=sys.stderr)
            return 1
        raise
    return 0


if __name__ == "__main__":
    sys.exit(main())
