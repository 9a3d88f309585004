"""Verify the audit trail: every link of the hash chain and every signed checkpoint.

What it finds, and how:

- an edited field: the event's recomputed hash differs from its stored hash;
- an edited field whose hash was recomputed: the next event links to the old hash;
- a deleted event: ids run 1, 2, 3, ... without gaps, so a gap names the missing event;
- a truncated tail: a signed checkpoint names an event the trail no longer has;
- a whole chain recomputed after an edit: it no longer matches the hashes signed in the
  checkpoints (the signing key is not in the database);
- a checkpoint removed, altered or forged: checkpoints are numbered, each names the digest of
  the one before, and each is signed;
- the "who accessed this child" index (``audit_event_child``) disagreeing with the events.

Events after the newest checkpoint are covered by the chain only: a tail cut off after it, or
the newest events recomputed, cannot be told from a trail that simply ended there. Checkpoints
every N events or M minutes keep that window small.

The trail is read once, in id order, in chunks (``iterator(chunk_size=...)``): memory stays flat
however long the trail is.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.db.models import TextField
from django.db.models.functions import Cast

from childindex.audit import checkpoints, witness
from childindex.audit.chain import HASHED_FIELDS, Break, ChainChecker, canonical_json_text
from childindex.audit.models import AuditEvent, AuditEventChild

_JSON_FIELDS = frozenset({"children", "criteria", "shown", "detail"})


@dataclass
class Report:
    events: int = 0
    last_event_id: int = 0
    checkpoints: int = 0
    covered_to: int = 0
    problem: Break | None = None
    checkpoint_problem: str = ""
    notes: list[str] = field(default_factory=list)
    # No checkpoint in the folder and none remembered by the witness: a fresh install.
    no_checkpoint_yet: bool = False
    # The first event older than the checkpoint interval that no checkpoint signs (0: none).
    unsigned_old_from: int = 0


def _chained_checkpoints(
    directory: Path, public_keys: list[Path], origin: str, report: Report
) -> list[checkpoints.Checkpoint]:
    """The folder's checkpoints, in order, up to the first that is not of this trail, not in
    sequence, not signed by a known key or going back (``report.checkpoint_problem``)."""
    try:
        found = checkpoints.read_checkpoints(directory) if directory.exists() else []
        if found and not public_keys:
            raise checkpoints.CheckpointError(
                "no public key to check checkpoint signatures: set CHILDINDEX_AUDIT_PUBLIC_KEYS "
                "or pass --public-key"
            )
        keys = checkpoints.load_public_keys(public_keys) if found else {}
    except checkpoints.CheckpointError as exc:
        report.checkpoint_problem = str(exc)
        return []
    chained: list[checkpoints.Checkpoint] = []
    previous: checkpoints.Checkpoint | None = None
    for checkpoint in found:
        expected = previous.sequence + 1 if previous else 1
        if checkpoint.origin != origin:
            report.checkpoint_problem = (
                f"checkpoint {checkpoint.sequence} belongs to another audit trail "
                f"({checkpoint.origin or 'it names no trail'}; this database's trail is "
                f"{origin!r}): the checkpoint folder or the database is the wrong one"
            )
            break
        if checkpoint.sequence != expected:
            report.checkpoint_problem = (
                f"checkpoint {expected} is missing from {directory} (the next is "
                f"{checkpoint.sequence})"
            )
            break
        if checkpoint.previous != (previous.digest if previous else ""):
            report.checkpoint_problem = (
                f"checkpoint {checkpoint.sequence} does not follow checkpoint {expected - 1}: "
                "a checkpoint was altered or replaced"
            )
            break
        if not checkpoints.signature_is_valid(checkpoint, keys):
            known = checkpoint.key_id in keys
            report.checkpoint_problem = (
                f"checkpoint {checkpoint.sequence} (event {checkpoint.event_id}) has an invalid "
                f"signature{'' if known else f' (no public key with id {checkpoint.key_id})'}"
            )
            break
        if previous and checkpoint.event_id <= previous.event_id:
            report.checkpoint_problem = (
                f"checkpoint {checkpoint.sequence} goes back to event {checkpoint.event_id}"
            )
            break
        chained.append(checkpoint)
        previous = checkpoint
    return chained


def _witness_problem(
    chained: list[checkpoints.Checkpoint], remembered: witness.Witness, origin: str
) -> str:
    """Why the checkpoints disagree with the furthest one this installation has seen ("")."""
    if remembered.origin != origin:
        return (
            f"the audit witness remembers another audit trail ({remembered.origin}; this "
            f"database's trail is {origin!r}): the witness or the database is the wrong one"
        )
    last = chained[-1] if chained else None
    if last is None or last.sequence < remembered.sequence:
        now_ends = (
            f"the checkpoints end at checkpoint {last.sequence} (event {last.event_id})"
            if last
            else "the checkpoint folder holds no checkpoint"
        )
        return (
            f"{now_ends}, but checkpoint {remembered.sequence} (event {remembered.event_id}) "
            f"was verified on {remembered.recorded_at}: the checkpoints were removed or rolled "
            "back"
        )
    same = chained[remembered.sequence - 1]
    if same.digest != remembered.digest:
        return (
            f"checkpoint {remembered.sequence} differs from the one verified on "
            f"{remembered.recorded_at}: the checkpoints were replaced"
        )
    return ""


def _checkpoint_map(
    directory: Path,
    public_keys: list[Path],
    report: Report,
    *,
    origin: str,
    witness_paths: list[Path],
) -> tuple[dict[int, checkpoints.Checkpoint], witness.Witness | None]:
    chained = _chained_checkpoints(directory, public_keys, origin, report)
    remembered = None
    if not report.checkpoint_problem:
        try:
            witness.witness_paths_check(witness_paths, directory)
            remembered = witness.witness_read(witness_paths)
        except checkpoints.CheckpointError as exc:
            report.checkpoint_problem = str(exc)
    if remembered is not None and not report.checkpoint_problem:
        report.checkpoint_problem = _witness_problem(chained, remembered, origin)
    report.checkpoints = len(chained)
    report.covered_to = chained[-1].event_id if chained else 0
    report.no_checkpoint_yet = not chained and remembered is None
    return {c.event_id: c for c in chained}, remembered


def _child_index_rows(last_id: int, chunk_size: int) -> Iterator[tuple[int, str]]:
    return (
        AuditEventChild.objects.filter(event_id__lte=last_id)
        .order_by("event_id", "index_number")
        .values_list("event_id", "index_number")
        .iterator(chunk_size=chunk_size)
    )


def verify_trail(
    *,
    checkpoint_dir: Path | None,
    public_keys: list[Path],
    chunk_size: int = 5000,
    origin: str = "",
    witness_paths: list[Path] | None = None,
    unsigned_after: dt.timedelta | None = None,
    now: dt.datetime | None = None,
) -> Report:
    """Check the whole trail; ``report.problem`` is the first broken event, if any.

    With a checkpoint folder: checkpoints must be of this trail (``origin``), agree with the
    furthest checkpoint the witness files remember, and sign every event older than
    ``unsigned_after``. A whole trail moves the witness forward to its newest checkpoint."""
    report = Report()
    by_event: dict[int, checkpoints.Checkpoint] = {}
    witness_paths = list(witness_paths or [])
    if checkpoint_dir is not None:
        by_event, _ = _checkpoint_map(
            checkpoint_dir, public_keys, report, origin=origin, witness_paths=witness_paths
        )
    else:
        report.notes.append(
            "no checkpoints checked: a chain recomputed after an edit would not be detected"
        )

    head = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    checker = ChainChecker()
    # JSON columns come as text and are parsed here: Django's per-value converters cost more
    # than the parsing itself over millions of rows.
    as_text = {f"{name}_json": Cast(name, TextField()) for name in _JSON_FIELDS}
    columns = [f"{name}_json" if name in _JSON_FIELDS else name for name in HASHED_FIELDS]
    rows = (
        AuditEvent.objects.filter(id__lte=head)
        .order_by("id")
        .annotate(**as_text)
        .values_list(*columns, "hash")
        .iterator(chunk_size=chunk_size)
    )
    json_positions = [i for i, name in enumerate(HASHED_FIELDS) if name in _JSON_FIELDS]
    links = _child_index_rows(head, chunk_size)
    pending_link = next(links, None)
    children_position = HASHED_FIELDS.index("children")
    for row in rows:
        values = list(row[:-1])
        for i in json_positions:
            values[i] = (
                json.loads(values[i]) if i == children_position else canonical_json_text(values[i])
            )
        fields = dict(zip(HASHED_FIELDS, values, strict=True))
        stored_hash = row[-1]
        event_id = fields["id"]
        problem = checker.feed(fields, stored_hash)

        indexed: set[str] = set()
        while pending_link is not None and pending_link[0] <= event_id:
            if pending_link[0] < event_id and problem is None:
                problem = Break(
                    pending_link[0],
                    f"the child index lists child {pending_link[1]} for an event that is not "
                    "in the trail",
                )
            elif pending_link[0] == event_id:
                indexed.add(pending_link[1])
            pending_link = next(links, None)
        if problem is None and indexed != set(fields["children"] or []):
            problem = Break(
                event_id,
                "the child index (audit_event_child) does not match the children the event "
                "names: the index was altered",
            )

        checkpoint = by_event.get(event_id)
        if problem is None and checkpoint is not None and checkpoint.event_hash != stored_hash:
            problem = Break(
                event_id,
                f"its hash differs from the one signed in checkpoint {checkpoint.sequence} "
                f"({checkpoint.created_at}): the chain was rewritten at or before this event",
            )
        if problem is not None:
            report.problem = problem
            break

    report.events = checker.checked
    report.last_event_id = checker.expected_id - 1
    if report.problem is None and report.covered_to > report.last_event_id:
        checkpoint = by_event[report.covered_to]
        report.problem = Break(
            report.last_event_id + 1,
            f"events {report.last_event_id + 1} to {checkpoint.event_id} are missing: the trail "
            f"was truncated (checkpoint {checkpoint.sequence} of {checkpoint.created_at} signed "
            f"event {checkpoint.event_id})",
        )
    if report.problem is None and pending_link is not None:
        report.problem = Break(
            pending_link[0],
            f"the child index lists child {pending_link[1]} for an event that is not in the trail",
        )
    if report.problem is not None or checkpoint_dir is None:
        return report
    if unsigned_after is not None and report.last_event_id > report.covered_to:
        first_unsigned = (
            AuditEvent.objects.filter(id__gt=report.covered_to)
            .order_by("id")
            .values_list("id", "at")
            .first()
        )
        now = now or dt.datetime.now(dt.UTC)
        if first_unsigned is not None and first_unsigned[1] < now - unsigned_after:
            report.unsigned_old_from = first_unsigned[0]
            if not report.no_checkpoint_yet and not report.checkpoint_problem:
                minutes = int(unsigned_after.total_seconds() // 60)
                report.checkpoint_problem = (
                    f"events {report.covered_to + 1} to {report.last_event_id} are unsigned, and "
                    f"event {first_unsigned[0]} is older than {minutes} minutes (twice the "
                    "checkpoint interval): the checkpoint worker is not running, or the newest "
                    "checkpoints were removed"
                )
    if report.checkpoint_problem:
        return report
    if by_event:
        newest = by_event[report.covered_to]
        witness.witness_advance(witness_paths, newest, now=now or dt.datetime.now(dt.UTC))
    if report.no_checkpoint_yet:
        return report
    if report.last_event_id > report.covered_to:
        report.notes.append(
            f"events {report.covered_to + 1} to {report.last_event_id} are not yet covered by a "
            "signed checkpoint"
        )
    return report
