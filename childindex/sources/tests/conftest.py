"""Fixtures for feed tests."""

from __future__ import annotations

import pytest

from childindex.sources.tests.feedkit import County, make_county


@pytest.fixture
def county(tmp_path) -> County:
    return make_county(tmp_path)
