"""What writing the audit event adds to a record view, alone and under concurrent writers.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ci_audit_bench CHILDINDEX_MODE=test \\
        python benchmarks/audit_write.py --events 2000 --writers 1,20

Each timed call is what a record view adds: one transaction holding ``audit_record`` (the chain
lock, the event row, its child-index row) and its commit. With N writers, N threads (each with
its own connection) write without pause at once: the worst case for the chain lock, which
serialises appends. Prints Markdown rows (median, p95, max) for docs/performance.md.
"""

from __future__ import annotations

import argparse
import threading
import time

from _audit_common import (  # noqa: I001 - sets Django up first
    empty_audit_tables,
    machine,
    require_bench_postgres,
    summary_ms,
)
from django.db import connections, transaction

from childindex.audit.services import audit_record
from childindex.audit.verify import verify_trail


def write_one(n: int, k: int) -> float:
    started = time.perf_counter()
    with transaction.atomic():
        audit_record(
            actor=None,
            actor_label=f"bench{n}",
            action="record_view",
            purpose="referral",
            children=[f"{10_000_000_000 + (n * 100_003 + k) % 9_000_000_000}"],
            detail={"view": "full", "alerts": []},
            ip_address="192.0.2.10",
            request_id="5f0c6a9e-8d1e-4a53-9d1e-2b1e1a0c0f00",
        )
    return time.perf_counter() - started


def run(writers: int, per_writer: int) -> list[float]:
    timings: list[list[float]] = [[] for _ in range(writers)]
    barrier = threading.Barrier(writers)

    def work(n: int) -> None:
        try:
            write_one(n, -1)  # connect and warm up outside the timing
            barrier.wait()
            for k in range(per_writer):
                timings[n].append(write_one(n, k))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [t for per in timings for t in per]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000, help="timed writes per run")
    parser.add_argument("--writers", default="1,20", help="comma-separated writer counts")
    parser.add_argument("--repeat", type=int, default=3, help="runs per writer count")
    args = parser.parse_args()
    require_bench_postgres()
    print(f"<!-- {machine()} -->")
    print("| writers | events | median ms | p95 ms | max ms | events/s |")
    print("|---|---|---|---|---|---|")
    for writers in [int(w) for w in args.writers.split(",")]:
        for _ in range(args.repeat):
            empty_audit_tables()
            per_writer = max(1, args.events // writers)
            started = time.perf_counter()
            timings = run(writers, per_writer)
            elapsed = time.perf_counter() - started
            report = verify_trail(checkpoint_dir=None, public_keys=[])
            assert report.problem is None, report.problem
            print(
                f"| {writers} | {len(timings)} | {summary_ms(timings)} | "
                f"{len(timings) / elapsed:.0f} |"
            )


if __name__ == "__main__":
    main()
