"""Reading a chunk's rows into the index's terms, and sorting them into new records and
records received before.

A row that cannot be used is a row problem (``BadRow``) with its reason; a row kept is a
``WorkRow`` that deciding and writing fill in.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Protocol

from childindex.consent.rules import basis_for_service
from childindex.directory.models import Practitioner, Service
from childindex.linkage.decide import Decision
from childindex.sources.bulk import select_in, table
from childindex.sources.mapping import Mapping, ParsedRow, RowError, parse_row
from childindex.sources.models import SourceRecord
from childindex.sources.reading import BadRow, RawRow

# --- the catalogue of services and practitioners -------------------------------------------


class Catalogue:
    """The directory's services (by organisation code and name) and practitioners (by
    e-mail) of the feed's own LA, read once per import.

    A feed writes only for its own LA's organisations: a row naming another LA's service is a
    row problem (rejected with its reason), never a write, and another LA's practitioner is not
    named on an involvement."""

    def __init__(self, local_authority_id: int) -> None:
        self.services: dict[tuple[str, str], tuple[int, str]] = {}
        self.elsewhere: set[tuple[str, str]] = set()
        for pk, code, name, category, sensitive, la_id in Service.objects.values_list(
            "pk",
            "organisation__code",
            "name",
            "category",
            "sensitive",
            "organisation__local_authority_id",
        ):
            key = (code.casefold(), name.casefold())
            if la_id != local_authority_id:
                self.elsewhere.add(key)
                continue
            basis = basis_for_service(category=category, sensitive=sensitive).value
            self.services.setdefault(key, (pk, basis))
        self.practitioners = {
            email.lower(): pk
            for pk, email in Practitioner.objects.filter(
                organisation__local_authority_id=local_authority_id
            ).values_list("pk", "secure_email")
        }

    def service(self, row: ParsedRow) -> tuple[int, str]:
        key = (row.organisation_code.casefold(), row.service_name.casefold())
        found = self.services.get(key)
        if found is None and key in self.elsewhere:
            raise RowError(
                f"organisation {row.organisation_code[:20]} belongs to another local authority: "
                "a feed writes only for its own LA's organisations"
            )
        if found is None:
            raise RowError(
                f"organisation {row.organisation_code[:20]} has no service named "
                f"{row.service_name[:60]!r} in the directory"
            )
        return found


@dataclass(slots=True)
class Known:
    """What deciding needs of a source record received before (a model instance apiece cost
    more than the rest of a re-sent file's import)."""

    key: str
    id: int
    feed_id: int
    last_run_id: int
    row_number: int
    values_sha256: str
    withdrawn_run_id: int | None
    status: str
    child_id: int | None
    involvement_id: int | None

    @property
    def pk(self) -> int:
        return self.id


@dataclass(slots=True)
class WorkRow:
    parsed: ParsedRow
    service_id: int
    basis: str
    record: SourceRecord | Known | None = None
    record_id: int | None = None
    involvement_id: int | None = None
    decision: Decision | None = None
    child_id: int | None = None  # the child it ends up linked to
    new_child_of: int | None = None  # row number of the row whose new child it joins
    changes: list[str] = field(default_factory=list)


@dataclass
class Counts:
    read: int = 0
    linked: int = 0
    created: int = 0
    sent_to_review: int = 0
    rejected: int = 0
    warned: int = 0
    unchanged: int = 0


class Parsed(Protocol):
    def take(self, row_number: int) -> ParsedRow | RowError | None: ...


def parse_chunk(
    chunk: list[RawRow | BadRow],
    *,
    mapping: Mapping,
    catalogue: Catalogue,
    today: dt.date,
    ahead: Parsed | None = None,
) -> tuple[Counts, list[BadRow], list[WorkRow]]:
    """The chunk's rows parsed: its counts, its row problems and the rows kept. ``ahead``:
    rows already parsed (``estimation.ReadAhead``), taken as they are instead of again."""
    counts = Counts(read=len(chunk))
    rejected: list[BadRow] = []
    parsed: list[WorkRow] = []
    for raw in chunk:
        if isinstance(raw, BadRow):
            rejected.append(raw)
            continue
        try:
            row = ahead.take(raw.row_number) if ahead is not None else None
            if isinstance(row, RowError):
                raise row
            if row is None:
                row = parse_row(
                    mapping,
                    raw.values,
                    row_number=raw.row_number,
                    line_number=raw.line_number,
                    today=today,
                )
            service_id, basis = catalogue.service(row)
        except RowError as exc:
            key = (raw.values.get(mapping.key_column) or "").strip()[:100]
            rejected.append(BadRow(raw.row_number, raw.line_number, str(exc), key, exc.column))
            continue
        parsed.append(WorkRow(row, service_id, basis))
    return counts, rejected, parsed


def sort_rows(
    parsed: list[WorkRow], rejected: list[BadRow], *, feed_id: int, run_id: int
) -> tuple[list[WorkRow], list[WorkRow], list[Known]]:
    """New records, records received before, and rejected rows of known records."""
    keys = {r.parsed.key for r in parsed} | {b.key for b in rejected if b.key}
    found = select_in(
        f"SELECT {', '.join(Known.__slots__)} FROM {table(SourceRecord)} "  # noqa: S608
        "WHERE feed_id = %s AND key IN ({})",
        sorted(keys),
        params=[feed_id],
    )
    # What deciding needs of each known record (a changed one is read in full later).
    existing = {row[0]: Known(*row) for row in found}
    first_row: dict[str, int] = {}
    fresh: list[WorkRow] = []
    known: list[WorkRow] = []
    for row in parsed:
        key = row.parsed.key
        record = existing.get(key)
        earlier = first_row.get(key)
        if earlier is None and record is not None and record.last_run_id == run_id:
            earlier = record.row_number
        if earlier is not None and earlier != row.parsed.row_number:
            rejected.append(
                BadRow(
                    row.parsed.row_number,
                    row.parsed.line_number,
                    f"record key {key[:40]} appears again (first at row {earlier})",
                    key,
                )
            )
            continue
        first_row[key] = row.parsed.row_number
        row.record = record
        (known if record is not None else fresh).append(row)
    # A rejected row whose record the index already holds still lists it (a snapshot
    # must not end its involvement because of one bad value).
    listed_but_rejected = [
        existing[b.key]
        for b in rejected
        if b.key in existing and b.key not in first_row and existing[b.key].last_run_id != run_id
    ]
    return fresh, known, listed_but_rejected
