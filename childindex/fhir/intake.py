"""Bundle intake: a source system's transaction ``Bundle`` of Patient + EpisodeOfCare entries
goes through the same import pipeline as a CSV feed file (``sources.importer.feed_import``):
each EpisodeOfCare with its Patient becomes one row of the client's own feed, so it gets a
source record, linkage by the feeds' model, review when unsure, change semantics and audit
exactly as a CSV row does. Re-sending the same records changes nothing (the source's own
record key is the Patient's source identifier): a conditional create or update.

A client writes only for its own organisation's services: an entry naming another
organisation is refused, and then the whole Bundle is (a transaction is all or nothing; so is
any entry that is not a valid R4 resource).
"""

from __future__ import annotations

import csv
import hashlib
import logging
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from django.db import connection
from django.utils import timezone
from pydantic import ValidationError

from childindex.fhir.mapping import IDENTIFIER_SYSTEMS, SYSTEM_TYPES
from childindex.fhir.models import ApiClient, BundleJob, BundleJobStatus
from childindex.fhir.outcome import FhirError, operation_outcome
from childindex.records.models import TransferVia
from childindex.sources.estimation import estimates_for
from childindex.sources.importer import FeedImportError, feed_import
from childindex.sources.mapping import RowError, load_mapping, parse_row
from childindex.sources.models import Feed, RecordStatus, RejectedRow, SourceRecord
from childindex.sources.moves import feed_moves_apply
from childindex.sources.reading import NUL_IN_ROW, has_nul

COLUMNS = (
    "key",
    "given_names",
    "family_name",
    "date_of_birth",
    "gender",
    "address_line_1",
    "town",
    "postcode",
    "organisation_code",
    "service_name",
    "start_date",
    "end_date",
    "nhs_number",
    "upn",
)
SOURCE_SYSTEM = "https://fhir.childindex.uk/Id/source/"
MAX_ENTRIES = 10_000
log = logging.getLogger(__name__)


def source_system(client: ApiClient) -> str:
    """The identifier system of a client's own record keys."""
    return f"{SOURCE_SYSTEM}{client.name}"


def feed_name(client: ApiClient) -> str:
    return f"api_{client.name.replace('-', '_')}"[:60]


def mapping_text(client: ApiClient) -> str:
    """The client's feed: a changes feed of its organisation, in its LA."""
    columns = "\n".join(f'{c} = "{c}"' for c in COLUMNS if c not in ("key", "nhs_number", "upn"))
    return f"""[feed]
name = "{feed_name(client)}"
label = "{client.name} (FHIR API)"
local_authority = "{client.local_authority.code}"
kind = "changes"
may_create_children = true

[record]
key = "key"

[columns]
{columns}

[dates]
formats = ["%Y-%m-%d"]

[[identifiers]]
column = "nhs_number"
type = "nhs"

[[identifiers]]
column = "upn"
type = "upn"
"""


# A row's places in the Bundle sent (1-based): its EpisodeOfCare's entry and its Patient's.
ENTRY, PATIENT_ENTRY = "entry", "patient_entry"


@dataclass(frozen=True)
class EntryResult:
    key: str
    status: str  # "201 Created", "200 OK", "400 Bad Request"
    location: str = ""  # the child: Patient/<index number>, when the record is linked
    outcome: str = ""
    entry: int = 0  # the row's EpisodeOfCare entry (0: not known, a job stored before)
    patient_entry: int = 0
    episode_location: str = ""  # EpisodeOfCare/involvement-<id>, the involvement it made


def _invalid(n: int, message: str) -> FhirError:
    return FhirError(400, "invalid", f"Bundle entry {n}: {message}")


def _model(n: int, resource: dict[str, Any]):
    from fhir.resources.R4B import get_fhir_model_class

    kind = resource.get("resourceType")
    if kind not in ("Patient", "EpisodeOfCare"):
        raise _invalid(n, f"only Patient and EpisodeOfCare are accepted, not {str(kind)[:40]}.")
    try:
        return get_fhir_model_class(kind).model_validate(resource)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise _invalid(n, f"invalid {kind} at {where}: {first['msg']}.") from error


