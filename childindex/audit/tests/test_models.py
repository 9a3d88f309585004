"""The audit tables' database constraints refuse bad rows and accept good ones.

Every write here bypasses Django's validation (``save()`` runs none), so each test proves the
database itself holds the rule, whatever code path writes the row. The audit tables refuse
UPDATE and DELETE (test_append_only.py), so each case is a fresh INSERT.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Max
from django.utils import timezone

from childindex.audit.chain import GENESIS
from childindex.audit.models import AuditEvent, EventOutcome, UsageThresholds
from childindex.audit.tests.factories import AlertFactory, AlertReviewFactory
from childindex.core.tests.constraints import refused_by
from childindex.directory.tests.factories import LocalAuthorityFactory
from childindex.monitoring.models import AlertKind, ReviewOutcome

pytestmark = pytest.mark.django_db


# --- Audit events -----------------------------------------------------------------------------


def raw_event(**fields) -> AuditEvent:
    """An event INSERTed straight into the table, next in line unless ``id`` is given.

    Not how events are written (``audit_record`` hashes and chains them): this is the write a
    bug or a person with database access could make, which the constraints must still refuse.
    """
    next_id = (AuditEvent.objects.aggregate(last=Max("id"))["last"] or 0) + 1
    values = {
        "id": next_id,
        "at": timezone.now(),
        "actor_label": "monitoring",
        "action": "record_view",
        "prev_hash": GENESIS,
        "hash": GENESIS,
        **fields,
    }
    return AuditEvent.objects.create(**values)


@pytest.mark.parametrize("event_id", [0, -1])
def test_audit_event_ids_count_from_one(event_id):
    with refused_by("audit_event_id_positive"):
        raw_event(id=event_id)
    assert raw_event().id >= 1


def test_audit_event_outcome_must_be_known():
    with refused_by("audit_event_outcome_known"):
        raw_event(outcome="maybe")
    assert raw_event(outcome=EventOutcome.DENIED).outcome == EventOutcome.DENIED


# --- Alerts and their review ------------------------------------------------------------------


def test_alert_kind_must_be_known():
    with refused_by("alert_kind_known"):
        AlertFactory(kind="hunch")
    AlertFactory(kind=AlertKind.OWN_SURNAME)


def test_an_alert_is_raised_once_per_la_and_key():
    first = AlertFactory(key="search_volume:7:2026-03-02")
    with refused_by("alert_raised_once"):
        AlertFactory(local_authority=first.local_authority, key=first.key)
    AlertFactory(local_authority=first.local_authority, key="search_volume:7:2026-03-03")
    AlertFactory(key=first.key)  # the same finding for another LA's auditors


def test_review_outcome_comes_from_the_closed_list():
    alert = AlertFactory()
    with refused_by("review_outcome_known"):
        AlertReviewFactory(alert=alert, outcome="guilty")
    AlertReviewFactory(alert=alert, outcome=ReviewOutcome.INCIDENT)


# --- Usage thresholds -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("starts", "ends"), [(dt.time(19, 0), dt.time(7, 0)), (dt.time(9, 0), dt.time(9, 0))]
)
def test_the_working_day_ends_after_it_starts(starts, ends):
    la = LocalAuthorityFactory()
    with refused_by("working_day_ends_after_it_starts"):
        UsageThresholds.objects.create(
            local_authority=la, working_day_starts=starts, working_day_ends=ends
        )
    UsageThresholds.objects.create(
        local_authority=la, working_day_starts=dt.time(8, 0), working_day_ends=dt.time(18, 0)
    )


@pytest.mark.parametrize(
    "levels",
    [{"times_peer_median": 0}, {"repeat_views": 1}, {"repeat_window_days": 0}],
    ids=lambda levels: [*levels][0],
)
def test_usage_thresholds_are_levels_that_can_fire_sensibly(levels):
    la = LocalAuthorityFactory()
    with refused_by("usage_thresholds_sensible"):
        UsageThresholds.objects.create(local_authority=la, **levels)
    UsageThresholds.objects.create(
        local_authority=la, times_peer_median=1, repeat_views=2, repeat_window_days=1
    )
