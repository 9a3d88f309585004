"""The hash chain, as plain functions over plain values (no database, no Django).

Each audit event's hash is SHA-256 over a canonical serialisation of its fields *and the
previous event's hash*: sorted-key JSON, no spaces, ASCII only. Changing any field of any
event, removing an event or reordering events changes a hash that a later event (or a signed
checkpoint) depends on, so ``audit verify`` can recompute the chain and name the first event
that does not fit.

Values are normalised before they are stored *and* before they are hashed (``plain``), so the
hash a writer computes is the hash a verifier recomputes from what the database gives back:
floats become strings (JSON numbers do not round-trip exactly through every database), dates
become ISO strings, tuples and sets become lists.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from json.encoder import encode_basestring_ascii
from typing import Any

GENESIS = "0" * 64

# The fields an event's hash covers, in the order a reader finds them documented.
HASHED_FIELDS = (
    "id",
    "at",
    "actor_id",
    "actor_label",
    "actor_role",
    "actor_organisation_id",
    "actor_local_authority_id",
    "action",
    "outcome",
    "purpose",
    "ip_address",
    "request_id",
    "children",
    "criteria",
    "shown",
    "detail",
    "prev_hash",
)


def plain(value: Any) -> Any:
    """A JSON value that survives a round trip through SQLite and PostgreSQL unchanged."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dt.datetime):
        return format_at(value) if value.tzinfo else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, set | frozenset):
        return sorted((plain(item) for item in value), key=str)
    if isinstance(value, Iterable):
        return [plain(item) for item in value]
    return str(value)


def format_at(at: dt.datetime) -> str:
    """A moment in UTC to the microsecond: ``2026-03-04T09:15:00.000123Z``."""
    if at.utcoffset() != _ZERO:
        at = at.astimezone(dt.UTC)
    return at.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


_ZERO = dt.timedelta(0)


class Encoded(str):
    """A value already serialised as canonical JSON (a verifier's shortcut; see below)."""


_ENCODER = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False
)