def _patient_fields(client: ApiClient, patient: Any) -> tuple[str | None, dict[str, str]]:
    """A Patient's record key (its identifier in the client's own system; None when it has
    none) and the row's Patient half."""
    own = source_system(client)
    key = next((i.value for i in patient.identifier or [] if i.system == own), None)
    identifiers = {
        SYSTEM_TYPES[i.system].value: i.value
        for i in patient.identifier or []
        if i.system in SYSTEM_TYPES and i.system != IDENTIFIER_SYSTEMS.get("index")
    }
    name = (patient.name or [None])[0]
    address = (patient.address or [None])[0]
    return key, {
        "given_names": " ".join(name.given or []) if name else "",
        "family_name": (name.family or "") if name else "",
        "date_of_birth": patient.birthDate.isoformat() if patient.birthDate else "",
        "gender": {"female": "female", "male": "male"}.get(patient.gender or "", ""),
        "address_line_1": (address.line or [""])[0] if address else "",
        "town": (address.city or "") if address else "",
        "postcode": (address.postalCode or "") if address else "",
        "nhs_number": identifiers.get("nhs", ""),
        "upn": identifiers.get("upn", ""),
    }


def _episode_fields(episode: Any) -> tuple[str, str, dict[str, str]]:
    """An EpisodeOfCare's patient reference, managing organisation's code and the row's
    EpisodeOfCare half."""
    organisation = episode.managingOrganization
    code = organisation.identifier.value if organisation and organisation.identifier else ""
    service = (episode.type or [None])[0]
    period = episode.period
    return (
        episode.patient.reference or "",
        code or "",
        {
            "service_name": (service.text or "") if service else "",
            "start_date": period.start.isoformat() if period and period.start else "",
            "end_date": period.end.isoformat() if period and period.end else "",
        },
    )


def bundle_rows(client: ApiClient, bundle: dict[str, Any]) -> list[dict[str, Any]]:
    """The Bundle's records as feed rows (``COLUMNS``, with the row's places in the Bundle:
    ``ENTRY`` and ``PATIENT_ENTRY``); raises FhirError (400/403) for the whole Bundle.

    Each entry's resource is validated once (R4B), and only what its row takes is kept of it
    (not the validated model: a Bundle's thousands of model objects would live to the end)."""
    if bundle.get("resourceType") != "Bundle" or bundle.get("type") != "transaction":
        raise FhirError(400, "invalid", "POST a Bundle of type 'transaction' to /fhir.")
    entries = bundle.get("entry") or []
    if not entries or len(entries) > MAX_ENTRIES:
        raise FhirError(400, "invalid", f"A Bundle needs 1 to {MAX_ENTRIES} entries.")
    patients: dict[str, tuple[int, str | None, dict[str, str]]] = {}
    episodes: list[tuple[int, tuple[str, str, dict[str, str]]]] = []
    for n, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict) or not isinstance(entry.get("resource"), dict):
            raise _invalid(n, "each entry needs a resource.")
        model = _model(n, entry["resource"])
        if model.get_resource_type() == "Patient":
            patients[entry.get("fullUrl") or f"Patient/{model.id}"] = (
                n,
                *_patient_fields(client, model),
            )
        else:
            episodes.append((n, _episode_fields(model)))
    own = source_system(client)
    rows = []
    used = set()
    for n, (reference, code, episode) in episodes:
        if reference not in patients:
            raise _invalid(n, "patient.reference must be the fullUrl of a Patient entry.")
        used.add(reference)
        _, key, patient = patients[reference]
        if not key:
            raise _invalid(n, f"its Patient needs an identifier with system {own} (your key).")
        if code != client.organisation.code:
            raise FhirError(
                403,
                "forbidden",
                f"Bundle entry {n}: this client writes only for its own organisation "
                f"({client.organisation.code}); managingOrganization.identifier.value is "
                f"{code[:20] or 'missing'}.",
            )
        row = {"key": key, **patient, "organisation_code": code, **episode}
        rows.append(
            {
                **{column: row[column] for column in COLUMNS},
                ENTRY: n,
                PATIENT_ENTRY: patients[reference][0],
            }
        )
    unused = [n for ref, (n, _, _) in patients.items() if ref not in used]
    if unused:
        raise _invalid(unused[0], "a Patient needs an EpisodeOfCare (the involvement it records).")
    return rows


# A row's columns that come from its EpisodeOfCare; the rest come from its Patient.
EPISODE_COLUMNS = frozenset({"organisation_code", "service_name", "start_date", "end_date"})
MAX_ISSUES = 50


