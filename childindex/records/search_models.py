"""The search-key table: blocking keys that let search fetch candidates through an index.

Each row pairs a child with one key such as ``"pSM0|2015"`` (the phonetic code of a name token
and the birth year) or ``"xsmi|TN34"`` (a name token's first three letters and a postcode
district). Search looks keys up through the ``(key, child)`` index and scores the few children
found in Python — it never scans every child. Rows are derived data: the services that write
names and addresses refresh them, and ``search_index_rebuild()`` rebuilds them after a bulk load.

``ChildLinkageKeys`` holds, per child, the values the feeds' linkage blocking compares, so that a
small import (a Bundle) finds its candidates by index instead of reading every child. Search
keys cannot serve there: they tokenise names ("Smith-Jones" is two tokens) where linkage keys
a name whole (``SMITHJONES``).
"""

from __future__ import annotations

from django.db import models


class ChildSearchKey(models.Model):
    """One blocking key of one child (derived from names, birth year and address districts).

    The primary key is (key, child): one index serves lookups by key and the uniqueness rule,
    and the table is that index (``WITHOUT ROWID`` on SQLite, migration 0007), so a first load
    writing twenty keys for each new child fills two B-trees, not three (ADR 0016)."""

    pk = models.CompositePrimaryKey("key", "child")
    child = models.ForeignKey("records.Child", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=40)

    def __str__(self) -> str:
        return self.key


class ChildLinkageKeys(models.Model):
    """What the linkage's blocking rules compare for one child that is not merged: its
    current name's first-given-name key and family-name key with their phonetic codes, its
    date of birth (and that date with day and month swapped, and its year), and its current
    postcode's key and sector, each exactly as ``linkage.model.link_table`` computes the
    child's columns (the name and postcode chosen as ``child_record`` chooses them).

    Derived data, kept by the same services that keep the search keys
    (``records.search_index``) in the same transaction; a change to the linkage's
    normalisation (``linkage.normalise``) needs ``childindex search-index`` to rebuild it, as
    the search keys do."""

    child = models.OneToOneField(
        "records.Child", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    given_name = models.CharField(max_length=200, null=True)
    given_phonetic = models.CharField(max_length=200, null=True)
    family_name = models.CharField(max_length=200, null=True)
    family_phonetic = models.CharField(max_length=200, null=True)
    dob = models.CharField(max_length=10, null=True)
    dob_swapped = models.CharField(max_length=10, null=True)
    birth_year = models.IntegerField(null=True)
    postcode = models.CharField(max_length=10, null=True)
    sector = models.CharField(max_length=10, null=True)

    class Meta:
        # The blocking rules' columns, as the rules pair them (a lookup of a rule's keys
        # joins on one of these), and each name alone for its term-frequency count.
        indexes = [
            models.Index(fields=["dob", "family_phonetic"], name="linkage_dob_family"),
            models.Index(fields=["dob", "given_phonetic"], name="linkage_dob_given"),
            models.Index(fields=["postcode", "family_phonetic"], name="linkage_postcode_family"),
            models.Index(fields=["postcode", "given_phonetic"], name="linkage_postcode_given"),
            models.Index(fields=["family_name", "given_name"], name="linkage_names"),
            models.Index(fields=["given_name"], name="linkage_given"),
        ]

    def __str__(self) -> str:
        return f"linkage keys of child {self.child_id}"
