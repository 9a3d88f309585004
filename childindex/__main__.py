"""`childindex <command>`: every Django management command through one entry point.

Bad arguments and configuration end with a one-line message and a non-zero exit, never a
traceback.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv if argv is None else argv)
    if len(argv) > 1 and argv[1] == "demo":
        # The demo is always the demo: embedded SQLite, synthetic data, plain HTTP on localhost.
        os.environ.setdefault("CHILDINDEX_MODE", "demo")
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
