"""Importing a feed file: every row kept as a source record and linked to one child.

The file is read in chunks of rows; each chunk is one transaction that writes its source
records, links, new children, involvements, review items, rejected rows, audit events and the
run's counters together with ``rows_done``. An import killed at any point (or whose database
went away) therefore resumes at the first uncommitted row, and ends in the same state as one
that was never interrupted: nothing lost, nothing doubled, one audit event per change. Chunk
boundaries are fixed (multiples of the chunk size from the first row), so a resumed run makes
the same decisions as an uninterrupted one.

Linkage: new records are scored against the index's children by the active linkage model
(Splink); ``linkage.decide`` turns scores into link, create or review. Rows that would create
children are also scored against each other first, so a source's own duplicates become one
child. A record already received keeps its child (the source's own key is the strongest
evidence); a re-sent row with the same values changes nothing.

Snapshot feeds: after the last row, every linked record the snapshot no longer lists has its
involvement ended (unless another listed record of the feed holds the same involvement).
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from childindex.audit.models import Action
from childindex.audit.services import audit_record
from childindex.consent.rules import basis_for_service
from childindex.core.identifiers import IdentifierType
from childindex.directory.models import LocalAuthority, Organisation, Practitioner, Service
from childindex.linkage.decide import Decision, Outcome, Thresholds, decide
from childindex.linkage.model import Candidate, Scorer, link_table
from childindex.linkage.normalise import PLACEHOLDER_IDENTIFIERS
from childindex.records.models import (
    AddressStatus,
    Child,
    ChildAddress,
    ChildIdentifier,
    ChildName,
    ChildStatus,
    Involvement,
    NameKind,
)
from childindex.records.search_index import search_keys_refresh
from childindex.records.services import new_index_numbers
from childindex.sources.bulk import (
    JsonText,
    PlannerStatistics,
    insert_rows,
    moment,
    select_in,
    table,
)
from childindex.sources.index_data import index_link_records, row_record
from childindex.sources.mapping import Mapping, ParsedRow, RowError, load_mapping, parse_row
from childindex.sources.models import (
    Feed,
    FeedKind,
    ImportRun,
    LinkageModel,
    LinkMethod,
    RecordStatus,
    RejectedRow,
    ReviewItem,
    RunStatus,
    SourceLink,
    SourceRecord,
)
from childindex.sources.reading import BadRow, FileFacts, RawRow, inspect_file, read_rows

CHUNK_ROWS = 20_000  # rows per transaction (and per linkage call)
SQLITE_CACHE_KIB = 262_144  # SQLite's page cache during an import: 256 MiB, not its 2 MiB
INDEX_BATCH = 50_000  # children read into the linkage table at a time (bounded memory)
IMPORT_LABEL = "childindex feed import"
Progress = Callable[[ImportRun], None]


class FeedImportError(Exception):
    """The import cannot start or go on; the message says why and what to do."""


# --- the feed and its run -----------------------------------------------------------------


def feed_from_mapping(*, mapping: Mapping, actor_label: str = IMPORT_LABEL) -> Feed:
    """The feed a mapping declares, made or brought up to date (audited when it changes)."""
    try:
        la = LocalAuthority.objects.get(code=mapping.local_authority)
    except LocalAuthority.DoesNotExist as exc:
        raise FeedImportError(
            f"no local authority {mapping.local_authority} in the index: check [feed] "
            "local_authority"
        ) from exc
    wanted = {
        "label": mapping.label,
        "local_authority": la,
        "kind": mapping.kind,
        "may_create_children": mapping.may_create_children,
    }
    _check_fixed_service_is_own(mapping, la)
    with transaction.atomic():
        feed = Feed.objects.select_for_update().filter(name=mapping.name).first()
        if feed is None:
            feed = Feed.objects.create(
                name=mapping.name, mapping=mapping.document, mapping_sha256=mapping.sha256, **wanted
            )
            audit_record(
                actor=None,
                actor_label=actor_label,
                action=Action.FEED_CREATE,
                detail={
                    "feed": feed.name,
                    "local_authority": la.code,
                    "kind": feed.kind,
                    "may_create_children": feed.may_create_children,
                },
            )
            return feed
        if feed.local_authority_id != la.pk:
            raise FeedImportError(
                f"source {feed.name} belongs to {feed.local_authority.code}, not {la.code}"
            )
        changed = {k: v for k, v in wanted.items() if getattr(feed, k) != v}
        if changed or feed.mapping_sha256 != mapping.sha256:
            for name, value in changed.items():
                setattr(feed, name, value)
            feed.mapping, feed.mapping_sha256 = mapping.document, mapping.sha256
            feed.save()
            audit_record(
                actor=None,
                actor_label=actor_label,
                action=Action.FEED_UPDATE,
                detail={"feed": feed.name, "changed": sorted(changed) or ["mapping"]},
            )
    return feed


def _check_fixed_service_is_own(mapping: Mapping, la: LocalAuthority) -> None:
    """A mapping's fixed ``[service]`` must be one of the feed's own LA's organisations."""
    if not mapping.fixed_service:
        return
    code = mapping.fixed_service["organisation_code"]
    owners = set(
        Organisation.objects.filter(code__iexact=code).values_list(
            "local_authority__code", flat=True
        )
    )
    if owners and la.code not in owners:
        raise FeedImportError(
            f"[service] organisation_code {code[:20]} belongs to another local authority "
            f"({', '.join(sorted(owners))}), not {la.code}: a feed writes only for its own "
            "LA's organisations"
        )


