"""The hash chain as plain functions: canonical, stable, sensitive to every field."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from childindex.audit.chain import GENESIS, HASHED_FIELDS, ChainChecker, event_hash, plain


def _fields(**overrides):
    fields = {
        "id": 1,
        "at": dt.datetime(2026, 3, 4, 9, 15, 0, 123, tzinfo=dt.UTC),
        "actor_id": 7,
        "actor_label": "user7",
        "actor_role": "practitioner",
        "actor_organisation_id": 3,
        "actor_local_authority_id": 2,
        "action": "record_view",
        "outcome": "allowed",
        "purpose": "referral",
        "ip_address": "192.0.2.10",
        "request_id": "0f1e",
        "children": ["12345678901"],
        "criteria": {},
        "shown": {"shielded": True},
        "detail": {},
        "prev_hash": GENESIS,
    }
    fields.update(overrides)
    return fields


def test_the_hash_does_not_depend_on_key_order():
    fields = _fields()
    reordered = dict(reversed(list(fields.items())))
    assert event_hash(fields) == event_hash(reordered)


@pytest.mark.parametrize("name", [n for n in HASHED_FIELDS if n != "id"])
def test_changing_any_hashed_field_changes_the_hash(name):
    fields = _fields()
    changed = dict(fields)
    value = fields[name]
    if isinstance(value, dt.datetime):
        changed[name] = value + dt.timedelta(microseconds=1)
    elif isinstance(value, bool | int):
        changed[name] = value + 1
    elif isinstance(value, list):
        changed[name] = [*value, "10000000001"]
    elif isinstance(value, dict):
        changed[name] = {**value, "extra": 1}
    else:
        changed[name] = value + "x"
    assert event_hash(changed) != event_hash(fields)


def test_the_same_moment_in_another_time_zone_hashes_the_same():
    at = dt.datetime(2026, 7, 1, 10, 0, tzinfo=dt.UTC)
    london = at.astimezone(dt.timezone(dt.timedelta(hours=1)))
    assert event_hash(_fields(at=at)) == event_hash(_fields(at=london))


def test_plain_makes_values_that_survive_a_json_round_trip():
    value = {1: 2.5, "when": dt.date(2026, 1, 2), "set": {"b", "a"}, "tuple": (1, 2)}
    assert plain(value) == {"1": "2.5", "when": "2026-01-02", "set": ["a", "b"], "tuple": [1, 2]}


def _chain(length):
    events, previous = [], GENESIS
    for n in range(1, length + 1):
        fields = _fields(id=n, prev_hash=previous)
        previous = event_hash(fields)
        events.append((fields, previous))
    return events


def test_an_unbroken_chain_has_no_break():
    checker = ChainChecker()
    for fields, stored in _chain(5):
        checker.feed(fields, stored)
    assert checker.first_break is None and checker.checked == 5


def test_a_missing_event_is_named():
    checker = ChainChecker()
    for fields, stored in [e for e in _chain(5) if e[0]["id"] != 3]:
        checker.feed(fields, stored)
    assert checker.first_break.event_id == 3
    assert "missing" in checker.first_break.problem


def test_an_edited_and_rehashed_event_is_named_by_the_next_link():
    chain = _chain(5)
    fields, _ = chain[1]
    edited = {**fields, "purpose": "data_quality"}
    chain[1] = (edited, event_hash(edited))
    checker = ChainChecker()
    for fields, stored in chain:
        checker.feed(fields, stored)
    assert checker.first_break.event_id == 2
    assert "recomputed" in checker.first_break.problem


def test_the_fast_canonical_form_is_exactly_sorted_key_json():
    import json

    from childindex.audit.chain import Encoded, canonical, canonical_json_text, format_at

    fields = _fields(detail={"b": [1, {"z": None, "a": "é"}], "a": True})
    expected = json.dumps(
        {**fields, "at": format_at(fields["at"])},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=True,
    ).encode()
    assert canonical(fields) == expected
    from_text = {
        **fields,
        "detail": canonical_json_text('{"a": true, "b": [1, {"a": "é", "z": null}]}'),
    }
    assert isinstance(from_text["detail"], Encoded)
    assert canonical(from_text) == expected


# Text a field may hold that could confuse a template split: quotes, backslashes, control
# characters (the markers' own), non-ASCII, JSON-looking text.
_AWKWARD = st.text(
    alphabet=st.sampled_from(['"', "\\", "\x00", "\n", "é", "\u2028", "a", ":", ",", "{", "}"]),
    max_size=12,
)


@settings(max_examples=200, deadline=None)
@given(
    label=_AWKWARD,
    criteria=st.dictionaries(_AWKWARD, _AWKWARD | st.integers() | st.none(), max_size=3),
    event_id=st.integers(min_value=1, max_value=10**15),
    prev_hash=st.text(alphabet="0123456789abcdef", min_size=64, max_size=64),
)
def test_the_hash_template_filled_in_is_the_events_hash(label, criteria, event_id, prev_hash):
    """Under the chain lock only the id and the previous hash are filled in (in SQL on
    PostgreSQL): the result must be exactly the hash a verifier recomputes."""
    from childindex.audit.chain import hash_template

    fields = _fields(actor_label=label, criteria=criteria, detail={"note": label})
    template = hash_template({**fields, "id": None, "prev_hash": ""})
    assert len(template.pieces) == 3
    assert template.digest(event_id=event_id, prev_hash=prev_hash) == event_hash(
        {**fields, "id": event_id, "prev_hash": prev_hash}
    )


@settings(max_examples=200, deadline=None)
@given(
    label=_AWKWARD,
    children=st.lists(st.text(alphabet="0123456789", min_size=11, max_size=11), max_size=3),
    detail=st.dictionaries(_AWKWARD, _AWKWARD | st.integers() | st.none(), max_size=3),
    microsecond=st.integers(min_value=0, max_value=999_999),
    event_id=st.integers(min_value=1, max_value=10**15),
)
def test_a_batchs_shared_template_filled_in_is_each_events_own_template(
    label, children, detail, microsecond, event_id
):
    """``audit_record_many`` serialises what a batch's events share once: each event's
    template must be exactly the one ``hash_template`` makes from all its fields."""
    from childindex.audit.chain import SharedTemplate, hash_template

    fields = _fields(actor_label=label, children=children, detail=detail)
    fields["at"] = dt.datetime(2026, 12, 3, 11, 0, 0, microsecond, tzinfo=dt.UTC)
    shared = {
        k: v for k, v in fields.items() if k not in {"id", "at", "children", "detail", "prev_hash"}
    }
    template = SharedTemplate(shared).template(fields["at"], children, detail)
    assert template == hash_template({**fields, "id": None, "prev_hash": None})
    assert template.digest(event_id=event_id, prev_hash=GENESIS) == event_hash(
        {**fields, "id": event_id, "prev_hash": GENESIS}
    )