def refuse_rejected(client: ApiClient, rows: list[dict[str, Any]]) -> None:
    """A transaction is all or nothing (FHIR R4): raises FhirError (400) for the whole Bundle
    when the import would reject one of its records (nothing to identify a child by, a birth
    in the future, no start date, ...): an issue per such entry (the Patient's, or the
    EpisodeOfCare's when the reason is one of its fields), with the reason the row problems
    report gives. A record kept with a warning (an identifier failing its check, say) is not
    refused."""
    mapping = load_mapping(mapping_text(client), source=feed_name(client))
    today = timezone.localdate()
    problems = []
    for number, row in enumerate(rows, start=1):
        values = {column: row[column] for column in COLUMNS}
        try:
            if has_nul(values.values()):  # the import's reader would reject the row
                raise RowError(NUL_IN_ROW)
            parse_row(mapping, values, row_number=number, line_number=number + 1, today=today)
        except RowError as exc:
            place = row[ENTRY] if exc.column in EPISODE_COLUMNS else row[PATIENT_ENTRY]
            problems.append((place, str(exc)))
    if problems:
        issues = [f"Bundle entry {n}: {reason}" for n, reason in sorted(set(problems))]
        more = [f"and {len(issues) - MAX_ISSUES} more entries"] if len(issues) > MAX_ISSUES else []
        raise FhirError(400, "invalid", issues[0], also=[*issues[1:MAX_ISSUES], *more])


def rows_import(*, client: ApiClient, rows: list[dict[str, Any]]) -> list[EntryResult]:
    """Import a Bundle's records (``bundle_rows``) as one feed file of the client's feed; one
    result per record."""
    feed = Feed.objects.filter(name=feed_name(client)).first()
    before = (
        dict(SourceRecord.objects.filter(feed=feed).values_list("key", "values_sha256"))
        if feed
        else {}
    )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bundle.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=COLUMNS, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(rows)
        run = feed_import(
            path=path,
            mapping_text=mapping_text(client),
            source=feed_name(client),
            actor_label=f"api:{client.name}",
        )
    if run.finished_at:
        # A record whose current address lies in another LA moves the child there, as a feed
        # row's does (the same transfer, audit and notifications; ``via`` FHIR).
        feed_moves_apply(run=run, via=TransferVia.FHIR, actor_label=f"api:{client.name}")
    records = {
        r.key: r
        for r in SourceRecord.objects.filter(
            feed=run.feed, key__in=[row["key"] for row in rows]
        ).select_related("child")
    }
    rejected = dict(RejectedRow.objects.filter(run=run).values_list("row_number", "reason"))
    results = []
    for number, row in enumerate(rows, start=1):
        places = {"entry": row.get(ENTRY, 0), "patient_entry": row.get(PATIENT_ENTRY, 0)}
        record = records.get(row["key"])
        if number in rejected or record is None:
            reason = rejected.get(number, "rejected")
            results.append(EntryResult(row["key"], "400 Bad Request", outcome=reason, **places))
            continue
        status = "201 Created" if row["key"] not in before else "200 OK"
        location = episode = ""
        if record.status == RecordStatus.LINKED and record.child is not None:
            location = f"Patient/{record.child.index_number}"
            if record.involvement_id:
                episode = f"EpisodeOfCare/involvement-{record.involvement_id}"
        results.append(
            EntryResult(
                row["key"], status, location, record.status, episode_location=episode, **places
            )
        )
    return results


def _response(status: str, location: str, outcome: str) -> dict[str, Any]:
    response: dict[str, Any] = {"status": status}
    if location:
        response["location"] = location
    if status.startswith("400"):
        response["outcome"] = operation_outcome("invalid", outcome)
    return response


# Which of a Patient's rows speaks for its entry: a rejected one, else a new one.
_STATUS_RANK = {"400 Bad Request": 2, "201 Created": 1}


def transaction_response(results: list[EntryResult]) -> dict[str, Any]:
    """The transaction-response Bundle: one entry per entry sent, in the order sent (FHIR R4).

    An EpisodeOfCare's entry answers for its row (``location`` the involvement it made); a
    Patient's for all its rows (several EpisodeOfCare entries may name one Patient): rejected
    if one was, else created if one was, ``location`` the child. Results kept by a job before
    the rows' places were (``entry`` 0) are answered as then, one entry per record."""
    if any(not r.entry for r in results):
        entries = [{"response": _response(r.status, r.location, r.outcome)} for r in results]
        return {"resourceType": "Bundle", "type": "transaction-response", "entry": entries}
    answers: dict[int, dict[str, Any]] = {}
    speaks: dict[int, EntryResult] = {}
    for r in results:
        answers[r.entry] = _response(r.status, r.episode_location, r.outcome)
        held = speaks.get(r.patient_entry)
        if held is None or _STATUS_RANK.get(r.status, 0) > _STATUS_RANK.get(held.status, 0):
            speaks[r.patient_entry] = r
    for n, r in speaks.items():
        answers[n] = _response(r.status, r.location, r.outcome)
    entries = [{"response": answers[n]} for n in sorted(answers)]
    return {"resourceType": "Bundle", "type": "transaction-response", "entry": entries}


