"""The witness: the furthest checkpoint this installation has written or verified, remembered
outside the database and the checkpoint folder (issue 15, finding 2).

Signed checkpoints catch a rewritten chain only while they are there: empty the folder, or
delete the newest checkpoints, and a rewritten trail verifies against what is left. The witness
file remembers the newest checkpoint seen (its trail, sequence number, event, hash and digest),
so ``audit verify`` fails when the set shrinks, goes missing or rolls back, or when the
checkpoint at that sequence number is no longer the same one.

``CHILDINDEX_AUDIT_WITNESS`` names one file or more (comma-separated): put the first outside the
database's and the checkpoint folder's storage, and a second copy elsewhere again (another host's
mount, say). Every copy is read; the furthest wins; a copy that is missing while another exists,
or that cannot be read, is itself a failure (someone removed or edited it). Each write replaces a
copy whole (written aside, flushed, renamed), and only ever moves it forward.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from childindex.audit.checkpoints import Checkpoint, CheckpointError


@dataclass(frozen=True)
class Witness:
    """The furthest checkpoint seen, and when it was recorded."""

    origin: str
    sequence: int
    event_id: int
    event_hash: str
    digest: str
    recorded_at: str

    @classmethod
    def of(cls, checkpoint: Checkpoint, *, now: dt.datetime) -> Witness:
        return cls(
            origin=checkpoint.origin,
            sequence=checkpoint.sequence,
            event_id=checkpoint.event_id,
            event_hash=checkpoint.event_hash,
            digest=checkpoint.digest,
            recorded_at=now.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        )


def witness_paths_check(paths: list[Path], checkpoint_dir: Path | None) -> None:
    """Refuse a witness kept inside the checkpoint folder (deleting one would delete both)."""
    if checkpoint_dir is None:
        return
    folder = checkpoint_dir.resolve()
    for path in paths:
        if path.resolve().is_relative_to(folder):
            raise CheckpointError(
                f"the audit witness file {path} must be outside the checkpoint folder {folder} "
                "(set CHILDINDEX_AUDIT_WITNESS to a path on other storage)"
            )


def _read_one(path: Path) -> Witness:
    try:
        fields = json.loads(path.read_text(encoding="ascii"))
        return Witness(
            origin=str(fields["origin"]),
            sequence=int(fields["sequence"]),
            event_id=int(fields["event_id"]),
            event_hash=str(fields["event_hash"]),
            digest=str(fields["digest"]),
            recorded_at=str(fields["recorded_at"]),
        )
    except (OSError, ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        raise CheckpointError(
            f"the audit witness file {path} cannot be read ({exc.__class__.__name__}): it was "
            "altered; restore it from its other copy or from the operator's records"
        ) from exc


def witness_read(paths: list[Path]) -> Witness | None:
    """The furthest checkpoint any copy remembers (None when no copy exists yet).

    Raises ``CheckpointError`` when a copy is unreadable, or missing while another exists."""
    found = {path: _read_one(path) for path in paths if path.exists()}
    if not found:
        return None
    missing = [path for path in paths if path not in found]
    furthest = max(found.values(), key=lambda w: (w.sequence, w.event_id))
    if missing:
        raise CheckpointError(
            f"the audit witness file {missing[0]} is missing while another copy remembers "
            f"checkpoint {furthest.sequence} (event {furthest.event_id}): a copy was removed"
        )
    return furthest


def witness_advance(paths: list[Path], checkpoint: Checkpoint, *, now: dt.datetime) -> None:
    """Record ``checkpoint`` in every copy that remembers less (never moves a copy back)."""
    witness = Witness.of(checkpoint, now=now)
    for path in paths:
        if path.exists():
            try:
                current = _read_one(path)
            except CheckpointError:
                continue  # verify reports it; never paper over an altered copy
            if (current.sequence, current.event_id) >= (witness.sequence, witness.event_id):
                continue
        path.parent.mkdir(parents=True, exist_ok=True)
        aside = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        with aside.open("w", encoding="ascii") as handle:
            json.dump(asdict(witness), handle, sort_keys=True, indent=1)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(aside, path)
