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

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.db.models import TextField
from django.db.models.functions import Cast

from childindex.audit import checkpoints
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


def _checkpoint_map(
    directory: Path, public_keys: list[Path], report: Report
) -> dict[int, checkpoints.Checkpoint]:
    try:
        keys = checkpoints.load_public_keys(public_keys)
        found = checkpoints.read_checkpoints(directory) if directory.exists() else []
    except checkpoints.CheckpointError as exc:
        report.checkpoint_problem = str(exc)
        return {}
    by_event: dict[int, checkpoints.Checkpoint] = {}
    previous: checkpoints.Checkpoint | None = None
    for checkpoint in found:
        expected = previous.sequence + 1 if previous else 1
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
        by_event[checkpoint.event_id] = checkpoint
        previous = checkpoint
    report.checkpoints = len(by_event)
    report.covered_to = previous.event_id if previous else 0
    return by_event


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
) -> Report:
    """Check the whole trail; ``report.problem`` is the first broken event, if any."""
    report = Report()
    by_event: dict[int, checkpoints.Checkpoint] = {}
    if checkpoint_dir is not None:
        by_event = _checkpoint_map(checkpoint_dir, public_keys, report)
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
    if report.problem is None and checkpoint_dir is not None and not by_event:
        report.notes.append("no signed checkpoint yet: the chain alone was checked")
    elif (
        checkpoint_dir is not None
        and report.problem is None
        and (report.last_event_id > report.covered_to)
    ):
        report.notes.append(
            f"events {report.covered_to + 1} to {report.last_event_id} are not yet covered by a "
            "signed checkpoint"
        )
    return report