def bundle_import(
    *, client: ApiClient, bundle: dict[str, Any], respond_async: bool = False
) -> dict[str, Any] | BundleJob:
    """A transaction Bundle of the client's records: imported now (the transaction-response
    Bundle), or accepted as a ``BundleJob`` for the worker to import after the response.

    Accepted, not imported now: the client's first Bundle when a linkage model is to be
    estimated for it (its feed's first import of enough rows, issue 11: tens of seconds of
    work, which never runs inside a request; the Bundle is then scored by that model, as a
    first CSV file is); any Bundle sent while an earlier one of the client still waits (its
    records apply in the order sent); and one sent with ``Prefer: respond-async``. Either way
    the Bundle is checked whole first (valid R4, the client's own organisation), so a refusal
    is always immediate and nothing is half written."""
    if client.organisation is None:
        raise FhirError(403, "forbidden", "Only an organisation's client sends records.")
    rows = bundle_rows(client, bundle)
    refuse_rejected(client, rows)
    waiting = BundleJob.objects.filter(client=client, status__in=UNFINISHED).exists()
    feed = Feed.objects.filter(name=feed_name(client)).first()
    if respond_async or waiting or estimates_for(feed, len(rows)):
        return BundleJob.objects.create(
            client=client, entries=len(bundle["entry"]), rows=rows, created_at=timezone.now()
        )
    return transaction_response(rows_import(client=client, rows=rows))


UNFINISHED = (BundleJobStatus.QUEUED, BundleJobStatus.RUNNING)
JOB_FAILED = "The index could not import this Bundle; send it again, or ask the index team."


@contextmanager
def _job_held(job_id: uuid.UUID) -> Iterator[bool]:
    """Whether this worker may run the job: on PostgreSQL it holds a session advisory lock
    named after the job while it runs it (another worker running it holds the lock; a dead
    worker's lock went with its session, so its job, queued again by the clock, runs again
    and its import resumes). SQLite has one worker."""
    if connection.vendor != "postgresql":
        yield True
        return
    key = int.from_bytes(
        hashlib.sha256(b"cibundle:" + job_id.bytes).digest()[:8], "big", signed=True
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        held = bool(cursor.fetchone()[0])
    try:
        yield held
    finally:
        if held and connection.connection is not None:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [key])


def bundle_job_import(*, job_id: uuid.UUID) -> tuple[BundleJob | None, uuid.UUID | None]:
    """Import an accepted Bundle, if it is its client's oldest unfinished one (otherwise it
    waits: the end of the earlier one starts it) and no other worker is running it. A job
    left running by a worker that died runs again (its import resumes where it stopped).
    Returns the job and the client's next waiting job (to be started now). The records are
    dropped from the job once imported."""
    with _job_held(job_id) as held:
        job = BundleJob.objects.filter(pk=job_id).first()
        if job is None or not held or job.finished:
            return job, None
        earlier = BundleJob.objects.filter(
            client_id=job.client_id, status__in=UNFINISHED, created_at__lt=job.created_at
        ).exists()
        if earlier:
            return job, None
        BundleJob.objects.filter(pk=job.pk).update(status=BundleJobStatus.RUNNING)
        client = ApiClient.objects.select_related("organisation", "local_authority", "account").get(
            pk=job.client_id
        )
        results: list[EntryResult] = []
        diagnostics = ""
        try:
            if not client.is_active:
                raise FhirError(403, "forbidden", "The client was revoked before its Bundle ran.")
            results = rows_import(client=client, rows=job.rows)
        except (FhirError, FeedImportError) as error:
            diagnostics = str(error)[:300]
        except Exception:
            log.exception("a FHIR Bundle job failed")
            diagnostics = JOB_FAILED
        job.status = BundleJobStatus.FAILED if diagnostics else BundleJobStatus.DONE
        job.results = [  # not the source's own keys
            {name: value for name, value in asdict(r).items() if name != "key"} for r in results
        ]
        job.rows, job.diagnostics, job.finished_at = [], diagnostics, timezone.now()
        job.save(update_fields=["status", "results", "rows", "diagnostics", "finished_at"])
    following = (
        BundleJob.objects.filter(client_id=job.client_id, status=BundleJobStatus.QUEUED)
        .order_by("created_at")
        .values_list("pk", flat=True)
        .first()
    )
    return job, following


def bundle_job_response(job: BundleJob) -> dict[str, Any]:
    """A finished job's answer as FHIR's asynchronous pattern gives it: a batch-response
    Bundle whose one entry is the transaction's own response."""
    results = [EntryResult("", **r) for r in job.results]
    return {
        "resourceType": "Bundle",
        "type": "batch-response",
        "entry": [{"resource": transaction_response(results), "response": {"status": "200 OK"}}],
    }
