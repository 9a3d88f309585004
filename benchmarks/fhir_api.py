"""FHIR API benchmark: ``Patient/$match`` latency and transaction-Bundle intake throughput.

    DATABASE_URL=sqlite:////path/to/copy.sqlite3 PYTHONPATH=. CHILDINDEX_MODE=test \\
        nice -n 10 .venv/bin/python benchmarks/fhir_api.py --matches 300 --bundle 1000

Runs against an existing, already loaded index (a COPY of /work/var/bench250k.sqlite3, or a
PostgreSQL copy of bench_1m_base): migrates it, makes a GP client and a school feed client
(with limits high enough not to refuse the benchmark), then

- ``$match``: for children drawn at random (seeded), POSTs a Parameters resource with their
  current name, date of birth and postcode through the whole Django stack (token check, the
  access policy, the search, the feeds' linkage model, the audit event) with Django's test
  client, and reports the median and p95 of the wall-clock time per call;
- Bundle: one transaction Bundle of ``--bundle`` entries (Patient + EpisodeOfCare pairs of
  children drawn at random, as a school would send them) through ``POST /fhir`` (the feed
  import pipeline), reporting entries a second. Background tasks (the reports recount an
  import queues) are enqueued in the database, as in production, for a worker to run after the
  response; the test settings would run them inline in the request.

Not a test: it measures. Results go into docs/performance.md.
"""

from __future__ import annotations

import argparse
import base64
import gc
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("CHILDINDEX_MODE", "test")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "childindex.config.settings")


