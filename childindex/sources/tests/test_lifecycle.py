"""The life of a record, on the calendar: `childindex lifecycle run` under time-machine."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command

from childindex.access.models import Role
from childindex.access.tests.factories import UserFactory
from childindex.audit.models import AuditEvent, AuditEventChild
from childindex.audit.tests.factories import AlertFactory, AlertReviewFactory
from childindex.consent.models import GivenBy, Scope
from childindex.consent.services import consent_record, consent_withdraw
from childindex.consent.tests.factories import ConsentFactory
from childindex.monitoring.models import AlertKind
from childindex.records.models import (
    Carer,
    Child,
    ChildAddress,
    ChildName,
    ChildStatus,
    DeathSource,
    Involvement,
)
from childindex.records.services import child_death_record
from childindex.records.tests.factories import (
    ChildAddressFactory,
    ChildCarerFactory,
    ChildFactory,
    ChildIdentifierFactory,
    InvolvementFactory,
)
from childindex.sources.lifecycle import lifecycle_run

pytestmark = pytest.mark.django_db
BORN = dt.date(2008, 5, 10)


def on(day: dt.date):
    """Travel to noon (UTC) on ``day``."""
    return time_machine.travel(dt.datetime(day.year, day.month, day.day, 12, tzinfo=dt.UTC))


def run_today() -> str:
    out = io.StringIO()
    call_command("lifecycle", "run", stdout=out)
    return out.getvalue()


def status(child: Child) -> tuple[str, dt.date | None]:
    child.refresh_from_db()
    return child.status, child.archived_on


def test_a_record_is_archived_on_the_18th_birthday_and_not_before():
    child = ChildFactory(date_of_birth=BORN)
    with on(dt.date(2026, 5, 9)):
        run_today()
    assert status(child) == (ChildStatus.ACTIVE, None)
    with on(dt.date(2026, 5, 10)):
        out = run_today()
    assert status(child) == (ChildStatus.ARCHIVED, dt.date(2026, 5, 10))
    assert "archived at 18 1" in out
    event = AuditEvent.objects.get(action="child_archive")
    assert event.detail["reason"] == "18 years old"
    assert AuditEventChild.objects.filter(event=event, index_number=child.index_number).exists()


def test_a_late_run_archives_on_the_birthday_and_a_second_run_changes_nothing():
    child = ChildFactory(date_of_birth=BORN)
    with on(dt.date(2026, 6, 30)):
        run_today()
        snapshot = list(Child.objects.values_list("pk", "status", "archived_on", "updated_at"))
        events = AuditEvent.objects.filter(action__in=["child_archive", "child_purge"]).count()
        run_today()
    assert status(child) == (ChildStatus.ARCHIVED, dt.date(2026, 5, 10))
    assert list(Child.objects.values_list("pk", "status", "archived_on", "updated_at")) == snapshot
    assert AuditEvent.objects.filter(action__in=["child_archive", "child_purge"]).count() == events
    assert AuditEvent.objects.filter(action="lifecycle_run").count() == 2  # each run audited


def _adviser_of(child):
    """A personal adviser who works with the child (consent is recorded by one who does)."""
    adviser = UserFactory(role=Role.PRACTITIONER, with_practitioner=True)
    InvolvementFactory(
        child=child,
        practitioner=adviser.practitioner,
        service__organisation=adviser.practitioner.organisation,
    )
    return adviser


def test_with_the_young_persons_consent_the_record_stays_live_until_25():
    child = ChildFactory(date_of_birth=BORN)
    with on(dt.date(2026, 4, 1)):
        adviser = _adviser_of(child)
        consent_record(
            actor=adviser,
            child=child,
            given_by=GivenBy.YOUNG_PERSON,
            scope=Scope.RETENTION_TO_25,
            given_on=dt.date(2026, 4, 1),
        )
    with on(dt.date(2026, 5, 10)):
        run_today()
    assert status(child) == (ChildStatus.ACTIVE, None)
    with on(dt.date(2033, 5, 9)):
        run_today()
    assert status(child) == (ChildStatus.ACTIVE, None)
    with on(dt.date(2033, 5, 10)):
        run_today()
    assert status(child) == (ChildStatus.ARCHIVED, dt.date(2033, 5, 10))


def test_a_withdrawn_consent_to_25_archives_the_record_from_the_withdrawal():
    child = ChildFactory(date_of_birth=BORN)
    with on(dt.date(2026, 4, 1)):
        adviser = _adviser_of(child)
        consent = consent_record(
            actor=adviser,
            child=child,
            given_by=GivenBy.YOUNG_PERSON,
            scope=Scope.RETENTION_TO_25,
            given_on=dt.date(2026, 4, 1),
        )
    with on(dt.date(2028, 1, 15)):
        consent_withdraw(actor=adviser, consent=consent, withdrawn_on=dt.date(2028, 1, 15))
        run_today()
    assert status(child) == (ChildStatus.ARCHIVED, dt.date(2028, 1, 15))


def test_only_the_young_person_consents_to_keeping_their_record_to_25():
    child = ChildFactory(date_of_birth=BORN)
    carer = ChildCarerFactory(child=child).carer
    adviser = _adviser_of(child)
    with pytest.raises(ValidationError, match="Only the young person"):
        consent_record(
            actor=adviser,
            child=child,
            given_by=GivenBy.PARENT_CARER,
            carer=carer,
            scope=Scope.RETENTION_TO_25,
            given_on=dt.date(2026, 4, 1),
            today=dt.date(2026, 4, 1),
        )


def test_a_deceased_childs_record_stays_live_a_year_then_is_archived():
    child = ChildFactory(date_of_birth=dt.date(2015, 3, 1))
    with on(dt.date(2026, 2, 20)):
        team = UserFactory(role=Role.INDEX_TEAM, local_authority=child.responsible_la)
        child_death_record(
            actor=team,
            child=child,
            date_of_death=dt.date(2026, 2, 14),
            source=DeathSource.REGISTRATION,
        )
    child.refresh_from_db()
    assert (child.status, child.death_source) == (ChildStatus.DECEASED, "registration")
    assert AuditEvent.objects.filter(action="child_death_record").get().detail == {
        "source": "registration"
    }
    with on(dt.date(2027, 2, 13)):
        run_today()
    assert status(child) == (ChildStatus.DECEASED, None)
    with on(dt.date(2027, 2, 14)):
        run_today()
    assert status(child) == (ChildStatus.ARCHIVED, dt.date(2027, 2, 14))


def test_another_las_index_team_cannot_record_a_death():
    child = ChildFactory()
    stranger = UserFactory(role=Role.INDEX_TEAM)
    with pytest.raises(Exception, match="index team"):
        child_death_record(
            actor=stranger,
            child=child,
            date_of_death=dt.date(2026, 2, 14),
            source=DeathSource.NHS,
            today=dt.date(2026, 3, 1),
        )


def full_record(archived_on: dt.date, **child) -> Child:
    record = ChildFactory(
        date_of_birth=dt.date(2000, 1, 1),
        status=ChildStatus.ARCHIVED,
        archived_on=archived_on,
        **child,
    )
    ChildAddressFactory(child=record)
    ChildIdentifierFactory(child=record)
    ChildCarerFactory(child=record)
    InvolvementFactory(child=record)
    ConsentFactory(child=record)
    return record


def test_six_years_after_archiving_the_personal_data_goes_and_the_audit_trail_stays():
    child = full_record(dt.date(2020, 3, 1))
    index_number = child.index_number
    keep = full_record(dt.date(2020, 3, 2))
    viewed = AuditEvent.objects.filter(child_links__index_number=index_number).count()
    with on(dt.date(2026, 2, 28)):
        run_today()
    assert Child.objects.filter(pk=child.pk).exists()
    with on(dt.date(2026, 3, 1)):
        out = run_today()
    assert "purged 1" in out
    assert not Child.objects.filter(pk=child.pk).exists()
    assert not ChildName.objects.filter(child_id=child.pk).exists()
    assert not ChildAddress.objects.filter(child_id=child.pk).exists()
    assert not Involvement.objects.filter(child_id=child.pk).exists()
    assert Carer.objects.count() == 1  # the other record's carer only
    assert Child.objects.filter(pk=keep.pk).exists()
    purge = AuditEvent.objects.get(action="child_purge")
    assert purge.detail["deleted"] == {
        "addresses": 1,
        "carer_links": 1,
        "carers": 1,
        "consents": 1,
        "identifiers": 1,
        "involvements": 1,
        "names": 1,
    } | {k: v for k, v in purge.detail["deleted"].items() if k == "search_keys"}
    assert purge.detail["after_years"] == 6
    assert AuditEventChild.objects.filter(event=purge, index_number=index_number).exists()
    assert AuditEvent.objects.filter(child_links__index_number=index_number).count() >= viewed + 1


def test_the_purge_interval_is_the_las_own():
    child = full_record(dt.date(2020, 3, 1))
    la = child.responsible_la
    la.purge_years_after_archive = 2
    la.save()
    lifecycle_run(as_of=dt.date(2022, 2, 28))
    assert Child.objects.filter(pk=child.pk).exists()
    lifecycle_run(as_of=dt.date(2022, 3, 1))
    assert not Child.objects.filter(pk=child.pk).exists()


def test_an_open_child_protection_enquiry_alert_defers_the_purge_until_reviewed():
    child = full_record(dt.date(2020, 3, 1))
    alert = AlertFactory(
        kind=AlertKind.BREAK_GLASS,
        local_authority=child.responsible_la,
        children=[child.index_number],
    )
    with on(dt.date(2026, 3, 1)):
        out = run_today()
    assert Child.objects.filter(pk=child.pk).exists()
    assert "purge deferred open enquiry 1" in out
    AlertReviewFactory(alert=alert)
    with on(dt.date(2026, 3, 2)):
        run_today()
    assert not Child.objects.filter(pk=child.pk).exists()


def test_a_shielded_record_is_never_purged():
    child = full_record(dt.date(2020, 3, 1), shielded=True, shield_review_on=dt.date(2026, 9, 1))
    result = lifecycle_run(as_of=dt.date(2030, 1, 1))
    assert Child.objects.filter(pk=child.pk).exists()
    assert result.counts["purge_deferred_shielded"] == 1


def _state() -> dict[str, object]:
    """Everything a lifecycle run may change, to compare one run's end with the next's."""
    return {
        "children": list(
            Child.objects.order_by("pk").values_list("pk", "status", "archived_on", "updated_at")
        ),
        "rows": [
            model.objects.count()
            for model in (ChildName, ChildAddress, Involvement, Carer, AuditEventChild)
        ],
        "events": list(
            AuditEvent.objects.exclude(action="lifecycle_run")
            .order_by("pk")
            .values_list("pk", "action")
        ),
    }


def test_a_second_run_on_a_day_with_every_kind_of_change_due_changes_nothing():
    adult = ChildFactory(date_of_birth=BORN)
    care_leaver = ChildFactory(date_of_birth=dt.date(2001, 5, 10))
    ConsentFactory(
        child=care_leaver,
        given_by=GivenBy.YOUNG_PERSON,
        scope=Scope.RETENTION_TO_25,
        given_on=dt.date(2019, 4, 1),
    )
    deceased = ChildFactory(
        date_of_birth=dt.date(2015, 3, 1),
        status=ChildStatus.DECEASED,
        date_of_death=dt.date(2025, 6, 1),
        death_source=DeathSource.NHS,
    )
    purged = full_record(dt.date(2020, 3, 1))
    deferred = full_record(dt.date(2020, 3, 1))
    AlertFactory(
        kind=AlertKind.BREAK_GLASS,
        local_authority=deferred.responsible_la,
        children=[deferred.index_number],
    )
    with on(dt.date(2026, 6, 30)):
        first = lifecycle_run(as_of=dt.date(2026, 6, 30))
        after_first = _state()
        second = lifecycle_run(as_of=dt.date(2026, 6, 30))
    assert {k: v for k, v in first.counts.items() if v} == {
        "archived_at_18": 1,
        "archived_at_25": 1,
        "archived_after_death": 1,
        "purged": 1,
        "purge_deferred_open_enquiry": 1,
    }
    assert status(adult) == (ChildStatus.ARCHIVED, dt.date(2026, 5, 10))
    assert status(care_leaver) == (ChildStatus.ARCHIVED, dt.date(2026, 5, 10))
    assert status(deceased) == (ChildStatus.ARCHIVED, dt.date(2026, 6, 1))
    assert not Child.objects.filter(pk=purged.pk).exists()
    assert Child.objects.filter(pk=deferred.pk).exists()
    assert _state() == after_first
    assert {k: v for k, v in second.counts.items() if v} == {"purge_deferred_open_enquiry": 1}