def _start_or_resume(
    feed: Feed,
    facts: FileFacts,
    mapping: Mapping,
    path: Path,
    model: LinkageModel,
    actor_label: str,
) -> ImportRun:
    with transaction.atomic():
        running = (
            ImportRun.objects.select_for_update()
            .filter(feed=feed, status=RunStatus.RUNNING)
            .first()
        )
        if running is not None:
            if running.file_sha256 == facts.sha256 and running.mapping_sha256 == mapping.sha256:
                return running
            running.status = RunStatus.ABANDONED
            running.finished_at = timezone.now()
            running.save(update_fields=["status", "finished_at", "updated_at"])
            audit_record(
                actor=None,
                actor_label=actor_label,
                action=Action.FEED_IMPORT_ABANDON,
                detail={"feed": feed.name, "run": running.pk, "rows_done": running.rows_done},
            )
        run = ImportRun.objects.create(
            feed=feed,
            file_name=path.name[:255],
            file_sha256=facts.sha256,
            mapping_sha256=mapping.sha256,
            started_at=timezone.now(),
            started_by=actor_label,
            rows_total=facts.rows,
            model=model,
        )
        audit_record(
            actor=None,
            actor_label=actor_label,
            action=Action.FEED_IMPORT_START,
            detail={
                "feed": feed.name,
                "run": run.pk,
                "file": run.file_name,
                "sha256": facts.sha256,
                "rows": facts.rows,
            },
        )
    return run


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


