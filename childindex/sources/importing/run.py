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
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from itertools import islice
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone

from childindex.audit.models import Action
from childindex.audit.services import audit_record
from childindex.directory.models import LocalAuthority, Organisation
from childindex.linkage.decide import Outcome, Thresholds
from childindex.records.models import (
    Child,
    ChildAddress,
    ChildIdentifier,
    ChildName,
    Involvement,
)
from childindex.sources import estimation
from childindex.sources.bulk import PlannerStatistics
from childindex.sources.estimation import is_first_import, linkage_model_for_first_import
from childindex.sources.importing.decide import (
    CHILD_MADE_BY_ANOTHER_FEED,
    INCOMPLETE_ROW,
    MAY_BE_WAITING_ROW,
    NO_CANDIDATE_MAY_NOT_CREATE,
    decide_new_records,
    uid,
)
from childindex.sources.importing.linkage import SMALL_RUN, Linkage, candidate_json
from childindex.sources.importing.parse import Catalogue, WorkRow, parse_chunk, sort_rows
from childindex.sources.importing.write import Writer
from childindex.sources.index_data import row_record
from childindex.sources.linkage_config import linkage_model_active, thresholds_for
from childindex.sources.mapping import (
    Mapping,
    RowError,
    load_mapping,
    mapping_from_document,
    parse_row,
)
from childindex.sources.models import (
    Feed,
    FeedKind,
    ImportRun,
    LinkageModel,
    LinkMethod,
    RecordStatus,
    ReviewItem,
    ReviewStatus,
    RunStatus,
    SourceLink,
    SourceRecord,
)
from childindex.sources.reading import BadRow, FileFacts, RawRow, inspect_file, read_rows

