"""Counting in fixed windows (``core.windows``): the search limits' and the API's counters."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from childindex.core.windows import count_in_windows


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def test_each_window_counts_until_its_stamp_changes():
    assert count_in_windows("k", ("12:00", "day-1"), timeout=60) == (1, 1)
    assert count_in_windows("k", ("12:00", "day-1"), timeout=60) == (2, 2)
    # the next minute starts again; the day goes on counting
    assert count_in_windows("k", ("12:01", "day-1"), timeout=60) == (1, 3)
    assert count_in_windows("k", ("12:01", "day-2"), timeout=60) == (2, 1)


def test_subjects_are_counted_apart():
    count_in_windows("a", ("m",), timeout=60)
    assert count_in_windows("b", ("m",), timeout=60) == (1,)


def test_the_entry_lives_as_long_as_the_caller_says(monkeypatch):
    seen = {}
    real_set = cache.set

    def recording_set(key, value, timeout=None, **kwargs):
        seen[key] = timeout
        return real_set(key, value, timeout=timeout, **kwargs)

    monkeypatch.setattr(cache, "set", recording_set)
    count_in_windows("k", ("m", "d"), timeout=86_400)
    assert seen == {"k": 86_400}


def test_an_entry_of_another_shape_starts_again():
    cache.set("k", 7)  # an old counter's integer
    assert count_in_windows("k", ("m",), timeout=60) == (1,)
