"""How long `childindex audit verify` takes over a long trail (target: 1,000,000 events in 30 s).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ci_audit_bench CHILDINDEX_MODE=test \\
        python benchmarks/audit_verify.py --events 1000000

Makes a valid chain of N events (searches and record views, one child each; hashes computed
exactly as ``audit_record`` does) and loads it with COPY, with a signed checkpoint every 10,000
events in a temporary folder; then times the real command, ``childindex audit verify``, in a
fresh process (three runs). Prints Markdown rows for docs/performance.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _audit_common import ROOT, empty_audit_tables, machine, require_bench_postgres  # noqa: I001
from django.db import connection

from childindex.audit import checkpoints
from childindex.audit.chain import GENESIS, event_hash
from childindex.audit.services import trail_origin

START = dt.datetime(2026, 1, 5, 8, 0, tzinfo=dt.UTC)


def rows(count: int, every: int, directory: Path, key):
    previous = GENESIS
    for n in range(1, count + 1):
        search = n % 3 == 0
        fields = {
            "id": n,
            "at": START + dt.timedelta(milliseconds=n * 37),
            "actor_id": None,
            "actor_label": f"user{n % 2800}",
            "actor_role": "practitioner",
            "actor_organisation_id": None,
            "actor_local_authority_id": None,
            "action": "child_search" if search else "record_view",
            "outcome": "allowed",
            "purpose": "" if search else "referral",
            "ip_address": f"192.0.2.{n % 250 + 1}",
            "request_id": f"{n:032x}",
            "children": [f"{10_000_000_000 + n * 7919 % 250_000}"],
            "criteria": {"family_name": "Synthetic", "date_of_birth": "2015-01-02"}
            if search
            else {},
            "shown": {},
            "detail": {"view": "full"},
            "prev_hash": previous,
        }
        previous = event_hash(fields)
        yield fields, previous
        if n % every == 0:
            checkpoints.write_checkpoint(
                directory,
                key,
                origin=checkpoints.origin_line(trail_origin()),
                event_id=n,
                event_hash=previous,
                now=fields["at"],
            )


def load(count: int, directory: Path, key) -> float:
    started = time.perf_counter()
    empty_audit_tables()
    columns = (
        "id, at, actor_id, actor_label, actor_role, actor_organisation_id, "
        "actor_local_authority_id, action, outcome, purpose, ip_address, request_id, children, "
        "criteria, shown, detail, prev_hash, hash"
    )
    links = []
    with connection.cursor() as cursor, cursor.connection.cursor() as raw:
        with raw.copy(f"COPY audit_auditevent ({columns}) FROM STDIN") as copy:
            for fields, digest in rows(count, 10_000, directory, key):
                copy.write_row(
                    [
                        fields["id"],
                        fields["at"],
                        None,
                        fields["actor_label"],
                        fields["actor_role"],
                        None,
                        None,
                        fields["action"],
                        fields["outcome"],
                        fields["purpose"],
                        fields["ip_address"],
                        fields["request_id"],
                        json.dumps(fields["children"]),
                        json.dumps(fields["criteria"]),
                        json.dumps(fields["shown"]),
                        json.dumps(fields["detail"]),
                        fields["prev_hash"],
                        digest,
                    ]
                )
                links.append((fields["children"][0], fields["id"]))
        with raw.copy("COPY audit_auditeventchild (index_number, event_id) FROM STDIN") as copy:
            for link in links:
                copy.write_row(link)
    cursor.connection.commit() if not connection.get_autocommit() else None
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE audit_auditevent")
        cursor.execute("ANALYZE audit_auditeventchild")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    require_bench_postgres()
    with tempfile.TemporaryDirectory() as scratch:
        key_path = Path(scratch) / "key.pem"
        checkpoints.generate_key_pair(key_path)
        key = checkpoints.load_signing_key(key_path)
        folder = Path(scratch) / "checkpoints"
        folder.mkdir()
        loaded = load(args.events, folder, key)
        print(f"<!-- {machine()}; {args.events} events loaded in {loaded:.0f} s -->")
        print("| events | checkpoints | verify s (wall, fresh process) | result |")
        print("|---|---|---|---|")
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "CHILDINDEX_AUDIT_CHECKPOINT_DIR": str(folder),
            "CHILDINDEX_AUDIT_PUBLIC_KEYS": f"{key_path}.pub",
        }
        for _ in range(args.repeat):
            started = time.perf_counter()
            result = subprocess.run(  # noqa: S603 - our own command
                [sys.executable, "-m", "childindex", "audit", "verify"],
                capture_output=True,
                text=True,
                env=env,
                cwd=ROOT,
                check=False,
            )
            elapsed = time.perf_counter() - started
            line = (result.stdout or result.stderr).strip().splitlines()[-1]
            files = len(list(folder.glob("*.json")))
            print(f"| {args.events} | {files} | {elapsed:.1f} | {line} |")


if __name__ == "__main__":
    main()