# Causes of a review item that waits because no child was there to be its candidate.
WAITING_FOR_A_CHILD = (INCOMPLETE_ROW, MAY_BE_WAITING_ROW, NO_CANDIDATE_MAY_NOT_CREATE)
CHUNK_ROWS = 20_000  # rows per transaction (and per linkage call)
SQLITE_CACHE_KIB = 262_144  # SQLite's page cache during an import: 256 MiB, not its 2 MiB
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
        ahead: estimation.ReadAhead | None = None,
    ) -> None:
        self.run, self.feed, self.mapping, self.path = run, feed, mapping, path
        self.ahead = ahead  # the file's first rows, read and parsed for the estimate
        self.model, self.thresholds = model, thresholds
        self.actor_label = actor_label
        self.chunk_rows = chunk_rows
        self.today = today or timezone.localdate()
        self.progress = progress
        self.catalogue = Catalogue(feed.local_authority_id)
        # A small run (a Bundle, a small file) reads only its rows' candidates from the index.
        self.linkage = Linkage(
            model.settings, thresholds, timed=self._timed, small=run.rows_total <= SMALL_RUN
        )
        if ahead is not None and ahead.parsed:
            # The first rows' linkage rows, built for the estimate: scored as they are.
            self.linkage.prepare(ahead.link_rows(uid))
        self.writer = Writer(
            feed=feed,
            run=run,
            model=model,
            actor_label=actor_label,
            catalogue=self.catalogue,
            today=self.today,
        )
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
                    if self.ahead is not None:
                        rows = self.ahead.rows(
                            self.path, self.mapping, start_after=self.run.rows_done
                        )
                    else:
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
                self.linkage.prepare(None)
                if self.run.status == RunStatus.RUNNING:
                    with self._timed("second look (rows waiting for a child)"):
                        self._second_look()
                if self.run.status == RunStatus.RUNNING:
                    with self._timed("finish (snapshot ends)"):
                        self._finish()
                    if self.progress:
                        self.progress(self.run)
        finally:
            self.linkage.close()
        return self.run

    # -- a chunk --------------------------------------------------------------------------

    def _chunk(self, chunk: list[RawRow | BadRow]) -> None:
        with self._timed("parse rows"):
            counts, rejected, parsed = parse_chunk(
                chunk,
                mapping=self.mapping,
                catalogue=self.catalogue,
                today=self.today,
                ahead=self.ahead,
            )
        with self._timed("match keys"):
            fresh, known, listed_but_rejected = sort_rows(
                parsed, rejected, feed_id=self.feed.pk, run_id=self.run.pk
            )
        decide_new_records(
            fresh, self.linkage, may_create=self.feed.may_create_children, feed_id=self.feed.pk
        )
        rejected.sort(key=lambda b: b.row_number)
        with self._timed("write"), transaction.atomic():
            run = ImportRun.objects.select_for_update().get(pk=self.run.pk)
            expected = chunk[0].row_number - 1
            if run.rows_done != expected or run.status != RunStatus.RUNNING:
                raise FeedImportError(
                    f"another import of {self.feed.name} is running (its run {run.pk} is at row "
                    f"{run.rows_done}, this one at {expected}): wait for it to finish"
                )
            self.writer.run = run
            new_children = self.writer.write_chunk(fresh, known, listed_but_rejected, counts)
            self._inserted = len(fresh)
            self.writer.write_problems(rejected, fresh + known, counts)
            for name in (
                "read",
                "linked",
                "created",
                "sent_to_review",
                "rejected",
                "warned",
                "unchanged",
            ):
                setattr(run, name, getattr(run, name) + getattr(counts, name))
            run.rows_done = chunk[-1].row_number
            run.save()
        self.run = self.writer.run = run
        self.linkage.refresh(new_children)

    # -- the end of the file --------------------------------------------------------------

    def _second_look(self) -> None:
        """The LA's rows still waiting with no child as candidate (none, or only other
        waiting rows), scored again against the index as this run leaves it: a row decided
        before the child it belongs to was first made — in an earlier chunk of this run, or
        by another feed imported after it (the GP row that lacks a name, the school census
        that makes the child later). This feed's row whose evidence now clears the upper
        threshold links (its review item goes: the model decided it, in this run); a row of
        another feed or an earlier run waits with that child as its candidate
        (``child_made_by_another_feed``: a person confirms; an import writes only its own
        run's records); one with candidates now waits with them. It never creates.
        """
        items = [
            item
            for item in ReviewItem.objects.filter(
                local_authority_id=self.feed.local_authority_id,
                status=ReviewStatus.OPEN,
                cause__in=WAITING_FOR_A_CHILD,
            ).select_related("source_record__feed")
            if not any(c.get("child_id") for c in item.candidates)
        ]
        if not items:
            return
        mappings: dict[int, Mapping] = {self.feed.pk: self.mapping}
        rows: dict[str, tuple[ReviewItem, WorkRow]] = {}
        for item in items:
            record = item.source_record
            feed = record.feed
            try:
                if feed.pk not in mappings:
                    mappings[feed.pk] = mapping_from_document(feed.mapping, source=feed.name)
                parsed = parse_row(
                    mappings[feed.pk],
                    record.values,
                    row_number=record.row_number,
                    line_number=0,
                    today=self.today,
                )
                service_id, basis = (
                    self.catalogue.service(parsed) if item.run_id == self.run.pk else (0, "")
                )
            except RowError:
                continue  # its feed's mapping no longer reads it: it waits as it is
            rows[f"r{item.pk:09d}"] = (item, WorkRow(parsed, service_id, basis, record=record))
        _, decisions = self.linkage.score_and_decide(
            [row_record(u, row.parsed) for u, (_, row) in rows.items()],
            may_create=lambda _u: False,
        )
        with transaction.atomic():
            run = ImportRun.objects.select_for_update().get(pk=self.run.pk)
            self.writer.run = run
            linked: list[WorkRow] = []
            for u, (item, row) in rows.items():
                decision = decisions[u]
                own = item.run_id == self.run.pk  # this run's row: it may link it
                if own and decision.outcome == Outcome.LINK and decision.other_id is not None:
                    row.child_id = int(decision.other_id)
                    row.decision = decision
                    linked.append(row)
                    item.delete()
                elif decision.candidates or decision.twins:
                    waiting = [c for c in item.candidates if c.get("source_record_id")]
                    item.candidates = [
                        *(candidate_json(c) for c in decision.candidates),
                        *({**candidate_json(c), "twin_rule": True} for c in decision.twins),
                        *waiting,  # the rows it may wait with stay, after the children
                    ]
                    item.cause = (
                        CHILD_MADE_BY_ANOTHER_FEED
                        if decision.outcome == Outcome.LINK
                        else decision.reason
                    )
                    item.shielded = decision.shielded
                    item.save(update_fields=["candidates", "cause", "shielded", "updated_at"])
                    if decision.shielded:
                        SourceRecord.objects.filter(pk=item.source_record_id).update(shielded=True)
            if linked:
                self.writer.apply_involvements(linked)
                now = timezone.now()
                for row in linked:
                    assert row.record is not None and row.decision is not None
                    SourceRecord.objects.filter(pk=row.record.pk).update(
                        status=RecordStatus.LINKED,
                        child_id=row.child_id,
                        involvement_id=row.involvement_id,
                        updated_at=now,
                    )
                    row.record_id = row.record.pk
                    row.changes.append("linked_at_end_of_run")
                touched = self.writer.add_identifiers(linked)
                SourceLink.objects.bulk_create(
                    [
                        SourceLink(
                            source_record_id=row.record_id,
                            child_id=row.child_id,
                            method=LinkMethod.MODEL,
                            run=run,
                            model=self.model,
                            weight=row.decision.weight if row.decision else None,
                            linked_at=now,
                        )
                        for row in linked
                    ]
                )
                self.writer.audit(linked)
                run.linked += len(linked)
                run.sent_to_review -= len(linked)
                run.save(update_fields=["linked", "sent_to_review", "updated_at"])
                self.linkage.refresh(sorted(touched))
        self.run = self.writer.run = run

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
            "warned",
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
    mapping = load_mapping(mapping_text, source=source)
    facts = inspect_file(path, mapping)
    feed = feed_from_mapping(mapping=mapping, actor_label=actor_label)
    model = linkage_model_active()
    ahead = None
    started, cpu = time.perf_counter(), time.process_time()
    if is_first_import(feed):  # scored by a model estimated on the LA's own data
        # The first rows read and parsed once: for the estimate, then for the import (on
        # the same day: a row's parse depends on it).
        today = today or timezone.localdate()
        ahead = estimation.read_ahead(path, mapping, today, limit=estimation.MAX_ROWS)
        model = linkage_model_for_first_import(
            feed=feed, mapping=mapping, path=path, current=model, actor_label=actor_label,
            today=today, ahead=ahead,
        )  # fmt: skip
    estimated = time.perf_counter() - started, time.process_time() - cpu
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
        ahead=ahead if run.rows_done == 0 else None,
    )
    run = importer.process()
    if ahead is not None:  # reading the first rows ahead, and the estimate made on them
        importer.timings["estimate the model (first import)"] = estimated[0]
        importer.cpu["estimate the model (first import)"] = estimated[1]
    run.timings = dict(importer.timings)  # type: ignore[attr-defined]
    run.cpu_timings = dict(importer.cpu)  # type: ignore[attr-defined]
    return run
