"""Acknowledged writes for the drills: a practitioner logs involvements and each is audited.

    python benchmarks/drills/writer.py --seconds 20 --out acks.jsonl   (DATABASE_URL set)

Each operation is the application's own ``records.services.involvement_log`` (the involvement,
its consent and its audit event in one transaction) followed by one ``audit_record`` of its
own (a record view). An operation is *acknowledged* when both have returned: committed and, on
PostgreSQL, flushed (``durability_wait``); only then is its line written to ``--out``
(``{"t": ..., "involvement": id, "audit": id}``, flushed). A database error (the primary gone)
is retried after a pause with a fresh connection: an operation that failed was never
acknowledged, so it may or may not exist; one that was acknowledged must exist after any
failover or restore that claims no loss.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sys
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "childindex.config.settings")
os.environ.setdefault("CHILDINDEX_MODE", "test")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import django  # noqa: E402

django.setup()

from django.core.exceptions import PermissionDenied, ValidationError  # noqa: E402
from django.db import DatabaseError, connection, transaction  # noqa: E402

from childindex.access.demo import create_demo_users  # noqa: E402
from childindex.access.models import User  # noqa: E402
from childindex.audit.models import Action  # noqa: E402
from childindex.audit.services import audit_record  # noqa: E402
from childindex.directory.models import LocalAuthority  # noqa: E402
from childindex.records.models import Child  # noqa: E402
from childindex.records.services import involvement_log, practitioner_services  # noqa: E402


def setup() -> tuple[User, list, list[int]]:
    la = LocalAuthority.objects.order_by("pk").first()
    create_demo_users(la)
    actor = User.objects.get(username__startswith="demo-practitioner-")
    services = [s for s in practitioner_services(actor) if s.category == "universal"]
    services = services or practitioner_services(actor)
    children = list(Child.objects.values_list("pk", flat=True))
    return actor, services, children


def one(actor, services, children, today) -> tuple[int, int] | None:
    child = Child.objects.get(pk=random.choice(children))
    try:
        with transaction.atomic():
            involvement = involvement_log(
                actor=actor, child=child, service=random.choice(services), started_on=today
            )
    except (ValidationError, PermissionDenied):
        return None  # already involved, or a date before the child's birth: another child
    event = audit_record(
        actor=actor, action=Action.RECORD_VIEW, purpose="providing_service", children=[child]
    )
    return involvement.pk, event.id


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--stop-file", type=Path, help="stop as soon as this file exists")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=os.getpid())
    args = parser.parse_args()
    random.seed(args.seed)
    actor, services, children = setup()
    today = dt.date.today()
    end = time.monotonic() + args.seconds
    done = failures = 0
    with args.out.open("a") as out:
        while time.monotonic() < end and not (args.stop_file and args.stop_file.exists()):
            try:
                acked = one(actor, services, children, today)
            except DatabaseError:
                failures += 1
                connection.close()
                time.sleep(0.1)
                continue
            if acked is None:
                continue
            out.write(json.dumps({"t": time.time(), "involvement": acked[0], "audit": acked[1]}))
            out.write("\n")
            out.flush()
            done += 1
    print(json.dumps({"acknowledged": done, "failed_attempts": failures}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
