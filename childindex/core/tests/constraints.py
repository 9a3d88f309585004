"""A test helper: prove the database itself refuses a row, not just Django's validation."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.db import IntegrityError, connection, transaction


@contextmanager
def refused_by(constraint: str, *or_else: str) -> Iterator[None]:
    """The block's write must fail with an IntegrityError that names ``constraint``.

    ``or_else`` names other constraints that also forbid the row (one rule implied by another);
    which of them a database reports first is its own business (PostgreSQL: by name).

    Writes go straight to the database (``save()`` runs no model validation), inside a savepoint
    so the test carries on. PostgreSQL names every constraint; SQLite names CHECK constraints but
    reports a unique index by its columns, so there any UNIQUE failure is accepted. For a field's
    own ``unique=True``, pass the column name.
    """
    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        yield
    message = str(caught.value)
    if connection.vendor == "sqlite" and message.startswith("UNIQUE constraint failed"):
        return
    names = (constraint, *or_else)
    assert any(name in message for name in names), f"refused, but not by {names}: {message}"
