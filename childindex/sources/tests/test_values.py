"""A row's values as stored and hashed: the canonical JSON is ``json.dumps(values,
sort_keys=True)`` to the character, so a file imported before this was written out by hand
is still unchanged when it is sent again."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from childindex.sources.mapping import _canonical


@given(st.dictionaries(st.text(max_size=12), st.text(max_size=40), max_size=20))
def test_canonical_values_are_json_dumps_with_sorted_keys(values):
    assert _canonical(values) == json.dumps(values, sort_keys=True)
    assert json.loads(_canonical(values)) == values
