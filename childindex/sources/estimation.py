"""The model an LA's first import of a source is scored with: estimated without labels on the
index and the incoming rows (``childindex.linkage.estimate``), stored as a new version.

The version is a ``LinkageModel`` row like a trained one, inactive (it does not replace the
active model for other imports), with ``trained_on`` saying how, on what and for which feed
it was estimated; the run records it (``ImportRun.model``) and so does every link it makes.
Where there are too few rows to estimate on, the active model scores the import.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
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
from childindex.sources.mapping import Mapping, RowError, parse_row
from childindex.sources.models import Feed, ImportRun, LinkageModel
from childindex.sources.reading import BadRow, read_rows

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


def file_records(
    path: Path, mapping: Mapping, today: dt.date, *, limit: int | None = None
) -> list[LinkRecord]:
    """A feed file's rows as linkage records (``row:N`` ids), skipping rows that cannot be
    read or parsed; at most ``limit`` rows are read."""
    records = []
    for raw in islice(read_rows(path, mapping, start_after=0), limit):
        if isinstance(raw, BadRow):
            continue
        try:
            row = parse_row(
                mapping,
                raw.values,
                row_number=raw.row_number,
                line_number=raw.line_number,
                today=today,
            )
        except RowError:
            continue
        records.append(row_record(f"row:{raw.row_number}", row))
    return records


def _incoming(path: Path, mapping: Mapping, today: dt.date | None) -> pa.Table:
    return link_table(file_records(path, mapping, today or timezone.localdate(), limit=MAX_ROWS))


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
) -> LinkageModel:
    """A model estimated for this feed's first import, seeded by ``current`` (stored as a new
    inactive version); ``current`` itself where there is too little to estimate on."""
    rows = _incoming(path, mapping, today)
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
