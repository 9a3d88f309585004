"""The search-key table: blocking keys that let search fetch candidates through an index.

Each row pairs a child with one key such as ``"pSM0|2015"`` (the phonetic code of a name token
and the birth year) or ``"xsmi|TN34"`` (a name token's first three letters and a postcode
district). Search looks keys up through the ``(key, child)`` index and scores the few children
found in Python — it never scans every child. Rows are derived data: the services that write
names and addresses refresh them, and ``search_index_rebuild()`` rebuilds them after a bulk load.
"""

from __future__ import annotations

from django.db import models


class ChildSearchKey(models.Model):
    """One blocking key of one child (derived from names, birth year and address districts)."""

    child = models.ForeignKey("records.Child", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=40)

    class Meta:
        # One unique index on (key, child) serves both lookups by key and the uniqueness rule.
        constraints = [
            models.UniqueConstraint(fields=["key", "child"], name="search_key_unique"),
        ]

    def __str__(self) -> str:
        return self.key
