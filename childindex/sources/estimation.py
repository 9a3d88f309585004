"""The model an LA's first import of a source is scored with: estimated without labels on the
index and the incoming rows (``childindex.linkage.estimate``), stored as a new version.

The version is a ``LinkageModel`` row like a trained one, inactive (it does not replace the
active model for other imports), with ``trained_on`` saying how, on what and for which feed
it was estimated; the run records it (``ImportRun.model``) and so does every link it makes.
Where there are too few rows to estimate on, the active model scores the import.

The file's first rows are read and parsed once (``read_ahead``): the estimate is made on
them, and the import's first chunks take the same rows instead of parsing them again.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

import pyarrow as pa
from django.db import transaction
from django.utils import timezone

from childindex.audit.models import Action
from childindex.audit.services import audit_record
from childindex.linkage.estimate import ESTIMATE_KEY, MAX_ROWS, estimate
from childindex.linkage.model import link_table
from childindex.linkage.normalise import LinkRecord
from childindex.sources.index_data import index_link_records, row_record
from childindex.sources.mapping import Mapping, ParsedRow, RowError, parse_row
from childindex.sources.models import Feed, ImportRun, LinkageModel
from childindex.sources.reading import BadRow, RawRow, read_rows

logger = logging.getLogger(__name__)

MIN_ROWS = 500  # fewer incoming rows than this: too few to estimate on, the active model
INDEX_BATCH = 20_000


def _estimating() -> bool:
    """Estimation is not switched off (CHILDINDEX_LINKAGE_ESTIMATE=0, to measure its cost)."""
    return os.environ.get("CHILDINDEX_LINKAGE_ESTIMATE", "1") != "0"


def is_first_import(feed: Feed) -> bool:
    """No import of this feed (this source for this LA) has started before (and estimation
    is not switched off with CHILDINDEX_LINKAGE_ESTIMATE=0, to measure what it costs)."""
    return _estimating() and not ImportRun.objects.filter(feed=feed).exists()


def estimates_for(feed: Feed | None, rows: int) -> bool:
    """Whether importing ``rows`` rows into ``feed`` (None: a feed not made yet) would first
    estimate a model: its first import, with enough rows to estimate on. (Rows that do not
    parse are not counted by the estimate, so this may say yes where it then does not.)"""
    if rows < MIN_ROWS:
        return False
    return is_first_import(feed) if feed is not None else _estimating()


@dataclass
class ReadAhead:
    """A feed file's first rows (at most ``limit`` of ``read_rows``), each with what
    ``parse_row`` made of it (a ``ParsedRow``, or the ``RowError`` it raised): read and
    parsed once for the estimate, then handed to the import (``rows``), which would
    otherwise read and parse them again. ``complete``: the file has no rows after these."""

    raw: list[RawRow | BadRow]
    parsed: dict[int, ParsedRow | RowError] = field(default_factory=dict)
    complete: bool = True
    _table: pa.Table | None = None

    def records(self) -> list[LinkRecord]:
        """The parsed rows as linkage records (``row:N`` ids), in file order."""
        return [
            row_record(f"row:{row.row_number}", row)
            for row in self.parsed.values()
            if isinstance(row, ParsedRow)
        ]

    def link_table(self) -> pa.Table:
        """``link_table(self.records())``, built once (the import takes it too)."""
        if self._table is None:
            self._table = link_table(self.records())
        return self._table

    def link_rows(self, uid: Callable[[int], str]) -> pa.Table:
        """The same linkage rows with each row's id ``uid(row_number)``: a row's linkage
        columns depend on its own values only, so they are those ``link_table`` builds from
        ``row_record(uid(n), row)``."""
        table = self.link_table()
        numbers = [int(u.removeprefix("row:")) for u in table.column("unique_id").to_pylist()]
        ids = pa.array([uid(n) for n in numbers], type=pa.string())
        return table.set_column(table.schema.get_field_index("unique_id"), "unique_id", ids)

    def rows(self, path: Path, mapping: Mapping, *, start_after: int) -> Iterator[RawRow | BadRow]:
        """``read_rows(path, mapping, start_after=...)``: the rows held, then the file's rest.
        Each row held is let go once handed on (memory stays bounded by the chunk)."""
        held, count = self.raw[::-1], len(self.raw)
        self.raw = []
        while held:
            raw = held.pop()
            if raw.row_number > start_after:
                yield raw
        if not self.complete:
            yield from read_rows(path, mapping, start_after=max(start_after, count))

    def take(self, row_number: int) -> ParsedRow | RowError | None:
        """What ``parse_row`` made of this row, if it was read ahead (then forgotten)."""
        return self.parsed.pop(row_number, None)


def read_ahead(path: Path, mapping: Mapping, today: dt.date, *, limit: int | None) -> ReadAhead:
    """The file's first ``limit`` rows (all: None), read and parsed (see ``ReadAhead``)."""
    # One row past the limit says whether the file goes on.
    raw = list(
        islice(read_rows(path, mapping, start_after=0), None if limit is None else limit + 1)
    )
    complete = limit is None or len(raw) <= limit
    if limit is not None:
        del raw[limit:]
    ahead = ReadAhead(raw, complete=complete)
    for row in raw:
        if isinstance(row, BadRow):
            continue
        try:
            ahead.parsed[row.row_number] = parse_row(
                mapping,
                row.values,
                row_number=row.row_number,
                line_number=row.line_number,
                today=today,
            )
        except RowError as exc:
            ahead.parsed[row.row_number] = exc
    return ahead


