"""Search benchmark: latency (selector and HTTP) and quality (recall@1, recall@5) on a population.

    PYTHONPATH=. CHILDINDEX_MODE=test python benchmarks/search.py --load 250000
    PYTHONPATH=. CHILDINDEX_MODE=test python benchmarks/search.py            # reuse the population

The database is ``var/bench/childindex.sqlite3`` unless DATABASE_URL is set (a PostgreSQL
database of its own, never a real one). ``--load N`` fills an empty database with N synthetic
children (``--generator`` uses ``childindex generate`` instead, where it exists) and rebuilds the
search keys. Results are printed as Markdown for docs/performance.md. Not a test: it measures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("CHILDINDEX_MODE", "test")
os.environ.setdefault("CHILDINDEX_VAR_DIR", str(ROOT / "var" / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "childindex.config.settings")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def typo(rng: random.Random, word: str) -> str:
    if len(word) < 4:
        return word
    i = rng.randint(1, len(word) - 2)
    kind = rng.choice(("drop", "swap", "change", "double"))
    if kind == "drop":
        return word[:i] + word[i + 1 :]
    if kind == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind == "change":
        return word[:i] + rng.choice("aeiourstnl") + word[i + 1 :]
    return word[:i] + word[i] + word[i:]


def build_queries(rng: random.Random, per_kind: int) -> dict[str, list[tuple[dict, str]]]:
    """Queries made from the population, each with the index number it should find."""
    from django.db.models import Count

    from childindex.records.models import Child, ChildAddress, ChildName, NameKind
    from childindex.records.search_text import name_tokens
    from childindex.records.search_text import variants as search_variants

    # Drawn by the seeded generator from every candidate in a fixed order (never the
    # database's own random order), so the same seed on the same data gives the same queries
    # and two trees compared on one database meet the same ones.
    def sample(queryset, n):
        ids = sorted(set(queryset.values_list("pk", flat=True)))
        return rng.sample(ids, min(n, len(ids)))

    live = Child.objects.filter(status="active", shielded=False)
    plain_ids = sample(live, per_kind * 12)
    former_ids = sample(live.filter(names__kind=NameKind.FORMER), per_kind)
    groups = list(
        live.values("date_of_birth", "addresses__postcode")
        .annotate(n=Count("pk"))
        .filter(n__gte=2)
        .order_by("date_of_birth", "addresses__postcode")
    )
    twin_dobs = rng.sample(groups, min(per_kind, len(groups)))
    twin_ids = []
    for row in twin_dobs:
        twin_ids += list(
            live.filter(
                date_of_birth=row["date_of_birth"], addresses__postcode=row["addresses__postcode"]
            )
            .order_by("pk")
            .values_list("pk", flat=True)[:2]
        )
    wanted = set(plain_ids) | set(former_ids) | set(twin_ids)
    names = defaultdict(dict)
    for child_id, kind, given, family in ChildName.objects.filter(child_id__in=wanted).values_list(
        "child_id", "kind", "given_names", "family_name"
    ):
        names[child_id][kind] = (given, family)
    postcodes = {
        c: p
        for c, p in ChildAddress.objects.filter(
            child_id__in=wanted, lived_until__isnull=True
        ).values_list("child_id", "postcode")
    }
    info = {c.pk: c for c in Child.objects.filter(pk__in=wanted)}

    queries: dict[str, list[tuple[dict, str]]] = defaultdict(list)
    pool = iter(plain_ids)
    for kind in (
        "name+dob",
        "typo+dob",
        "swapped dob",
        "nickname+dob",
        "name+postcode",
        "name+district+year",
    ):
        while len(queries[kind]) < per_kind:
            try:
                child_id = next(pool)
            except StopIteration:
                break
            child = info[child_id]
            given, family = names[child_id][NameKind.CURRENT]
            first = given.split()[0]
            born = child.date_of_birth
            q = {"name": f"{first} {family}", "date_of_birth": born.isoformat()}
            if kind == "typo+dob":
                if rng.random() < 0.5:
                    q["name"] = f"{typo(rng, first)} {family}"
                else:
                    q["name"] = f"{first} {typo(rng, family)}"
            elif kind == "swapped dob":
                if born.day > 12 or born.day == born.month:
                    continue
                swapped = born.replace(day=born.month, month=born.day)
                if swapped > dt.date.today():
                    continue  # a date in the future is refused, not searched
                q["date_of_birth"] = swapped.isoformat()
            elif kind == "nickname+dob":
                token = name_tokens(first)[0]
                variants = sorted(search_variants(token) - {token})
                if not variants:
                    continue
                q["name"] = f"{rng.choice(variants).title()} {family}"
            elif kind in ("name+postcode", "name+district+year") and not postcodes.get(child_id):
                continue  # no known address
            elif kind == "name+postcode":
                q = {"name": f"{first} {family}", "postcode": postcodes[child_id]}
            elif kind == "name+district+year":
                q = {
                    "name": f"{first} {family}",
                    "postcode": postcodes[child_id].split()[0],
                    "date_of_birth": str(born.year),
                }
            queries[kind].append((q, child.index_number))
    for child_id in former_ids:
        given, family = names[child_id][NameKind.FORMER]
        queries["former name+dob"].append(
            (
                {
                    "name": f"{given.split()[0]} {family}",
                    "date_of_birth": info[child_id].date_of_birth.isoformat(),
                },
                info[child_id].index_number,
            )
        )
    for child_id in twin_ids:
        given, family = names[child_id][NameKind.CURRENT]
        queries["twin name+dob"].append(
            (
                {
                    "name": f"{given.split()[0]} {family}",
                    "date_of_birth": info[child_id].date_of_birth.isoformat(),
                },
                info[child_id].index_number,
            )
        )
    return queries


def operator():
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from childindex.access.models import User
    from childindex.audit.models import UsageThresholds
    from childindex.directory.models import LocalAuthority

    user = User.objects.filter(username="bench-operator").first()
    if user is None:
        today = dt.date.today()
        user = User.objects.create_user(
            username="bench-operator",
            password=None,
            role="practitioner",
            local_authority=LocalAuthority.objects.first(),
            approved_on=today,
            dbs_checked_on=today,
            training_completed_on=today,
        )
        TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
    # The benchmark searches thousands of times a minute: its LA's per-user search limits
    # (access.search_limits) are raised for it, as in benchmarks/fhir_api.py.
    UsageThresholds.objects.update_or_create(
        local_authority_id=user.local_authority_id,
        defaults={"search_limit_per_minute": 10**6, "search_limit_per_day": 10**7},
    )
    # As in a request after sign-in: django-otp's middleware has loaded the verified device.
    user.otp_device = TOTPDevice.objects.get(user=user, name="bench")
    return user


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--load", type=int, default=0, help="load N children into an empty db")
    parser.add_argument("--generator", default="", help="arguments for `childindex generate`")
    parser.add_argument("--queries", type=int, default=200, help="queries per kind")
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument("--skip-http", action="store_true")
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from childindex.access.testing import sign_in_verified
    from childindex.records.models import Child
    from childindex.records.search import parse_criteria
    from childindex.records.search_index import search_index_rebuild
    from childindex.records.search_models import ChildSearchKey
    from childindex.records.selectors import child_search

    call_command("migrate", verbosity=0)
    if args.load or args.generator:
        if Child.objects.exists():
            print("The benchmark database already holds children: reusing them.", file=sys.stderr)
        else:
            started = time.perf_counter()
            if args.generator:
                call_command("generate", *args.generator.split())  # --load builds the keys
            else:
                from benchmarks.population import build_population

                build_population(args.load)
            print(f"Loaded in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    total = Child.objects.count()
    keys = ChildSearchKey.objects.count()
    if not total:
        print("No children: run with --load N first.", file=sys.stderr)
        return 1
    if keys == 0:
        search_index_rebuild()
        keys = ChildSearchKey.objects.count()
    with connection.cursor() as cursor:
        # After a bulk load: fresh planner statistics, and on PostgreSQL the visibility map that
        # lets key lookups be index-only scans (what autovacuum does in time on a live index).
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")

    rng = random.Random(args.seed)
    actor = operator()
    queries = build_queries(rng, args.queries)
    client = Client()
    sign_in_verified(client, actor)  # both factors, as after the authenticator's code
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]

    def form_fields(q: dict) -> dict:
        fields = {"name": q.get("name", ""), "postcode": q.get("postcode", "")}
        dob = q.get("date_of_birth", "")
        if len(dob) == 4:
            fields["dob_year"] = dob
        elif dob:
            fields["dob_year"], fields["dob_month"], fields["dob_day"] = dob.split("-")
        return fields

    # Warm caches (Python's and the database's) with a few queries first.
    for q, _ in queries["name+dob"][:20]:
        child_search(actor=actor, criteria=parse_criteria(**q))

    print(
        f"\n{total:,} children, {keys:,} search keys, {connection.vendor}, "
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs\n"
    )
    # A national search: with several LAs most children sought live in another LA than the
    # searcher's own, and a practitioner's search covers every LA.
    from childindex.directory.models import LocalAuthority

    las = LocalAuthority.objects.count()
    if las > 1:
        sought = {truth for items in queries.values() for _, truth in items}
        elsewhere = (
            Child.objects.filter(index_number__in=sought)
            .exclude(responsible_la=actor.local_authority_id)
            .count()
        )
        print(
            f"{las} LAs: {elsewhere:,} of the {len(sought):,} children sought live in another "
            f"LA than the searcher's ({actor.local_authority.code}).\n"
        )
    print(
        "| query kind | n | recall@1 | recall@5 | misses@1 tied | selector median ms "
        "| selector p95 ms | HTTP median ms | HTTP p95 ms |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    overall = {"n": 0, "r1": 0, "r5": 0, "ties": 0}
    for kind, items in queries.items():
        hits1 = hits5 = ties = 0
        selector_ms, http_ms = [], []
        for q, truth in items:
            criteria = parse_criteria(**q)
            started = time.perf_counter()
            matches = child_search(actor=actor, criteria=criteria)
            selector_ms.append((time.perf_counter() - started) * 1000)
            ranked = [m.index_number for m in matches]
            hits1 += ranked[:1] == [truth]
            hits5 += truth in ranked[:5]
            if ranked[:1] != [truth] and truth in ranked:
                found = matches[ranked.index(truth)]
                ties += found.score == matches[0].score
            if not args.skip_http:
                started = time.perf_counter()
                # Post, redirect, get: the results page a person sees.
                response = client.post("/search/", form_fields(q), follow=True)
                http_ms.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, response.status_code
        n = len(items)
        if not n:
            continue
        overall["n"] += n
        overall["r1"] += hits1
        overall["r5"] += hits5
        overall["ties"] += ties
        http = (
            f"{statistics.median(http_ms):.1f} | {percentile(http_ms, 95):.1f}"
            if http_ms
            else "– | –"
        )
        print(
            f"| {kind} | {n} | {hits1 / n:.3f} | {hits5 / n:.3f} | {ties} | "
            f"{statistics.median(selector_ms):.1f} | {percentile(selector_ms, 95):.1f} | {http} |"
        )
    print(
        f"| **all** | {overall['n']} | {overall['r1'] / overall['n']:.3f} | "
        f"{overall['r5'] / overall['n']:.3f} | {overall['ties']} | | | | |"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
