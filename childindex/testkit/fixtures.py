"""The scenarios as pytest fixtures, one name each (a plugin: the root ``conftest.py`` names it
in ``pytest_plugins``, so every test module may ask for them)."""

from __future__ import annotations

import pytest

from childindex.testkit.feeds import FeedCounty
from childindex.testkit.feeds import feed_county as _feed_county
from childindex.testkit.generated import GeneratedCounty
from childindex.testkit.generated import generated_county as _generated_county
from childindex.testkit.journey import (
    Journey,
    JourneyChildren,
)
from childindex.testkit.journey import (
    journey as _journey,
)
from childindex.testkit.journey import (
    journey_children as _journey_children,
)


@pytest.fixture
def fast_password_hashing(settings) -> None:
    """MD5 for the tests' passwords: Argon2 is deliberately slow (synthetic accounts only)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def journey(db, fast_password_hashing) -> Journey:
    """The journey's county: a school and a trust, their services, practitioners and users."""
    return _journey()


@pytest.fixture
def children(journey: Journey) -> JourneyChildren:
    """The journey's eight children (twins, a shielded child, former names, NHS numbers)."""
    return _journey_children(journey)


@pytest.fixture
def feed_county(tmp_path) -> FeedCounty:
    """One LA with a GP practice whose feed files the test writes and imports."""
    return _feed_county(tmp_path)


@pytest.fixture
def generated_county(db, tmp_path) -> GeneratedCounty:
    """400 generated children of Wealdshire (seed 11), loaded, with their population estimates."""
    return _generated_county(tmp_path)
