"""Factories for feeds, runs, source records and review items. Synthetic only.

- ``FeedFactory()`` a snapshot feed of a synthetic LA that may not create children.
- ``ImportRunFactory(feed=...)`` a running import of a 10-row file.
- ``SourceRecordFactory()`` a record in review; ``SourceRecordFactory(linked=True)`` linked to
  a new child.
- ``ReviewItemFactory()`` an open review item for a record in review.
"""

from __future__ import annotations

import hashlib

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from childindex.directory.tests.factories import LocalAuthorityFactory
from childindex.linkage.comparisons import default_settings
from childindex.records.tests.factories import ChildFactory
from childindex.sources.models import (
    Feed,
    FeedKind,
    ImportRun,
    LinkageModel,
    RecordStatus,
    ReviewItem,
    SourceRecord,
)


class FeedFactory(DjangoModelFactory):
    class Meta:
        model = Feed

    name = factory.Sequence(lambda n: f"synthetic-feed-{n}")
    label = factory.LazyAttribute(lambda o: o.name.replace("-", " ").capitalize())
    local_authority = factory.SubFactory(LocalAuthorityFactory)
    kind = FeedKind.SNAPSHOT
    may_create_children = False


class ImportRunFactory(DjangoModelFactory):
    class Meta:
        model = ImportRun

    feed = factory.SubFactory(FeedFactory)
    file_name = "feed.csv"
    file_sha256 = factory.Sequence(lambda n: hashlib.sha256(str(n).encode()).hexdigest())
    mapping_sha256 = "0" * 64
    started_at = factory.LazyFunction(timezone.now)
    started_by = "test"
    rows_total = 10


class SourceRecordFactory(DjangoModelFactory):
    class Meta:
        model = SourceRecord

    feed = factory.SubFactory(FeedFactory)
    key = factory.Sequence(lambda n: f"K{n:08d}")
    first_run = factory.SubFactory(ImportRunFactory, feed=factory.SelfAttribute("..feed"))
    last_run = factory.SelfAttribute("first_run")
    row_number = factory.Sequence(lambda n: n + 1)
    values = factory.LazyAttribute(lambda o: {"source_record_id": o.key})
    values_sha256 = "0" * 64
    status = RecordStatus.REVIEW
    child = None

    class Params:
        linked = factory.Trait(
            status=RecordStatus.LINKED,
            child=factory.SubFactory(
                ChildFactory, responsible_la=factory.SelfAttribute("..feed.local_authority")
            ),
        )


class ReviewItemFactory(DjangoModelFactory):
    class Meta:
        model = ReviewItem

    source_record = factory.SubFactory(SourceRecordFactory)
    local_authority = factory.SelfAttribute("source_record.feed.local_authority")
    run = factory.SelfAttribute("source_record.last_run")
    cause = "between_thresholds"
    candidates = factory.List([])


class LinkageModelFactory(DjangoModelFactory):
    class Meta:
        model = LinkageModel

    version = factory.Sequence(lambda n: n + 100)
    settings = factory.LazyFunction(default_settings)
    created_at = factory.LazyFunction(timezone.now)
    description = "test model"
    active = False