@contextmanager
def _collect_per_chunk() -> Iterator[Callable[[], None]]:
    """Python's cycle collector off during the import, run once per chunk instead.

    An import holds millions of objects that live long (the index's normalised names, the
    chunk's rows and candidates) and makes millions that do not; the collector, left to run
    by allocation counts, scanned the long-lived ones again and again: 20 of 51 CPU seconds
    of a 250,000-row import. Run after each chunk, it looks only at what the chunk made (a
    young-generation collection; nothing else has been collected meanwhile), so what a chunk
    leaves in cycles is still freed and memory stays bounded."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield lambda: gc.collect(0)
    finally:
        if enabled:
            gc.enable()


# --- one chunk ----------------------------------------------------------------------------


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
class _Counts:
    read: int = 0
    linked: int = 0
    created: int = 0
    sent_to_review: int = 0
    rejected: int = 0
    unchanged: int = 0


def _uid(row_number: int) -> str:
    return f"r{row_number:09d}"


def _candidate_json(c: Candidate) -> dict[str, Any]:
    return {
        "child_id": int(c.other_id) if not c.other_id.startswith("r") else None,
        "weight": c.weight,
        "probability": round(c.probability, 6),
        "evidence": [
            {"comparison": e.comparison, "level": e.level, "weight": e.weight} for e in c.evidence
        ],
    }


class Importer:
    """Imports one file into one run. ``process`` goes from ``run.rows_done`` to the end."""

    def __init__(
        self,
        *,
        run: ImportRun,
        feed: Feed,
        mapping: Mapping,
        path: Path,
        model: LinkageModel,
        thresholds: Thresholds,
        actor_label: str,
        chunk_rows: int = CHUNK_ROWS,
        today: dt.date | None = None,
        progress: Progress | None = None,
    ) -> None:
        self.run, self.feed, self.mapping, self.path = run, feed, mapping, path
        self.model, self.thresholds = model, thresholds
        self.actor_label = actor_label
        self.chunk_rows = chunk_rows
        self.today = today or timezone.localdate()
        self.progress = progress
        self.catalogue = Catalogue(feed.local_authority_id)
        self.scorer: Scorer | None = None
        self.statistics = PlannerStatistics(
            (Child, ChildName, ChildAddress, ChildIdentifier, Involvement, SourceRecord)
        )
        self._inserted = 0  # source records the last chunk wrote
        self.timings: dict[str, float] = defaultdict(float)  # seconds per phase
        self.cpu: dict[str, float] = defaultdict(float)  # CPU seconds per phase (all threads)

    @contextmanager
    def _timed(self, phase: str) -> Iterator[None]:
        started, cpu = time.perf_counter(), time.process_time()
        try:
            yield
        finally:
            self.timings[phase] += time.perf_counter() - started
            self.cpu[phase] += time.process_time() - cpu

    # -- driving ------------------------------------------------------------------------

    def process(self) -> ImportRun:
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:  # this connection only, for this import
                cursor.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
        try:
            with _collect_per_chunk() as collect:
                with self._timed("table statistics"):
                    self.statistics.keep()
                if self.run.rows_done < self.run.rows_total:
                    rows = read_rows(self.path, self.mapping, start_after=self.run.rows_done)
                    # Chunks end on multiples of chunk_rows, resumed or not.
                    first = self.chunk_rows - self.run.rows_done % self.chunk_rows
                    with self._timed("read the file"):
                        chunk = list(islice(rows, first))
                    while chunk:
                        self._chunk(chunk)
                        del chunk
                        with self._timed("collect garbage"):
                            collect()
                        with self._timed("table statistics"):
                            self.statistics.keep({SourceRecord: self._inserted})
                        if self.progress:
                            self.progress(self.run)
                        with self._timed("read the file"):
                            chunk = list(islice(rows, self.chunk_rows))
                if self.run.status == RunStatus.RUNNING:
                    with self._timed("finish (snapshot ends)"):
                        self._finish()
                    if self.progress:
                        self.progress(self.run)
        finally:
            if self.scorer is not None:
                self.scorer.close()
        return self.run

    def _linkage(self) -> Scorer:
        """The scorer with the index's children, read when the first new record needs it (a
        re-sent file of known records never reads the index)."""
        if self.scorer is None:
            with self._timed("read the index"):
                scorer = Scorer(self.model.settings)
                for batch in chunks(index_link_records(batch=INDEX_BATCH), INDEX_BATCH):
                    scorer.add_index(link_table(batch))
                self.scorer = scorer
        return self.scorer

    # -- a chunk --------------------------------------------------------------------------

    def _chunk(self, chunk: list[RawRow | BadRow]) -> None:
        with self._timed("parse rows"):
            counts, rejected, parsed = self._parse(chunk)
        with self._timed("match keys"):
            fresh, known, listed_but_rejected = self._sort(parsed, rejected)
        self._decide(fresh)
        self._cluster_new_children(fresh)
        rejected.sort(key=lambda b: b.row_number)
        with self._timed("write"), transaction.atomic():
            run = ImportRun.objects.select_for_update().get(pk=self.run.pk)
            expected = chunk[0].row_number - 1
            if run.rows_done != expected or run.status != RunStatus.RUNNING:
                raise FeedImportError(
                    f"another import of {self.feed.name} is running (its run {run.pk} is at row "
                    f"{run.rows_done}, this one at {expected}): wait for it to finish"
                )
            new_children = self._write(fresh, known, listed_but_rejected, counts)
            self._inserted = len(fresh)
            self._write_rejected(rejected, counts)
            for name in ("read", "linked", "created", "sent_to_review", "rejected", "unchanged"):
                setattr(run, name, getattr(run, name) + getattr(counts, name))
            run.rows_done = chunk[-1].row_number
            run.save()
        self.run = run
        if new_children and self.scorer is not None:
            with self._timed("read the index"):
                self.scorer.replace_index(link_table(index_link_records(child_ids=new_children)))

    def _parse(self, chunk: list[RawRow | BadRow]) -> tuple[_Counts, list[BadRow], list[WorkRow]]:
        counts = _Counts(read=len(chunk))
        rejected: list[BadRow] = []
        parsed: list[WorkRow] = []
        for raw in chunk:
            if isinstance(raw, BadRow):
                rejected.append(raw)
                continue
            try:
                row = parse_row(
                    self.mapping,
                    raw.values,
                    row_number=raw.row_number,
                    line_number=raw.line_number,
                    today=self.today,
                )
                service_id, basis = self.catalogue.service(row)
            except RowError as exc:
                key = (raw.values.get(self.mapping.key_column) or "").strip()[:100]
                rejected.append(BadRow(raw.row_number, raw.line_number, str(exc), key))
                continue
            parsed.append(WorkRow(row, service_id, basis))
        return counts, rejected, parsed

    def _sort(
        self, parsed: list[WorkRow], rejected: list[BadRow]
    ) -> tuple[list[WorkRow], list[WorkRow], list[Known]]:
        """New records, records received before, and rejected rows of known records."""
        keys = {r.parsed.key for r in parsed} | {b.key for b in rejected if b.key}
        found = select_in(
            f"SELECT {', '.join(Known.__slots__)} FROM {table(SourceRecord)} "  # noqa: S608
            "WHERE feed_id = %s AND key IN ({})",
            sorted(keys),
            params=[self.feed.pk],
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
            if earlier is None and record is not None and record.last_run_id == self.run.pk:
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
            if b.key in existing
            and b.key not in first_row
            and existing[b.key].last_run_id != self.run.pk
        ]
        return fresh, known, listed_but_rejected

    def _decide(self, fresh: list[WorkRow]) -> None:
        if not fresh:
            return
        scorer = self._linkage()
        with self._timed("linkage rows (feed)"):
            by_uid = {_uid(r.parsed.row_number): r for r in fresh}
            table = link_table([row_record(uid, r.parsed) for uid, r in by_uid.items()])
        with self._timed("score"):
            scored = scorer.score(table, min_weight=self.thresholds.lower)
        with self._timed("decide"):
            candidates: dict[str, list[Candidate]] = defaultdict(list)
            for c in scored:
                candidates[c.record_id].append(c)
            shielded = self._shielded_ids({c.other_id for cs in candidates.values() for c in cs})
            for uid, row in by_uid.items():
                row.decision = decide(
                    candidates.get(uid, []),
                    thresholds=self.thresholds,
                    levels=scorer.levels,
                    may_create=self.feed.may_create_children,
                    is_shielded=lambda other: other in shielded,
                )

    @staticmethod
    def _shielded_ids(ids: Iterable[str]) -> set[str]:
        numeric = sorted({int(i) for i in ids if i.isdigit()})
        return {
            str(pk)
            for (pk,) in select_in(
                f"SELECT id FROM {table(Child)} WHERE shielded = %s AND id IN ({{}})",  # noqa: S608
                numeric,
                params=[True],
            )
        }

    def _cluster_new_children(self, fresh: list[WorkRow]) -> None:
        """Rows that would create children, scored against each other: a pair above the upper
        threshold is one new child; a pair between the thresholds goes to review."""
        creating = [r for r in fresh if r.decision and r.decision.outcome == Outcome.CREATE]
        if len(creating) < 2:
            return
        scorer = self._linkage()
        by_uid = {_uid(r.parsed.row_number): r for r in creating}
        table = link_table([row_record(uid, r.parsed) for uid, r in by_uid.items()])
        partners: dict[str, list[Candidate]] = defaultdict(list)
        with self._timed("score"):
            within = scorer.score_within(table, min_weight=self.thresholds.lower)
        for c in within:
            # record_id < other_id: the later row (other_id) looks back at the earlier one.
            partners[c.other_id].append(c.flipped())
        root: dict[str, str] = {}
        for uid in sorted(by_uid):
            row = by_uid[uid]
            earlier = sorted(
                (c for c in partners.get(uid, []) if row.decision and c.other_id in by_uid),
                key=lambda c: (-c.weight, c.other_id),
            )
            outcome = decide(
                earlier, thresholds=self.thresholds, levels=scorer.levels, may_create=True
            )
            if outcome.outcome == Outcome.LINK and outcome.other_id is not None:
                target = root.get(outcome.other_id, outcome.other_id)
                root[uid] = target
                row.new_child_of = by_uid[target].parsed.row_number
                row.decision = Decision(
                    Outcome.LINK,
                    None,
                    outcome.weight,
                    outcome.candidates,
                    outcome.twins,
                    reason="same_as_new_child",
                )
            elif outcome.outcome == Outcome.REVIEW:
                row.decision = Decision(
                    Outcome.REVIEW,
                    candidates=outcome.candidates,
                    twins=outcome.twins,
                    reason="may_be_new_child",
                )
                row.new_child_of = by_uid[
                    root.get(outcome.candidates[0].other_id, outcome.candidates[0].other_id)
                ].parsed.row_number

    # -- writing --------------------------------------------------------------------------

    def _write(
        self,
        fresh: list[WorkRow],
        known: list[WorkRow],
        listed_but_rejected: list[Known],
        counts: _Counts,
    ) -> list[int]:
        now = timezone.now()
        run = self.run
        created_rows = [r for r in fresh if r.decision and r.decision.outcome == Outcome.CREATE]
        new_children = self.create_children(created_rows)
        by_row = {r.parsed.row_number: r for r in fresh}
        for row in fresh:
            assert row.decision is not None
            if row.decision.outcome == Outcome.CREATE:
                counts.created += 1
            elif row.decision.outcome == Outcome.LINK:
                counts.linked += 1
                if row.new_child_of is not None:
                    row.child_id = by_row[row.new_child_of].child_id
                else:
                    row.child_id = int(row.decision.other_id or 0)
            else:
                counts.sent_to_review += 1

        # Records received before: keep their child; update what changed.
        unchanged_ids, changed = [], []
        for row in known:
            record = row.record
            assert record is not None
            row.record_id = record.pk
            if record.values_sha256 == row.parsed.values_sha256 and record.withdrawn_run_id is None:
                unchanged_ids.append(record.pk)
                counts.unchanged += 1
                if record.row_number != row.parsed.row_number:
                    SourceRecord.objects.filter(pk=record.pk).update(
                        row_number=row.parsed.row_number
                    )
                continue
            changed.append(row)
            row.child_id = record.child_id
            if record.status == RecordStatus.LINKED:
                counts.linked += 1
            else:
                counts.unchanged += 1
        seen_ids = unchanged_ids + [r.pk for r in listed_but_rejected]
        with connection.cursor() as cursor:
            for start in range(0, len(seen_ids), 5000):
                part = seen_ids[start : start + 5000]
                cursor.execute(
                    f"UPDATE {table(SourceRecord)} SET last_run_id = %s, updated_at = %s "  # noqa: S608
                    f"WHERE id IN ({', '.join(['%s'] * len(part))})",
                    [run.pk, moment(now), *part],
                )
        for row in changed:
            assert row.record is not None
            record = row.record = SourceRecord.objects.get(pk=row.record.pk)
            record.values, record.values_sha256 = row.parsed.values, row.parsed.values_sha256
            record.last_run, record.row_number = run, row.parsed.row_number
            if record.withdrawn_run_id is not None:
                record.withdrawn_run = None
                row.changes.append("listed_again")
            record.save()

        # Involvements first, so each new record is written once, with its involvement.
        self.apply_involvements([r for r in fresh + changed if r.child_id is not None])
        stamp = moment(now)
        linked, review = RecordStatus.LINKED.value, RecordStatus.REVIEW.value
        insert_rows(
            SourceRecord,
            (
                "feed_id",
                "key",
                "first_run_id",
                "last_run_id",
                "row_number",
                "values",
                "values_sha256",
                "status",
                "child_id",
                "involvement_id",
                "shielded",
                "created_at",
                "updated_at",
            ),
            [
                (
                    self.feed.pk,
                    r.parsed.key,
                    run.pk,
                    run.pk,
                    r.parsed.row_number,
                    JsonText(r.parsed.values_json or json.dumps(r.parsed.values)),
                    r.parsed.values_sha256,
                    linked if r.child_id is not None else review,
                    r.child_id,
                    r.involvement_id,
                    bool(r.decision and r.decision.shielded),
                    stamp,
                    stamp,
                )
                for r in fresh
            ],
            adapted=True,
        )
        if fresh:
            ids = dict(
                select_in(
                    f"SELECT key, id FROM {table(SourceRecord)} "  # noqa: S608
                    "WHERE feed_id = %s AND key IN ({})",
                    [r.parsed.key for r in fresh],
                    params=[self.feed.pk],
                )
            )
            for row in fresh:
                row.record_id = ids[row.parsed.key]
        touched = self.add_identifiers([r for r in fresh if r.child_id is not None])
        created, model = LinkMethod.CREATED.value, LinkMethod.MODEL.value
        insert_rows(
            SourceLink,
            ("source_record_id", "child_id", "method", "run_id", "model_id", "weight", "linked_at"),
            [
                (
                    r.record_id,
                    r.child_id,
                    created if r.decision.outcome == Outcome.CREATE else model,
                    run.pk,
                    self.model.pk,
                    r.decision.weight,
                    stamp,
                )
                for r in fresh
                if r.child_id is not None and r.decision is not None
            ],
            adapted=True,
        )
        self._review_items([r for r in fresh if r.child_id is None], by_row)
        self._audit(fresh + changed)
        # Children whose linkage record changed: the scorer reads them again, exactly as a
        # resumed import would read them from the database.
        return sorted(touched | set(new_children))

    def create_children(self, rows: list[WorkRow]) -> list[int]:
        """New children for rows below the lower threshold (a source the LA trusts)."""
        if not rows:
            return []
        la_id = self.feed.local_authority_id
        numbers = new_index_numbers(len(rows))
        children = Child.objects.bulk_create(
            [
                Child(
                    index_number=number,
                    date_of_birth=r.parsed.date_of_birth,
                    gender=r.parsed.gender,
                    responsible_la_id=la_id,
                    status=ChildStatus.ACTIVE,
                )
                for r, number in zip(rows, numbers, strict=True)
            ],
            batch_size=500,
        )
        names, addresses = [], []
        for row, child in zip(rows, children, strict=True):
            p = row.parsed
            row.child_id = child.pk
            row.changes.append("child_created")
            names.append(
                ChildName(
                    child=child,
                    kind=NameKind.CURRENT,
                    given_names=p.given_names,
                    family_name=p.family_name,
                )
            )
            if p.postcode and p.address_line_1:
                addresses.append(
                    ChildAddress(
                        child=child,
                        status=AddressStatus.KNOWN,
                        line_1=p.address_line_1[:100],
                        line_2=p.address_line_2[:100],
                        town=p.town[:60],
                        postcode=p.postcode,
                        local_authority_id=la_id,
                    )
                )
        ChildName.objects.bulk_create(names, batch_size=500)
        ChildAddress.objects.bulk_create(addresses, batch_size=500)
        ids = [child.pk for child in children]
        search_keys_refresh(child_ids=ids)  # search finds them in the same transaction
        return ids

    def add_identifiers(self, rows: list[WorkRow]) -> set[int]:
        """Identifiers a linked child lacks (a type it has none of, a value no other child
        holds); placeholders are never stored."""
        wanted: list[tuple[WorkRow, str, str, str]] = []
        for row in rows:
            for kind, value in row.parsed.identifiers.items():
                if value not in PLACEHOLDER_IDENTIFIERS:
                    wanted.append((row, kind, "", value))
            for issuer, value in row.parsed.local_identifiers:
                wanted.append((row, IdentifierType.LOCAL.value, issuer, value))
        touched: set[int] = set()
        if wanted:
            # What these children hold already (most rows bring nothing new)...
            holds: set[tuple[int, str, str, str]] = set()
            has_type: set[tuple[int, str]] = set()
            for child_id, kind, issuer, value in select_in(
                f"SELECT child_id, type, issuer, value FROM {table(ChildIdentifier)} "  # noqa: S608
                "WHERE child_id IN ({})",
                sorted({w[0].child_id for w in wanted}),
            ):
                holds.add((child_id, kind, issuer, value))
                if kind != IdentifierType.LOCAL:
                    has_type.add((child_id, kind))
            fresh = [
                w
                for w in wanted
                if (w[0].child_id, w[1], w[2], w[3]) not in holds
                and (w[1] == IdentifierType.LOCAL or (w[0].child_id, w[1]) not in has_type)
            ]
            # ...and whether another child holds what is new.
            held = (
                set(
                    select_in(
                        f"SELECT type, issuer, value FROM {table(ChildIdentifier)} "  # noqa: S608
                        "WHERE value IN ({})",
                        sorted({w[3] for w in fresh}),
                    )
                )
                if fresh
                else set()
            )
            add = []
            for row, kind, issuer, value in fresh:
                if (kind, issuer, value) in held:
                    continue
                if kind != IdentifierType.LOCAL and (row.child_id, kind) in has_type:
                    continue
                held.add((kind, issuer, value))
                has_type.add((row.child_id, kind))
                add.append(
                    ChildIdentifier(child_id=row.child_id, type=kind, issuer=issuer, value=value)
                )
                touched.add(row.child_id)
                if "child_created" not in row.changes:
                    row.changes.append("identifier_added")
            ChildIdentifier.objects.bulk_create(add, batch_size=500)
        return touched

    def apply_involvements(self, rows: list[WorkRow]) -> None:
        """Each linked row's involvement: found (same child, service and start) or started;
        its practitioner and end date kept as the feed says. Sets ``row.involvement_id`` (and
        re-points a record received before)."""
        if not rows:
            return
        now = timezone.now()
        existing: dict[tuple[int, int, dt.date], list[Any]] = {}
        child_ids = sorted({r.child_id for r in rows if r.child_id is not None})
        service_ids = {r.service_id for r in rows}
        # Dates as text, each distinct one parsed once (the driver would parse every value);
        # only these services' involvements are kept (filtered here: an IN on both columns of
        # the unique index makes SQLite probe every pair).
        sql = (
            "SELECT id, child_id, service_id, CAST(started_on AS TEXT), "  # noqa: S608
            f"CAST(ended_on AS TEXT), practitioner_id, source_feed FROM {table(Involvement)} "
            "WHERE child_id IN ({})"
        )
        dates: dict[str | None, dt.date | None] = {None: None}
        for pk, child_id, service_id, started, ended, practitioner_id, feed in select_in(
            sql, child_ids
        ):
            if service_id not in service_ids:
                continue
            if started not in dates:
                dates[started] = dt.date.fromisoformat(started)
            if ended not in dates:
                dates[ended] = dt.date.fromisoformat(ended)
            existing[(child_id, service_id, dates[started])] = [
                pk,
                dates[ended],
                practitioner_id,
                feed,
            ]
        to_create: dict[tuple[int, int, dt.date], Involvement] = {}
        for row in rows:
            p = row.parsed
            key = (row.child_id, row.service_id, p.start_date)
            practitioner_id = self.catalogue.practitioners.get(p.practitioner_email)
            found = existing.get(key)
            if found is None:
                if key not in to_create:
                    to_create[key] = Involvement(
                        child_id=row.child_id,
                        service_id=row.service_id,
                        practitioner_id=practitioner_id,
                        started_on=p.start_date,
                        ended_on=p.end_date,
                        basis=row.basis,
                        source_feed=self.feed.name,
                    )
                    row.changes.append("involvement_started")
                continue
            pk, ended, held_practitioner, feed = found
            updates: dict[str, Any] = {}
            if feed == self.feed.name:
                if practitioner_id and held_practitioner != practitioner_id:
                    updates["practitioner_id"] = found[2] = practitioner_id
                if p.end_date and ended != p.end_date:
                    updates["ended_on"] = found[1] = p.end_date
                elif not p.end_date and ended is not None and "listed_again" in row.changes:
                    updates["ended_on"] = found[1] = None
            if updates:
                Involvement.objects.filter(pk=pk).update(updated_at=now, **updates)
                row.changes.append("involvement_ended" if found[1] else "involvement_updated")
        Involvement.objects.bulk_create(list(to_create.values()), batch_size=500)
        for key, inv in to_create.items():
            existing[key] = [inv.pk, inv.ended_on, inv.practitioner_id, inv.source_feed]
        moved: dict[int, WorkRow] = {}
        for row in rows:
            inv_id = existing[(row.child_id, row.service_id, row.parsed.start_date)][0]
            row.involvement_id = inv_id
            record = row.record
            if record is not None and record.involvement_id != inv_id:
                if record.involvement_id is not None:
                    moved[record.involvement_id] = row
                SourceRecord.objects.filter(pk=record.pk).update(involvement_id=inv_id)
                record.involvement_id = inv_id
        self._end_orphaned(moved)

    def _end_orphaned(self, moved: dict[int, WorkRow]) -> None:
        """A record that now names another service or start date ends the involvement it
        named before, unless another record of the feed still names it."""
        if not moved:
            return
        still_named = set(
            SourceRecord.objects.filter(involvement_id__in=list(moved)).values_list(
                "involvement_id", flat=True
            )
        )
        for inv in Involvement.objects.filter(
            pk__in=list(moved), ended_on__isnull=True, source_feed=self.feed.name
        ):
            if inv.pk in still_named:
                continue
            inv.ended_on = max(self.today, inv.started_on)
            inv.save(update_fields=["ended_on", "updated_at"])
            moved[inv.pk].changes.append("previous_involvement_ended")

    def _review_items(self, rows: list[WorkRow], by_row: dict[int, WorkRow]) -> None:
        items = []
        for row in rows:
            decision = row.decision
            assert decision is not None and row.record_id is not None
            candidates = []
            for c in decision.candidates:
                data = _candidate_json(c)
                if data["child_id"] is None and row.new_child_of is not None:
                    data["child_id"] = by_row[row.new_child_of].child_id
                candidates.append(data)
            for c in decision.twins:
                data = _candidate_json(c)
                data["twin_rule"] = True
                candidates.append(data)
            items.append(
                ReviewItem(
                    source_record_id=row.record_id,
                    local_authority_id=self.feed.local_authority_id,
                    run=self.run,
                    model=self.model,
                    cause=decision.reason,
                    candidates=candidates,
                    shielded=decision.shielded,
                )
            )
        ReviewItem.objects.bulk_create(items, batch_size=500)

    def _audit(self, rows: list[WorkRow]) -> None:
        """One audit event per record that changed the index."""
        changed = [r for r in rows if r.changes and r.child_id is not None]
        if not changed:
            return
        numbers = dict(
            Child.objects.filter(pk__in={r.child_id for r in changed}).values_list(
                "pk", "index_number"
            )
        )
        for row in changed:
            audit_record(
                actor=None,
                actor_label=self.actor_label,
                action=Action.FEED_RECORD_APPLIED,
                children=[numbers[row.child_id]],
                detail={
                    "feed": self.feed.name,
                    "run": self.run.pk,
                    "key": row.parsed.key,
                    "row": row.parsed.row_number,
                    "changes": row.changes,
                },
            )

    def _write_rejected(self, rejected: list[BadRow], counts: _Counts) -> None:
        RejectedRow.objects.bulk_create(
            [
                RejectedRow(
                    run=self.run,
                    row_number=b.row_number,
                    line_number=b.line_number,
                    key=b.key[:100],
                    reason=b.reason[:300],
                )
                for b in rejected
            ],
            batch_size=500,
        )
        counts.rejected += len(rejected)

    # -- the end of the file --------------------------------------------------------------

    def _finish(self) -> None:
        with transaction.atomic():
            run = ImportRun.objects.select_for_update().get(pk=self.run.pk)
            if run.status != RunStatus.RUNNING:
                self.run = run
                return
            if self.feed.kind == FeedKind.SNAPSHOT:
                run.ended = self._withdraw_unlisted(run)
            run.status = RunStatus.FINISHED
            run.finished_at = timezone.now()
            run.save()
            audit_record(
                actor=None,
                actor_label=self.actor_label,
                action=Action.FEED_IMPORT_FINISH,
                detail={"feed": self.feed.name, "run": run.pk, "counts": run_counts(run)},
            )
        self.run = run

    def _withdraw_unlisted(self, run: ImportRun) -> int:
        """A snapshot that no longer lists a record ends that record's involvement."""
        gone = list(
            SourceRecord.objects.filter(
                feed=self.feed,
                status=RecordStatus.LINKED,
                withdrawn_run__isnull=True,
            )
            .exclude(last_run=run)
            .select_related("involvement", "child")
        )
        if not gone:
            return 0
        still_listed = set(
            SourceRecord.objects.filter(
                feed=self.feed,
                last_run=run,
                involvement__in=[g.involvement_id for g in gone if g.involvement_id],
            ).values_list("involvement_id", flat=True)
        )
        ended = 0
        for record in gone:
            record.withdrawn_run = run
            record.save(update_fields=["withdrawn_run", "updated_at"])
            inv = record.involvement
            if inv is None or inv.ended_on is not None or inv.pk in still_listed:
                continue
            inv.ended_on = max(self.today, inv.started_on)
            inv.save(update_fields=["ended_on", "updated_at"])
            still_listed.add(inv.pk)
            ended += 1
            audit_record(
                actor=None,
                actor_label=self.actor_label,
                action=Action.FEED_RECORD_APPLIED,
                children=[record.child.index_number],
                detail={
                    "feed": self.feed.name,
                    "run": run.pk,
                    "key": record.key,
                    "changes": ["involvement_ended_not_listed"],
                },
            )
        return ended


