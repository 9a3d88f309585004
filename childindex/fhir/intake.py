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
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from childindex.fhir.mapping import IDENTIFIER_SYSTEMS, SYSTEM_TYPES
from childindex.fhir.models import ApiClient
from childindex.fhir.outcome import FhirError
from childindex.records.models import TransferVia
from childindex.sources.importer import feed_import
from childindex.sources.models import Feed, RecordStatus, RejectedRow, SourceRecord
from childindex.sources.moves import feed_moves_apply

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


@dataclass(frozen=True)
class EntryResult:
    key: str
    status: str  # "201 Created", "200 OK", "400 Bad Request"
    location: str = ""
    outcome: str = ""


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


def bundle_rows(client: ApiClient, bundle: dict[str, Any]) -> list[dict[str, str]]:
    """The Bundle's records as feed rows; raises FhirError (400/403) for the whole Bundle."""
    if bundle.get("resourceType") != "Bundle" or bundle.get("type") != "transaction":
        raise FhirError(400, "invalid", "POST a Bundle of type 'transaction' to /fhir.")
    entries = bundle.get("entry") or []
    if not entries or len(entries) > MAX_ENTRIES:
        raise FhirError(400, "invalid", f"A Bundle needs 1 to {MAX_ENTRIES} entries.")
    patients: dict[str, tuple[int, Any]] = {}
    episodes: list[tuple[int, Any]] = []
    for n, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict) or not isinstance(entry.get("resource"), dict):
            raise _invalid(n, "each entry needs a resource.")
        model = _model(n, entry["resource"])
        if model.get_resource_type() == "Patient":
            patients[entry.get("fullUrl") or f"Patient/{model.id}"] = (n, model)
        else:
            episodes.append((n, model))
    own = source_system(client)
    rows = []
    used = set()
    for n, episode in episodes:
        reference = episode.patient.reference or ""
        if reference not in patients:
            raise _invalid(n, "patient.reference must be the fullUrl of a Patient entry.")
        used.add(reference)
        _, patient = patients[reference]
        key = next((i.value for i in patient.identifier or [] if i.system == own), None)
        if not key:
            raise _invalid(n, f"its Patient needs an identifier with system {own} (your key).")
        organisation = episode.managingOrganization
        code = organisation.identifier.value if organisation and organisation.identifier else ""
        if code != client.organisation.code:
            raise FhirError(
                403,
                "forbidden",
                f"Bundle entry {n}: this client writes only for its own organisation "
                f"({client.organisation.code}); managingOrganization.identifier.value is "
                f"{code[:20] or 'missing'}.",
            )
        service = (episode.type or [None])[0]
        identifiers = {
            SYSTEM_TYPES[i.system].value: i.value
            for i in patient.identifier or []
            if i.system in SYSTEM_TYPES and i.system != IDENTIFIER_SYSTEMS.get("index")
        }
        name = (patient.name or [None])[0]
        address = (patient.address or [None])[0]
        period = episode.period
        rows.append(
            {
                "key": key,
                "given_names": " ".join(name.given or []) if name else "",
                "family_name": (name.family or "") if name else "",
                "date_of_birth": patient.birthDate.isoformat() if patient.birthDate else "",
                "gender": {"female": "female", "male": "male"}.get(patient.gender or "", ""),
                "address_line_1": (address.line or [""])[0] if address else "",
                "town": (address.city or "") if address else "",
                "postcode": (address.postalCode or "") if address else "",
                "organisation_code": code,
                "service_name": (service.text or "") if service else "",
                "start_date": period.start.isoformat() if period and period.start else "",
                "end_date": period.end.isoformat() if period and period.end else "",
                "nhs_number": identifiers.get("nhs", ""),
                "upn": identifiers.get("upn", ""),
            }
        )
    unused = [n for ref, (n, _) in patients.items() if ref not in used]
    if unused:
        raise _invalid(unused[0], "a Patient needs an EpisodeOfCare (the involvement it records).")
    return rows


def bundle_import(*, client: ApiClient, bundle: dict[str, Any]) -> list[EntryResult]:
    """Import the Bundle as one feed file of the client's feed; one result per record."""
    if client.organisation is None:
        raise FhirError(403, "forbidden", "Only an organisation's client sends records.")
    rows = bundle_rows(client, bundle)
    feed = Feed.objects.filter(name=feed_name(client)).first()
    before = (
        dict(SourceRecord.objects.filter(feed=feed).values_list("key", "values_sha256"))
        if feed
        else {}
    )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bundle.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=COLUMNS)
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
        record = records.get(row["key"])
        if number in rejected or record is None:
            results.append(
                EntryResult(row["key"], "400 Bad Request", outcome=rejected.get(number, "rejected"))
            )
            continue
        status = "201 Created" if row["key"] not in before else "200 OK"
        location = ""
        if record.status == RecordStatus.LINKED and record.child is not None:
            location = f"Patient/{record.child.index_number}"
        results.append(EntryResult(row["key"], status, location, record.status))
    return results