PRODUCTION_TASKS = {
    "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
}


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def _profile_report(profiler, label: str) -> None:
    if profiler is None:
        return
    import io
    import pstats

    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).sort_stats("cumulative")
    stats.print_stats(r"childindex|oauth2_provider|sqlite3|psycopg", 45)
    print(f"## profile: {label}")
    print(out.getvalue())
    profiler.clear()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--matches", type=int, default=300)
    parser.add_argument("--bundle", type=int, default=1000, help="entries (0: skip)")
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="later Bundles (each of new records, then re-sent unchanged): median and p95",
    )
    parser.add_argument(
        "--profile", action="store_true", help="print where the time goes (cProfile, top 30)"
    )
    args = parser.parse_args()
    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import override_settings, setup_test_environment
    from django_tasks_db.models import DBTaskResult

    from childindex.audit.models import UsageThresholds
    from childindex.directory.models import LocalAuthority, Organisation, Service
    from childindex.fhir.intake import source_system
    from childindex.fhir.models import ApiClient, ClientKind
    from childindex.fhir.services import api_client_create
    from childindex.records.models import Child, ChildAddress, ChildName

    setup_test_environment()
    settings.ALLOWED_HOSTS = ["*"]
    # Background tasks as production runs them: enqueued in the database (django_tasks_db, the
    # queue `childindex db_worker` serves) and run by a worker after the response, not inline
    # in the request as the test settings' immediate backend would (an import's reports
    # recount was three quarters of a Bundle's time that way). The request still pays for
    # enqueueing; the jobs it queued are counted below and left for a worker.
    override_settings(TASKS=PRODUCTION_TASKS).enable()
    call_command("migrate", verbosity=0, interactive=False)
    la = LocalAuthority.objects.order_by("pk").first()
    UsageThresholds.objects.update_or_create(
        local_authority=la,
        defaults={"search_limit_per_minute": 10**6, "search_limit_per_day": 10**7},
    )
    run = f"{int(time.time())}"
    gp_org = Organisation.objects.filter(local_authority=la, type="gp_practice").first()
    gp = api_client_create(
        actor_label="benchmark",
        name=f"bench-gp-{run}",
        kind=ClientKind.GP_SYSTEM,
        local_authority=la,
        organisation=gp_org,
        rate_limit_per_minute=10**6,
    )
    http = Client()

    def bearer(issued):
        basic = base64.b64encode(f"{issued.client_id}:{issued.client_secret}".encode()).decode()
        token = http.post(
            "/fhir/auth/token",
            {"grant_type": "client_credentials"},
            HTTP_AUTHORIZATION=f"Basic {basic}",
        ).json()["access_token"]
        return {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    rng = random.Random(args.seed)
    count = Child.objects.count()
    max_id = Child.objects.order_by("-pk").values_list("pk", flat=True).first()
    print(f"# FHIR API benchmark: {count:,} children on {connection.vendor}")

    def sample(n):
        ids = set()
        while len(ids) < n:
            ids.add(rng.randint(1, max_id))
        children = {
            c.pk: c for c in Child.objects.filter(pk__in=ids, status="active", shielded=False)
        }
        names = {
            n.child_id: n for n in ChildName.objects.filter(child_id__in=children, kind="current")
        }
        postcodes = dict(
            ChildAddress.objects.filter(
                child_id__in=children, lived_until__isnull=True
            ).values_list("child_id", "postcode")
        )
        return [
            (c, names[c.pk], postcodes.get(c.pk, "")) for c in children.values() if c.pk in names
        ]

    headers = bearer(gp)
    wanted = sample(args.matches + 20) if args.matches else []
    times, certain, found = [], 0, 0
    for n, (child, name, postcode) in enumerate(wanted):
        patient = {
            "resourceType": "Patient",
            "name": [{"family": name.family_name, "given": name.given_names.split()}],
            "birthDate": child.date_of_birth.isoformat(),
        }
        if postcode:
            patient["address"] = [{"postalCode": postcode}]
        body = json.dumps(
            {"resourceType": "Parameters", "parameter": [{"name": "resource", "resource": patient}]}
        )
        if profiler and n >= 20:
            profiler.enable()
        started = time.perf_counter()
        response = http.post(
            "/fhir/Patient/$match", body, content_type="application/fhir+json", **headers
        )
        elapsed = (time.perf_counter() - started) * 1000
        if profiler:
            profiler.disable()
        assert response.status_code == 200, response.content[:300]
        if n < 20:
            continue  # warm-up
        times.append(elapsed)
        entries = json.loads(response.content).get("entry", [])
        if entries and entries[0]["resource"]["id"] == child.index_number:
            found += 1
            if entries[0]["search"]["extension"][0]["valueCode"] == "certain":
                certain += 1
    if times:
        print(
            f"$match | {len(times)} calls | median {statistics.median(times):.1f} ms | "
            f"p95 {percentile(times, 95):.1f} ms | max {max(times):.1f} ms | "
            f"the child first {found / len(times):.1%}, graded certain {certain / len(times):.1%}"
        )
    if times:
        _profile_report(profiler, "$match")

    if args.bundle:
        service = (
            Service.objects.filter(organisation__local_authority=la, organisation__type="school")
            .select_related("organisation")
            .first()
        )
        feed = api_client_create(
            actor_label="benchmark",
            name=f"bench-feed-{run}",
            kind=ClientKind.FEED,
            local_authority=la,
            organisation=service.organisation,
            rate_limit_per_minute=10**6,
        )
        client = ApiClient.objects.get(name=feed.client.name)
        half = args.bundle // 2

        def bundle_entries(drawn, prefix):
            entries = []
            for n, (child, name, postcode) in enumerate(drawn):
                entries.append(
                    {
                        "fullUrl": f"urn:uuid:p{n}",
                        "resource": {
                            "resourceType": "Patient",
                            "identifier": [
                                {"system": source_system(client), "value": f"{prefix}{run}-{n}"}
                            ],
                            "name": [
                                {"family": name.family_name, "given": name.given_names.split()}
                            ],
                            "birthDate": child.date_of_birth.isoformat(),
                            "address": [{"postalCode": postcode}] if postcode else [],
                        },
                        "request": {"method": "PUT", "url": "Patient"},
                    }
                )
                entries.append(
                    {
                        "resource": {
                            "resourceType": "EpisodeOfCare",
                            "status": "active",
                            "patient": {"reference": f"urn:uuid:p{n}"},
                            "managingOrganization": {
                                "identifier": {"value": service.organisation.code}
                            },
                            "type": [{"text": service.name}],
                            "period": {"start": "2026-09-01"},
                        },
                        "request": {"method": "POST", "url": "EpisodeOfCare"},
                    }
                )
            return entries

        # The client's first Bundle (its feed's first import, for which a linkage model is
        # estimated on the LA's data, once per source), then ``--repeat`` later Bundles of new
        # records of other children (a client's steady state: the target), each sent
        # again unchanged. The token is fetched before the clock starts.
        drawn = sample((1 + args.repeat) * half)
        first = bundle_entries(drawn[:half], "a")
        sends = [("a new client's first Bundle (model estimated)", first)]
        for r in range(args.repeat):
            later = bundle_entries(drawn[(1 + r) * half : (2 + r) * half], f"b{r}-")
            sends.append(("a later Bundle of new records", later))
            sends.append(("the later Bundle re-sent (unchanged)", later))
        headers = bearer(feed)
        collecting = {"cpu": 0.0, "started": 0.0}

        def collected(phase, _info):  # the garbage collector's CPU time inside a request
            if phase == "start":
                collecting["started"] = time.process_time()
            else:
                collecting["cpu"] += time.process_time() - collecting["started"]

        gc.callbacks.append(collected)
        measured: dict[str, list[tuple[float, float, float]]] = {}
        sizes: dict[str, list[int]] = {}
        for n, (label, entries) in enumerate(sends):
            profiled = profiler is not None and n == 1
            body = json.dumps({"resourceType": "Bundle", "type": "transaction", "entry": entries})
            if profiled:
                profiler.enable()
            collecting["cpu"] = 0.0
            started, cpu = time.perf_counter(), time.process_time()
            response = http.post("/fhir", body, content_type="application/fhir+json", **headers)
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
            in_gc = collecting["cpu"]
            if profiled:
                profiler.disable()
                _profile_report(profiler, label)
            assert response.status_code in (200, 202), response.content[:300]
            worker = ""
            if response.status_code == 202:
                # Accepted for the worker (a client's first Bundle: its model is estimated
                # after the response). The worker's job runs here, outside the request, as
                # `childindex db_worker` would run it; then the status URL is polled.
                from childindex.fhir.tasks import bundle_job_run

                job_id = response["Content-Location"].rstrip("/").rsplit("/", 1)[1]
                job_started, job_cpu = time.perf_counter(), time.process_time()
                bundle_job_run.call(job_id)
                job_elapsed = time.perf_counter() - job_started
                job_cpu = time.process_time() - job_cpu
                worker = (
                    f" | 202 Accepted; the worker's job {job_elapsed:.2f} s, CPU {job_cpu:.2f} s"
                )
                response = http.get(response["Content-Location"], **headers)
                assert response.status_code == 200, response.content[:300]
                answer = json.loads(response.content)["entry"][0]["resource"]
            else:
                answer = json.loads(response.content)
            # One answer per entry sent (FHIR R4); a record's is its EpisodeOfCare entry's.
            statuses = [
                a["response"]["status"]
                for a, sent in zip(answer["entry"], entries, strict=True)
                if sent["resource"]["resourceType"] == "EpisodeOfCare"
            ]
            queued = DBTaskResult.objects.filter(status="READY").count()
            measured.setdefault(label, []).append((elapsed, cpu, in_gc))
            sizes.setdefault(label, []).append(len(entries))
            print(
                f"Bundle {label} | {len(entries)} entries ({len(statuses)} records) | "
                f"{elapsed:.2f} s | {len(entries) / elapsed:,.0f} entries/s | CPU {cpu:.2f} s "
                f"({len(entries) / cpu:,.0f} entries/s; garbage collection {in_gc:.2f} s) | "
                f"{statuses.count('201 Created')} created, {statuses.count('200 OK')} ok | "
                f"{queued} background job(s) queued for the worker{worker}"
            )
        gc.callbacks.remove(collected)
        for label, runs in measured.items():
            if len(runs) < 2:
                continue
            elapsed_s, cpu_s, gc_s = (sorted(column) for column in zip(*runs, strict=True))
            print(
                f"Summary: {label} | {len(runs)} runs of {min(sizes[label])}-{max(sizes[label])} "
                "entries | "
                f"elapsed median {statistics.median(elapsed_s):.3f} s, "
                f"p95 {percentile(elapsed_s, 95):.3f} s | CPU median "
                f"{statistics.median(cpu_s):.3f} s, p95 {percentile(cpu_s, 95):.3f} s | "
                f"garbage collection median {statistics.median(gc_s):.3f} s, "
                f"p95 {percentile(gc_s, 95):.3f} s"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