def run_counts(run: ImportRun) -> dict[str, int]:
    return {
        name: getattr(run, name)
        for name in (
            "read",
            "linked",
            "created",
            "sent_to_review",
            "rejected",
            "unchanged",
            "ended",
        )
    }


# --- the service -----------------------------------------------------------------------------


def feed_import(
    *,
    path: Path,
    mapping_text: str,
    source: str | None = None,
    actor_label: str = IMPORT_LABEL,
    chunk_rows: int = CHUNK_ROWS,
    today: dt.date | None = None,
    progress: Progress | None = None,
    before_rows: Callable[[ImportRun], None] | None = None,
) -> ImportRun:
    """Import one feed file with its mapping; resumes an unfinished import of the same file.

    Raises MappingError, FileRefused or FeedImportError (each with a message to act on)
    before anything is written when the mapping, the file or the feed cannot be used.
    """
    from childindex.sources.estimation import is_first_import, linkage_model_for_first_import
    from childindex.sources.services import linkage_model_active, thresholds_for

    mapping = load_mapping(mapping_text, source=source)
    facts = inspect_file(path, mapping)
    feed = feed_from_mapping(mapping=mapping, actor_label=actor_label)
    model = linkage_model_active()
    if is_first_import(feed):  # scored by a model estimated on the LA's own data
        model = linkage_model_for_first_import(
            feed=feed, mapping=mapping, path=path, current=model, actor_label=actor_label,
            today=today,
        )  # fmt: skip
    run = _start_or_resume(feed, facts, mapping, path, model, actor_label)
    if run.model_id and run.model_id != model.pk:
        model = LinkageModel.objects.get(pk=run.model_id)  # a resumed run keeps its model
    if before_rows:
        before_rows(run)
    importer = Importer(
        run=run,
        feed=feed,
        mapping=mapping,
        path=path,
        model=model,
        thresholds=thresholds_for(feed.local_authority_id),
        actor_label=actor_label,
        chunk_rows=chunk_rows,
        today=today,
        progress=progress,
    )
    run = importer.process()
    run.timings = dict(importer.timings)  # type: ignore[attr-defined]
    run.cpu_timings = dict(importer.cpu)  # type: ignore[attr-defined]
    return run


def chunks(iterable: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(iterable)
    while batch := list(islice(iterator, size)):
        yield batch
