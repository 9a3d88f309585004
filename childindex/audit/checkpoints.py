"""Signed checkpoints of the audit chain, kept outside the database.

A hash chain alone shows that events were changed, unless whoever changed them also recomputed
every later hash. A checkpoint pins the chain: every N events or M minutes a worker signs
"event <id> has hash <h>" with an Ed25519 key that is not in the database, and writes it as a
small JSON file into a folder the operator chooses (``CHILDINDEX_AUDIT_CHECKPOINT_DIR``: ideally
append-only or replicated storage the database administrators cannot write). A recomputed
chain no longer matches the signed hashes; a truncated trail lacks events a checkpoint names.

Each checkpoint also carries its sequence number and the digest of the checkpoint before it,
so a checkpoint removed from the middle of the folder shows too.

Each checkpoint names its trail: an origin line ``childindex audit trail <trail id>`` (the id
made by the first migration, ``audit.TrailOrigin``), as signed transparency-log checkpoints
do, so another database's checkpoints are refused as another trail's.

Files: ``<sequence:010d>-<event id>.json`` holding ``origin, sequence, event_id, event_hash,
created_at, previous, key_id, signature`` (signature: hex Ed25519 over the canonical JSON of the
other fields). Keys: PKCS#8 PEM private key (mode 0600) and the SubjectPublicKeyInfo PEM
public key beside it (``<key>.pub``); ``childindex audit keygen`` makes both.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from childindex.audit.chain import canonical


class CheckpointError(Exception):
    """A key or checkpoint file that cannot be used; the message says which and why."""


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    sequence: int
    event_id: int
    event_hash: str
    created_at: str
    previous: str
    key_id: str
    signature: str = ""

    def payload(self) -> bytes:
        fields = asdict(self)
        del fields["signature"]
        return canonical(fields)

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.payload() + self.signature.encode("ascii")).hexdigest()

    @property
    def filename(self) -> str:
        return f"{self.sequence:010d}-{self.event_id}.json"


# --- Keys -------------------------------------------------------------------------------------


def key_id(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def public_key_path(private_key_path: Path) -> Path:
    return private_key_path.with_name(private_key_path.name + ".pub")


def generate_key_pair(private_key_path: Path) -> str:
    """Write a new private key (mode 0600; never overwrites) and its public key; return its id."""
    private_key = Ed25519PrivateKey.generate()
    private_pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public_pem = private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    private_key_path.parent.mkdir(parents=True, exist_ok=True)
    public_path = public_key_path(private_key_path)
    for path in (private_key_path, public_path):
        if path.exists():
            raise CheckpointError(f"{path} already exists: refusing to overwrite a key")
    descriptor = os.open(private_key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(private_pem)
    public_path.write_bytes(public_pem)
    return key_id(private_key.public_key())


def load_signing_key(path: Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except FileNotFoundError as exc:
        raise CheckpointError(f"the audit signing key {path} does not exist") from exc
    except (ValueError, TypeError) as exc:
        raise CheckpointError(f"{path} is not an unencrypted PEM private key") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise CheckpointError(f"{path} is not an Ed25519 key")
    return key


def load_public_keys(paths: list[Path]) -> dict[str, Ed25519PublicKey]:
    keys: dict[str, Ed25519PublicKey] = {}
    for path in paths:
        try:
            key = serialization.load_pem_public_key(path.read_bytes())
        except FileNotFoundError as exc:
            raise CheckpointError(f"the audit public key {path} does not exist") from exc
        except ValueError as exc:
            raise CheckpointError(f"{path} is not a PEM public key") from exc
        if not isinstance(key, Ed25519PublicKey):
            raise CheckpointError(f"{path} is not an Ed25519 public key")
        keys[key_id(key)] = key
    return keys


# --- Checkpoint files -------------------------------------------------------------------------


def origin_line(trail_id: str) -> str:
    """The origin line a checkpoint of this trail carries."""
    return f"childindex audit trail {trail_id}"


def read_checkpoints(directory: Path) -> list[Checkpoint]:
    """Every checkpoint in ``directory``, by sequence number."""
    checkpoints = []
    for path in sorted(directory.glob("*.json")):
        try:
            fields = json.loads(path.read_text(encoding="ascii"))
            checkpoint = Checkpoint(
                origin=str(fields.get("origin", "")),  # older files name no trail
                sequence=int(fields["sequence"]),
                event_id=int(fields["event_id"]),
                event_hash=str(fields["event_hash"]),
                created_at=str(fields["created_at"]),
                previous=str(fields["previous"]),
                key_id=str(fields["key_id"]),
                signature=str(fields["signature"]),
            )
        except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
            raise CheckpointError(f"checkpoint file {path.name} cannot be read ({exc})") from exc
        if checkpoint.filename != path.name:
            raise CheckpointError(
                f"checkpoint file {path.name} has been renamed (its content says "
                f"{checkpoint.filename})"
            )
        checkpoints.append(checkpoint)
    return sorted(checkpoints, key=lambda c: c.sequence)


def signature_is_valid(checkpoint: Checkpoint, keys: dict[str, Ed25519PublicKey]) -> bool:
    key = keys.get(checkpoint.key_id)
    if key is None:
        return False
    try:
        key.verify(bytes.fromhex(checkpoint.signature), checkpoint.payload())
    except (InvalidSignature, ValueError):
        return False
    return True


def write_checkpoint(
    directory: Path,
    signing_key: Ed25519PrivateKey,
    *,
    origin: str,
    event_id: int,
    event_hash: str,
    now: dt.datetime,
) -> Checkpoint | None:
    """Sign and write a checkpoint for the chain's head, unless the last one already covers it.

    The file appears whole or not at all (written aside, flushed, then linked into place); a
    lock file in the folder keeps two workers from writing the same sequence number.
    """
    directory.mkdir(parents=True, exist_ok=True)
    with _directory_lock(directory):
        return _write_checkpoint(
            directory, signing_key, origin=origin, event_id=event_id, event_hash=event_hash, now=now
        )


@contextlib.contextmanager
def _directory_lock(directory: Path):
    with (directory / ".lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _write_checkpoint(
    directory: Path,
    signing_key: Ed25519PrivateKey,
    *,
    origin: str,
    event_id: int,
    event_hash: str,
    now: dt.datetime,
) -> Checkpoint | None:
    existing = read_checkpoints(directory)
    last = existing[-1] if existing else None
    if last is not None and last.origin != origin:
        raise CheckpointError(
            f"the checkpoint folder {directory} holds checkpoints of another audit trail "
            f"({last.origin or 'no trail named'}; this one is {origin}): give this trail a "
            "folder of its own"
        )
    if last is not None and last.event_id >= event_id:
        return None
    unsigned = Checkpoint(
        origin=origin,
        sequence=(last.sequence + 1) if last else 1,
        event_id=event_id,
        event_hash=event_hash,
        created_at=now.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        previous=last.digest if last else "",
        key_id=key_id(signing_key.public_key()),
    )
    signature = signing_key.sign(unsigned.payload()).hex()
    signed = Checkpoint(**{**asdict(unsigned), "signature": signature})
    final = directory / signed.filename
    aside = directory / f".{signed.filename}.{os.getpid()}.tmp"
    with aside.open("w", encoding="ascii") as handle:
        json.dump(asdict(signed), handle, sort_keys=True, indent=1)
        handle.write("\n")
        handle.flush()
        os.fsync(handle.fileno())
    try:
        os.link(aside, final)
    except FileExistsError:
        return None
    finally:
        aside.unlink(missing_ok=True)
    directory_fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(directory_fd)
    finally:
        os.close(directory_fd)
    return signed