def canonical_json(value: Any) -> str:
    """Sorted keys, no spaces, ASCII only (scalars the quick way, as json.dumps writes them)."""
    if isinstance(value, str):
        return encode_basestring_ascii(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if type(value) is int:
        return str(value)
    return _ENCODER.encode(value)


@functools.lru_cache(maxsize=16384)
def canonical_json_text(text: str) -> Encoded:
    """The canonical form of JSON text as a database returns it. Cached: over millions of
    events the same small details and criteria recur, and parsing them again dominates."""
    return Encoded(canonical_json(json.loads(text)))


def _encode(value: Any) -> str:
    if type(value) is Encoded:
        return value
    if isinstance(value, dt.datetime):
        return encode_basestring_ascii(format_at(value))
    return canonical_json(value)


_PREFIXES = {name: json.dumps(name) + ":" for name in HASHED_FIELDS}
_SORTED_FIELDS = tuple(sorted(HASHED_FIELDS))


def canonical(fields: Mapping[str, Any]) -> bytes:
    """Exactly ``canonical_json(fields)``, but taking ``Encoded`` values as they are."""
    if fields.keys() == _PREFIXES.keys():
        parts = [_PREFIXES[name] + _encode(fields[name]) for name in _SORTED_FIELDS]
    else:
        parts = [json.dumps(name) + ":" + _encode(fields[name]) for name in sorted(fields)]
    return ("{" + ",".join(parts) + "}").encode("ascii")


def event_hash(fields: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of an event's hashed fields; ``fields["at"]`` may be a datetime."""
    return hashlib.sha256(canonical(fields)).hexdigest()


# The two values only the append itself knows, under the chain lock: the event's id and the head
# it follows, in the order sorted keys put them. Their markers hold control characters, which
# canonical JSON always escapes, so no field's encoding can contain them.
_OPEN = (("id", "\x00id\x00"), ("prev_hash", '"\x00prev\x00"'))


@dataclass(frozen=True)
class HashTemplate:
    """An event's canonical serialisation with its id and previous hash left open.

    ``pieces`` are the three ASCII texts around those two values, so that
    ``pieces[0] + id + pieces[1] + prev_hash + pieces[2]`` is exactly ``canonical(fields)``.
    The writer prepares them before it takes the chain lock; under the lock only the two values
    are filled in, by ``digest`` here or by the database's ``audit_append``, which computes the
    same SHA-256 in SQL.
    """

    pieces: tuple[str, str, str]

    def digest(self, *, event_id: int, prev_hash: str) -> str:
        first, second, third = self.pieces
        return hashlib.sha256(f"{first}{event_id}{second}{prev_hash}{third}".encode()).hexdigest()


def hash_template(fields: Mapping[str, Any]) -> HashTemplate:
    """The template of an event from its hashed ``fields`` (id and prev_hash are ignored)."""
    text = canonical({**fields, **{name: Encoded(marker) for name, marker in _OPEN}}).decode()
    pieces = []
    for _, marker in _OPEN:
        before, text = text.split(marker.strip('"'), 1)
        pieces.append(before)
    pieces.append(text)
    first, second, third = pieces
    return HashTemplate((first, second, third))


class SharedTemplate:
    """The templates of events that share every hashed field but their moment, children and
    detail (a batch of one writer's events), made by filling in those three values only.

    ``template(at, children, detail)`` is exactly ``hash_template`` of the shared fields with
    those three: the shared part is serialised once for the batch, not once per event."""

    _MARKERS = (
        ("at", "\x00at\x00"),
        ("children", "\x00children\x00"),
        ("detail", "\x00detail\x00"),
    )

    def __init__(self, shared: Mapping[str, Any]) -> None:
        fields = {
            **shared,
            **{name: Encoded(marker) for name, marker in self._MARKERS},
            "id": None,
            "prev_hash": None,
        }
        first, self._second, self._third = hash_template(fields).pieces
        parts = []
        for _, marker in self._MARKERS:  # sorted keys put all three before the id
            before, first = first.split(marker, 1)
            parts.append(before)
        parts.append(first)
        self._parts = tuple(parts)

    def template(self, at: dt.datetime, children: Any, detail: Any) -> HashTemplate:
        a, b, c, d = self._parts
        first = f"{a}{_encode(at)}{b}{canonical_json(children)}{c}{canonical_json(detail)}{d}"
        return HashTemplate((first, self._second, self._third))


@dataclass(frozen=True)
class Break:
    """The first event that does not fit the chain, and what is wrong with it."""

    event_id: int
    problem: str

    def __str__(self) -> str:
        return f"event {self.event_id}: {self.problem}"


class ChainChecker:
    """Feeds on events in id order; remembers the first break. Plain Python so it is fast and
    testable without a database."""

    def __init__(self) -> None:
        self.expected_id = 1
        self.previous_hash = GENESIS
        self.checked = 0
        self.first_break: Break | None = None

    def feed(self, fields: Mapping[str, Any], stored_hash: str) -> Break | None:
        """Check one event; returns the break it shows, if any (and keeps only the first)."""
        problem = self._problem(fields, stored_hash)
        event_id = int(fields["id"])
        self.checked += 1
        self.expected_id = event_id + 1
        self.previous_hash = stored_hash
        if problem is not None and self.first_break is None:
            self.first_break = problem
        return problem

    def _problem(self, fields: Mapping[str, Any], stored_hash: str) -> Break | None:
        event_id = int(fields["id"])
        if event_id != self.expected_id:
            if event_id < self.expected_id:
                return Break(event_id, "appears out of order (ids must rise one by one)")
            missing = (
                f"event {self.expected_id} is missing"
                if event_id == self.expected_id + 1
                else f"events {self.expected_id} to {event_id - 1} are missing"
            )
            return Break(
                self.expected_id,
                f"{missing}: deleted from the trail (the next event is {event_id})",
            )
        if event_hash(fields) != stored_hash:
            return Break(event_id, "its fields do not match its hash: edited after it was written")
        if fields["prev_hash"] != self.previous_hash:
            if event_id == 1:
                return Break(1, "the first event does not start the chain")
            return Break(
                event_id - 1,
                f"event {event_id} links to a different hash for it: it was edited and its "
                "hash recomputed, or it was replaced",
            )
        return None