def file_records(
    path: Path, mapping: Mapping, today: dt.date, *, limit: int | None = None
) -> list[LinkRecord]:
    """A feed file's rows as linkage records (``row:N`` ids), skipping rows that cannot be
    read or parsed; at most ``limit`` rows are read."""
    return read_ahead(path, mapping, today, limit=limit).records()


def _index() -> pa.Table:
    """The first MAX_ROWS children (by id: the order they came in), not the whole index: the
    import reads that itself, and estimation samples no more than this."""
    tables = []
    batch = []
    for record in islice(index_link_records(batch=INDEX_BATCH), MAX_ROWS):
        batch.append(record)
        if len(batch) >= INDEX_BATCH:
            tables.append(link_table(batch))
            batch = []
    tables.append(link_table(batch))
    return pa.concat_tables(tables)


def linkage_model_for_first_import(
    *,
    feed: Feed,
    mapping: Mapping,
    path: Path,
    current: LinkageModel,
    actor_label: str,
    today: dt.date | None = None,
    ahead: ReadAhead | None = None,
) -> LinkageModel:
    """A model estimated for this feed's first import, seeded by ``current`` (stored as a new
    inactive version); ``current`` itself where there is too little to estimate on.
    ``ahead``: the file's first ``MAX_ROWS`` rows already read (``read_ahead``)."""
    if ahead is None:
        ahead = read_ahead(path, mapping, today or timezone.localdate(), limit=MAX_ROWS)
    rows = ahead.link_table()
    if rows.num_rows < MIN_ROWS:
        return current
    try:
        settings = estimate(current.settings, _index(), rows)
    except (ValueError, ArithmeticError) as exc:
        logger.warning("linkage model not estimated for a first import: %s", exc)
        return current
    facts = {
        **settings[ESTIMATE_KEY],
        "feed": feed.name,
        "local_authority": feed.local_authority.code if feed.local_authority_id else None,
        "seeded_by": current.version,
    }
    with transaction.atomic():
        version = (
            LinkageModel.objects.select_for_update()
            .order_by("-version")
            .values_list("version", flat=True)
            .first()
            or 0
        ) + 1
        model = LinkageModel.objects.create(
            version=version,
            settings=settings,
            created_at=timezone.now(),
            description=f"Estimated without labels for the first import of {feed.name}"[:200],
            trained_on=facts,
            active=False,
        )
        audit_record(
            actor=None,
            actor_label=actor_label,
            action=Action.LINKAGE_MODEL_TRAIN,
            detail={
                "version": model.version,
                "estimated": True,
                "feed": feed.name,
                "local_authority": facts["local_authority"],
                "rows": facts["rows"],
                "index_rows": facts["index_rows"],
                "seconds": facts["seconds"],
            },
        )
    return model
