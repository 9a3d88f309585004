"""The keep-alive probe (issue 16): clients that each reuse one connection, as Locust's people
and a proxy's upstream connections do, and count the requests that get no answer at all.

    .venv/bin/python benchmarks/load/keepalive_probe.py http://127.0.0.1:PORT/sign-in/ \\
        [--clients 400] [--seconds 60] [--idle 1 4]

Each client (a thread with its own ``requests.Session``: one kept-alive connection) waits a
random ``--idle`` MIN MAX seconds between requests, for ``--seconds``. A lost request (no answer:
the connection closed or reset under it, Locust's status 0) is counted by exception, with the
second it happened; answers that asked to close the connection (``Connection: close``, what a
stopping gunicorn worker sends) are counted too. Run it against ``childindex serve`` with
``CHILDINDEX_WEB_MAX_REQUESTS`` small (say 100) to recycle workers often; enough clients that
the server saturates (400 clients idle 1-4 s: about 100 requests/s) make a recycling worker's
close race visible (docs/performance.md, "Session 7").
"""

from __future__ import annotations

import argparse
import collections
import random
import sys
import threading
import time

import requests


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--clients", type=int, default=400)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--idle", type=float, nargs=2, default=(1.0, 4.0), metavar=("MIN", "MAX"))
    args = parser.parse_args()
    health = "/".join(args.url.split("/", 3)[:3]) + "/healthz"
    for _ in range(120):  # the server first (connections refused before it listens are not lost)
        try:
            if requests.get(health, timeout=2).status_code == 200:
                break
        except requests.RequestException:
            pass
        time.sleep(0.5)
    else:
        print(f"no answer from {health}", file=sys.stderr)
        return 1
    lock = threading.Lock()
    counts: collections.Counter[str] = collections.Counter()
    lost_at: set[str] = set()
    end = time.time() + args.seconds

    def client() -> None:
        session = requests.Session()
        time.sleep(random.uniform(0, args.idle[1]))  # noqa: S311 - a think time, not a secret
        while time.time() < end:
            try:
                response = session.get(args.url, timeout=30)
                with lock:
                    counts[f"status {response.status_code}"] += 1
                    if response.headers.get("Connection", "").lower() == "close":
                        counts["(answered with Connection: close)"] += 1
            except requests.RequestException as exc:
                cause = type(exc.__context__ or exc).__name__
                with lock:
                    counts[f"lost: {type(exc).__name__} ({cause})"] += 1
                    lost_at.add(time.strftime("%H:%M:%S"))
            time.sleep(random.uniform(*args.idle))  # noqa: S311

    threads = [threading.Thread(target=client) for _ in range(args.clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    total = sum(n for k, n in counts.items() if not k.startswith("("))
    lost = sum(n for k, n in counts.items() if k.startswith("lost"))
    print(f"requests {total} lost {lost}")
    for key, n in sorted(counts.items()):
        print(f"  {key}: {n}")
    if lost_at:
        print("  lost at:", " ".join(sorted(lost_at)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
