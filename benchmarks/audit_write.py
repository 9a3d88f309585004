"""What writing the audit event adds to a record view, alone and under concurrent writers.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ci_audit_bench CHILDINDEX_MODE=test \\
        python benchmarks/audit_write.py --events 2000 --writers 1,20 --pause-ms 0,50

Each timed call is what a record view adds: one transaction holding ``audit_record`` (the chain
lock, the event row, its child-index row) and its commit. Writers are separate processes, each
with its own connection, as web workers are. ``--pause-ms 0``: every writer writes without pause
(the worst case for the chain lock, which serialises appends until commit); ``--pause-ms 50``:
each writer pauses a random time averaging 50 ms between writes (20 writers then offer about
400 events a second, far above a county's peak). Prints Markdown rows (median, p95, max).

``--modes early,floor`` puts beside each run the floor under the same writers and pauses: a
durable write that is not audited at all (insert one row, commit), which is what the machine's
CPU and disk alone cost at that concurrency.

``--modes early,locked`` compares, in alternating runs under the same conditions, the append as
it is (``early``: the chain lock is released before the commit's flush, and the writer then
waits for the flush) with the append before migration audit.0004 (``locked``: the flush happens
under the lock, so appends queue behind each other's flushes).
"""

from __future__ import annotations

import argparse
import itertools
import multiprocessing
import random
import time

from _audit_common import (  # noqa: I001 - sets Django up first
    empty_audit_tables,
    machine,
    require_bench_postgres,
    summary_ms,
)
from django.db import connection, connections, transaction

from childindex.audit import services
from childindex.audit.services import audit_record
from childindex.audit.verify import verify_trail

MODE = {"name": "early"}


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
        if MODE["name"] == "locked":  # as before audit.0004: flush at commit, under the lock
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO on")
    return time.perf_counter() - started


def floor_one(n: int, k: int) -> float:
    """The floor any durable write pays on this machine: insert one row, commit."""
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("INSERT INTO bench_commit_floor VALUES (%s)", [k])
    return time.perf_counter() - started


def writer(n: int, count: int, pause: float, barrier, results, floor: bool = False) -> None:
    connections.close_all()  # a connection of this process's own
    if MODE["name"] == "locked":
        services.durability_wait = lambda: None  # the commit itself waited
    rng = random.Random(n)
    write_one(n, -1)  # connect and warm up outside the timing
    barrier.wait()
    timings = []
    for k in range(count):
        if pause:
            time.sleep(rng.expovariate(1 / pause))
        timings.append((floor_one if floor else write_one)(n, k))
    results.put(timings)
    connections.close_all()


def run(
    writers: int, per_writer: int, pause: float, floor: bool = False
) -> tuple[list[float], float]:
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(writers + 1)
    results = context.Queue()
    connections.close_all()
    processes = [
        context.Process(target=writer, args=(n, per_writer, pause, barrier, results, floor))
        for n in range(writers)
    ]
    for process in processes:
        process.start()
    barrier.wait()
    started = time.perf_counter()
    timings = [t for _ in processes for t in results.get()]
    elapsed = time.perf_counter() - started
    for process in processes:
        process.join()
    return timings, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000, help="timed writes per run")
    parser.add_argument("--writers", default="1,20", help="comma-separated writer counts")
    parser.add_argument("--pause-ms", default="0,50", help="mean pauses between writes (ms)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each kind")
    parser.add_argument("--modes", default="early", help="early, locked, floor (comma-separated)")
    args = parser.parse_args()
    require_bench_postgres()
    print(f"<!-- {machine()} -->")
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_commit_floor (x integer)")
    floor, _ = run(1, args.events, 0, floor=True)
    print(
        f"<!-- floor: insert one row and commit, 1 writer: median | p95 | max ms = "
        f"{summary_ms(floor)} -->"
    )
    print("| append | writers | mean pause ms | events | median ms | p95 ms | max ms | events/s |")
    print("|---|---|---|---|---|---|---|---|")
    for writers in [int(w) for w in args.writers.split(",")]:
        for pause_ms in [float(p) for p in args.pause_ms.split(",")]:
            for _, mode in itertools.product(range(args.repeat), args.modes.split(",")):
                MODE["name"] = mode
                empty_audit_tables()
                per_writer = max(1, args.events // writers)
                floor = mode == "floor"
                timings, elapsed = run(writers, per_writer, pause_ms / 1000, floor=floor)
                if not floor:
                    report = verify_trail(checkpoint_dir=None, public_keys=[])
                    assert report.problem is None, report.problem
                    assert report.events == writers * (per_writer + 1), report.events
                print(
                    f"| {mode} | {writers} | {pause_ms:g} | {len(timings)} | "
                    f"{summary_ms(timings)} | {len(timings) / elapsed:.0f} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
