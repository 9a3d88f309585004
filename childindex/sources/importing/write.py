"""Writing a chunk's decisions: source records, links, new children, identifiers,
involvements, review items, row problems and audit events, inside the chunk's transaction.

``Writer`` serves the import and review decisions alike (a person's link or new child is
written by the same code as the model's).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.db import connection
from django.utils import timezone

from childindex.audit.models import Action
from childindex.audit.services import audit_record_many
from childindex.core.identifiers import IdentifierType
from childindex.linkage.decide import Outcome
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
from childindex.records.search_index import search_keys_add
from childindex.records.services import new_index_numbers
from childindex.sources.bulk import JsonText, insert_rows, moment, select_in, table
from childindex.sources.importing.linkage import candidate_json
from childindex.sources.importing.parse import Catalogue, Counts, Known, WorkRow
from childindex.sources.models import (
    Feed,
    ImportRun,
    LinkageModel,
    LinkMethod,
    ProblemSeverity,
    RecordStatus,
    ReviewItem,
    RowProblem,
    SourceLink,
    SourceRecord,
)
from childindex.sources.reading import BadRow


class Writer:
    """The writes of one feed's run (``run`` is the run records are written under)."""

    def __init__(
        self,
        *,
        feed: Feed,
        run: ImportRun,
        model: LinkageModel,
        actor_label: str,
        catalogue: Catalogue | None = None,
        today: dt.date | None = None,
    ) -> None:
        self.feed, self.run, self.model = feed, run, model
        self.actor_label = actor_label
        self.catalogue = catalogue or Catalogue(feed.local_authority_id)
        self.today = today or timezone.localdate()

    def write_chunk(
        self,
        fresh: list[WorkRow],
        known: list[WorkRow],
        listed_but_rejected: list[Known],
        counts: Counts,
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
        self.review_items([r for r in fresh if r.child_id is None], by_row)
        self.audit(fresh + changed)
        # Children whose linkage record changed: the scorer reads them again, exactly as a
        # resumed import would read them from the database.
        return sorted(touched | set(new_children))

    def create_children(self, rows: list[WorkRow]) -> list[int]:
        """New children for rows below the lower threshold (a source the LA trusts).

        Written by prepared INSERTs (``bulk.insert_rows``), not ``bulk_create``: compiling
        Django's INSERT per batch of 500 cost more than the rest of a first load's writes."""
        if not rows:
            return []
        la_id = self.feed.local_authority_id
        numbers = new_index_numbers(len(rows))
        stamp = moment(timezone.now())
        day = connection.ops.adapt_datefield_value
        active = ChildStatus.ACTIVE.value
        insert_rows(
            Child,
            (
                "index_number",
                "date_of_birth",
                "gender",
                "responsible_la_id",
                "status",
                "death_source",
                "shielded",
                "created_at",
                "updated_at",
            ),
            [
                (number, day(r.parsed.date_of_birth), r.parsed.gender, la_id, active, "", False)
                + (stamp, stamp)
                for r, number in zip(rows, numbers, strict=True)
            ],
            adapted=True,
        )
        ids_by_number = dict(
            select_in(
                f"SELECT index_number, id FROM {table(Child)} WHERE index_number IN ({{}})",  # noqa: S608
                numbers,
            )
        )
        names, addresses = [], []
        current, known = NameKind.CURRENT.value, AddressStatus.KNOWN.value
        for row, number in zip(rows, numbers, strict=True):
            p = row.parsed
            row.child_id = child_id = ids_by_number[number]
            row.changes.append("child_created")
            names.append((child_id, current, p.given_names, p.family_name))
            if p.postcode and p.address_line_1:
                addresses.append(
                    (
                        child_id,
                        known,
                        p.address_line_1[:100],
                        p.address_line_2[:100],
                        p.town[:60],
                        p.postcode,
                        la_id,
                        "",
                    )
                )
        insert_rows(
            ChildName, ("child_id", "kind", "given_names", "family_name"), names, adapted=True
        )
        insert_rows(
            ChildAddress,
            (
                "child_id",
                "status",
                "line_1",
                "line_2",
                "town",
                "postcode",
                "local_authority_id",
                "country",
            ),
            addresses,
            adapted=True,
        )
        ids = [ids_by_number[number] for number in numbers]
        # Search finds them in the same transaction: their keys from the values just written.
        search_keys_add(
            children=(
                (
                    row.child_id,
                    [(row.parsed.given_names, row.parsed.family_name)],
                    row.parsed.date_of_birth,
                    [row.parsed.postcode]
                    if row.parsed.postcode and row.parsed.address_line_1
                    else [],
                )
                for row in rows
                if row.child_id is not None
            )
        )
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
                add.append((row.child_id, kind, issuer, value))
                touched.add(row.child_id)
                if "child_created" not in row.changes:
                    row.changes.append("identifier_added")
            insert_rows(ChildIdentifier, ("child_id", "type", "issuer", "value"), add, adapted=True)
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
        to_create: dict[tuple[int, int, dt.date], tuple[Any, ...]] = {}
        key_ends: dict[tuple[int, int, dt.date], dt.date | None] = {}
        day = connection.ops.adapt_datefield_value
        feed_name = self.feed.name
        for row in rows:
            p = row.parsed
            key = (row.child_id, row.service_id, p.start_date)
            practitioner_id = self.catalogue.practitioners.get(p.practitioner_email)
            found = existing.get(key)
            if found is None:
                if key not in to_create:
                    to_create[key] = (
                        row.child_id, row.service_id, practitioner_id, day(p.start_date),
                        day(p.end_date), row.basis, feed_name,
                    )  # fmt: skip
                    key_ends[key] = p.end_date
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
        if to_create:
            # One prepared INSERT (``bulk.insert_rows``), then the new ids read back by the
            # involvement's own key (child, service, start), as the children's are.
            stamp = moment(now)
            insert_rows(
                Involvement,
                (
                    "child_id", "service_id", "practitioner_id", "started_on", "ended_on",
                    "basis", "source_feed", "logged_by_id", "is_lead_professional",
                    "assessment_type", "assessment_on", "has_information_to_share",
                    "taking_action", "created_at", "updated_at",
                ),
                [values + (None, False, "", None, False, False, stamp, stamp)
                 for values in to_create.values()],
                adapted=True,
            )  # fmt: skip
            new_children = sorted({key[0] for key in to_create})
            for pk, child_id, service_id, started in select_in(
                "SELECT id, child_id, service_id, CAST(started_on AS TEXT) "  # noqa: S608
                f"FROM {table(Involvement)} WHERE child_id IN ({{}})",
                new_children,
            ):
                if started not in dates:
                    dates[started] = dt.date.fromisoformat(started)
                key = (child_id, service_id, dates[started])
                if key in to_create:
                    existing[key] = [pk, key_ends[key], to_create[key][2], feed_name]
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

    def review_items(self, rows: list[WorkRow], by_row: dict[int, WorkRow]) -> None:
        items = []
        for row in rows:
            decision = row.decision
            assert decision is not None and row.record_id is not None
            candidates = []
            for c in decision.candidates:
                data = candidate_json(c)
                if data["child_id"] is None:  # another row of the file: the child it made
                    partner = by_row.get(int(c.other_id[1:]))
                    data["child_id"] = partner.child_id if partner else None
                    if data["child_id"] is None and row.new_child_of is not None:
                        data["child_id"] = by_row[row.new_child_of].child_id
                    if data["child_id"] is None and partner is not None:
                        # A row that waits too (no child yet): the candidate is that record.
                        data["source_record_id"] = partner.record_id
                candidates.append(data)
            for c in decision.twins:
                data = candidate_json(c)
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

    def audit(self, rows: list[WorkRow]) -> None:
        """One audit event per record that changed the index, appended as one batch."""
        changed = [r for r in rows if r.changes and r.child_id is not None]
        if not changed:
            return
        numbers = dict(
            select_in(
                f"SELECT id, index_number FROM {table(Child)} WHERE id IN ({{}})",  # noqa: S608
                sorted({r.child_id for r in changed if r.child_id is not None}),
            )
        )
        feed, run = self.feed.name, self.run.pk
        audit_record_many(
            actor=None,
            actor_label=self.actor_label,
            action=Action.FEED_RECORD_APPLIED,
            entries=(
                (
                    [numbers[row.child_id]],
                    {
                        "feed": feed,
                        "run": run,
                        "key": row.parsed.key,
                        "row": row.parsed.row_number,
                        "changes": row.changes,
                    },
                )
                for row in changed
            ),
        )

    def write_problems(self, rejected: list[BadRow], kept: list[WorkRow], counts: Counts) -> None:
        """The chunk's row problems: each rejected row, and each value a kept row had dropped
        from matching (a warning)."""
        problems = [
            RowProblem(
                run=self.run,
                row_number=b.row_number,
                line_number=b.line_number,
                key=b.key[:100],
                severity=ProblemSeverity.REJECTED,
                column=b.column[:100],
                reason=b.reason[:300],
            )
            for b in rejected
        ]
        warned = 0
        for row in kept:
            p = row.parsed
            if not p.warnings:
                continue
            warned += 1
            problems.extend(
                RowProblem(
                    run=self.run,
                    row_number=p.row_number,
                    line_number=p.line_number,
                    key=p.key[:100],
                    severity=ProblemSeverity.WARNING,
                    column=column[:100],
                    reason=reason[:300],
                )
                for column, reason in p.warnings
            )
        problems.sort(key=lambda p: (p.row_number, p.column))
        RowProblem.objects.bulk_create(problems, batch_size=500)
        counts.rejected += len(rejected)
        counts.warned += warned
