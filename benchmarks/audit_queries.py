""""Who accessed this child" and "what did this user access" over 10,000,000 events.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ci_audit_bench CHILDINDEX_MODE=test \\
        python benchmarks/audit_queries.py --events 10000000

Generates the events with bulk SQL on PostgreSQL (``INSERT ... SELECT ... FROM
generate_series``, a million rows a statement, into the real tables with their indexes and
foreign keys): 2,800 users of one LA, 250,000 children, every third event a search, one child
per event (so about 40 events per child and 3,600 per user). The hashes are placeholders: this
measures reads, not the chain (``audit_verify.py`` does). An existing trail of the right size
is reused. Then times, for 100 random children and 100 random users, the page's query (the
newest 200 events) and the whole selector the page calls (policy check, the auditor's own audit
event, the query). Prints Markdown rows (median, p95, max) for docs/performance.md.
"""

from __future__ import annotations

import argparse
import random
import time

from _audit_common import (  # noqa: I001 - sets Django up first
    empty_audit_tables,
    machine,
    require_bench_postgres,
    summary_ms,
)
from django.db import connection, transaction

from childindex.access.models import Role, User
from childindex.access.testing import authenticator
from childindex.audit.models import AuditEvent
from childindex.directory.models import LocalAuthority
from childindex.monitoring import selectors
from childindex.records.models import Child

USERS = 2800
CHILDREN = 250_000
BATCH = 1_000_000


def child_number(n: int) -> str:
    return "1" + str(n).rjust(10, "0")


def setup_people() -> tuple[LocalAuthority, list[int], User]:
    la, _ = LocalAuthority.objects.get_or_create(
        code="E99999999",
        defaults={
            "name": "Benchmark County",
            "nation": "england",
            "index_team_phone": "01632 960000",
            "index_team_email": "index@bench.example",
        },
    )
    existing = list(
        User.objects.filter(username__startswith="bench-user-")
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if len(existing) < USERS:
        User.objects.bulk_create(
            [
                User(username=f"bench-user-{n}", password="!", local_authority=la)  # noqa: S106
                for n in range(len(existing), USERS)
            ]
        )
        existing = list(
            User.objects.filter(username__startswith="bench-user-")
            .order_by("pk")
            .values_list("pk", flat=True)
        )
    auditor = User.objects.filter(username="bench-auditor").first()
    if auditor is None:
        import datetime as dt

        today = dt.date.today()
        auditor = User.objects.create(
            username="bench-auditor",
            password="!",  # noqa: S106
            role=Role.AUDITOR,
            local_authority=la,
            approved_on=today,
            dbs_checked_on=today,
            training_completed_on=today,
        )
        authenticator(auditor)  # a confirmed two-factor device: the policy asks for one
    return la, existing, auditor


def generate(events: int, user_ids: list[int], la: LocalAuthority) -> float:
    started = time.perf_counter()
    empty_audit_tables()
    with connection.cursor() as cursor:
        for first in range(1, events + 1, BATCH):
            last = min(events, first + BATCH - 1)
            with transaction.atomic():
                cursor.execute(
                    """
                    INSERT INTO audit_auditevent (id, at, actor_id, actor_label, actor_role,
                      actor_organisation_id, actor_local_authority_id, action, outcome, purpose,
                      ip_address, request_id, children, criteria, shown, detail, prev_hash, hash)
                    SELECT g,
                      timestamptz '2025-01-06 08:00+00' + g * interval '3 seconds',
                      (%(users)s::bigint[])[1 + (g * 7) %% %(n_users)s],
                      'bench-user-' || ((g * 7) %% %(n_users)s), 'practitioner', NULL, %(la)s,
                      CASE WHEN g %% 3 = 0 THEN 'child_search' ELSE 'record_view' END,
                      'allowed', CASE WHEN g %% 3 = 0 THEN '' ELSE 'referral' END,
                      '192.0.2.1', '',
                      jsonb_build_array('1' || lpad(((g * 7919) %% %(n_children)s)::text, 10, '0')),
                      '{}', '{}', '{}', repeat('0', 64), md5(g::text) || md5(g::text)
                    FROM generate_series(%(first)s::bigint, %(last)s::bigint) AS g
                    """,
                    {
                        "users": user_ids,
                        "n_users": len(user_ids),
                        "n_children": CHILDREN,
                        "la": la.pk,
                        "first": first,
                        "last": last,
                    },
                )
                cursor.execute(
                    """
                    INSERT INTO audit_auditeventchild (index_number, event_id)
                    SELECT '1' || lpad(((g * 7919) %% %(n_children)s)::text, 10, '0'), g
                    FROM generate_series(%(first)s::bigint, %(last)s::bigint) AS g
                    """,
                    {"n_children": CHILDREN, "first": first, "last": last},
                )
            print(
                f"<!-- generated {last} events, {time.perf_counter() - started:.0f} s -->",
                flush=True,
            )
        cursor.execute("VACUUM ANALYZE audit_auditevent") if connection.get_autocommit() else None
        cursor.execute("ANALYZE audit_auditeventchild")
    return time.perf_counter() - started


def timed(call) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--regenerate", action="store_true")
    args = parser.parse_args()
    require_bench_postgres()
    la, user_ids, auditor = setup_people()
    present = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    generated = ""
    if args.regenerate or present < args.events:  # the selectors append their own events
        generated = f"; generated in {generate(args.events, user_ids, la):.0f} s"
    rng = random.Random(7)
    numbers = [child_number(rng.randrange(CHILDREN)) for _ in range(args.samples)]
    for number in numbers:
        Child.objects.get_or_create(
            index_number=number,
            defaults={"date_of_birth": "2015-01-02", "gender": "female", "responsible_la": la},
        )
    usernames = [f"bench-user-{rng.randrange(USERS)}" for _ in range(args.samples)]
    users = {u.username: u for u in User.objects.filter(username__in=usernames)}

    rows = {
        "who accessed this child: query (newest 200)": [
            timed(lambda n=n: list(selectors._child_events(n, selectors.Period())[:201]))
            for n in numbers
        ],
        "what did this user access: query (newest 200)": [
            timed(lambda u=u: list(selectors._user_events(users[u], selectors.Period())[:201]))
            for u in usernames
        ],
        "who accessed this child: whole selector (policy, own audit event, query)": [
            timed(lambda n=n: selectors.child_access_history(auditor=auditor, index_number=n))
            for n in numbers
        ],
        "what did this user access: whole selector": [
            timed(lambda u=u: selectors.user_access_history(auditor=auditor, username=u))
            for u in usernames
        ],
    }
    total = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
    print(f"<!-- {machine()}; {total} events{generated} -->")
    print("| question | samples | median ms | p95 ms | max ms |")
    print("|---|---|---|---|---|")
    for label, timings in rows.items():
        print(f"| {label} | {len(timings)} | {summary_ms(timings)} |")


if __name__ == "__main__":
    main()
