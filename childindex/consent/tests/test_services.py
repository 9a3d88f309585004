"""Recording and withdrawing a family's consent later: only by a practitioner who works with the
child, through the policy, audited; a sensitive service's consent named only to those who may."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from childindex.audit.models import AuditEvent, EventOutcome
from childindex.consent.models import Consent, GivenBy, Scope
from childindex.consent.selectors import SENSITIVE_SERVICE
from childindex.consent.services import consent_record, consent_withdraw
from childindex.records import services
from childindex.records.selectors import team_around_child

pytestmark = pytest.mark.django_db
START = dt.date(2025, 9, 1)


def log(county, child, who, service):
    return services.involvement_log(
        actor=county[who], child=child, service=county[service], started_on=START
    )


def record(county, child, who, scope=Scope.ADDITIONAL_SERVICES, service=None):
    return consent_record(
        actor=county[who],
        child=child,
        given_by=GivenBy.YOUNG_PERSON,
        scope=scope,
        service=county[service] if service else None,
        given_on=START,
    )


def consents(user, child):
    return team_around_child(actor=user, child=child, purpose="referral").consents


def test_a_practitioner_who_does_not_work_with_the_child_cannot_record_consent(county, children):
    with pytest.raises(PermissionDenied, match="works with the child"):
        record(county, children["olivia"], "pat")
    assert not Consent.objects.exists()
    refusal = AuditEvent.objects.get(action="consent_record")
    assert refusal.outcome == EventOutcome.DENIED and refusal.actor == county["pat"]
    assert refusal.children == [children["olivia"].index_number]


def test_a_practitioner_who_works_with_the_child_records_consent_audited(county, children):
    log(county, children["olivia"], "pat", "pastoral")
    consent = record(county, children["olivia"], "pat")
    event = AuditEvent.objects.get(action="consent_record")
    assert event.outcome == EventOutcome.ALLOWED and event.detail["consent"] == consent.pk
    [entry] = consents(county["sam"], children["olivia"])
    assert entry.covers == "Additional services in general" and entry.stands


def test_an_ended_involvement_is_no_longer_working_with_the_child(county, children):
    involvement = log(county, children["olivia"], "pat", "pastoral")
    services.involvement_end(actor=county["pat"], involvement=involvement, ended_on=START)
    with pytest.raises(PermissionDenied):
        record(county, children["olivia"], "pat")


def test_consent_to_a_named_service_only_by_that_services_practitioner(county, children):
    log(county, children["olivia"], "pat", "pastoral")
    log(county, children["olivia"], "sam", "sexual_health")
    with pytest.raises(PermissionDenied, match="that service's practitioner"):
        record(county, children["olivia"], "pat", Scope.NAMED_SERVICE, "sexual_health")
    record(county, children["olivia"], "sam", Scope.NAMED_SERVICE, "sexual_health")


def test_a_sensitive_services_consent_is_named_only_to_those_who_see_it(county, children):
    olivia = children["olivia"]
    log(county, olivia, "pat", "pastoral")
    log(county, olivia, "sam", "sexual_health")
    consent = record(county, olivia, "sam", Scope.NAMED_SERVICE, "sexual_health")
    [seen_by_pat] = consents(county["pat"], olivia)
    assert seen_by_pat.covers == SENSITIVE_SERVICE and seen_by_pat.service_name == ""
    assert seen_by_pat.given_on is None and not seen_by_pat.can_withdraw
    assert consents(county["sam"], olivia)[0].covers == "Young people's sexual health clinic"
    assert consents(county["sam"], olivia)[0].can_withdraw
    assert consents(county["index_team"], olivia)[0].service_name  # the own LA's index team
    with pytest.raises(PermissionDenied, match="sensitive service's own practitioner"):
        consent_withdraw(actor=county["pat"], consent=consent, withdrawn_on=START)
    consent_withdraw(actor=county["sam"], consent=consent, withdrawn_on=START)
    assert consents(county["pat"], olivia) == []  # withdrawn: nothing of it is left to see
    assert consents(county["sam"], olivia)[0].withdrawn_on == START


def test_a_withdrawal_is_audited_and_cannot_be_repeated(county, children):
    log(county, children["olivia"], "sam", "speech")
    consent = record(county, children["olivia"], "sam")
    consent_withdraw(actor=county["sam"], consent=consent, withdrawn_on=START)
    event = AuditEvent.objects.filter(action="consent_withdraw").get()
    assert event.outcome == EventOutcome.ALLOWED and event.detail == {"consent": consent.pk}
    with pytest.raises(ValidationError, match="already been withdrawn"):
        consent_withdraw(actor=county["sam"], consent=consent, withdrawn_on=START)


def test_a_refused_withdrawal_is_audited_and_changes_nothing(county, children):
    log(county, children["olivia"], "sam", "speech")
    consent = record(county, children["olivia"], "sam")
    with pytest.raises(PermissionDenied):
        consent_withdraw(actor=county["pat"], consent=consent, withdrawn_on=START)
    assert Consent.objects.get().withdrawn_on is None
    refusal = AuditEvent.objects.get(action="consent_withdraw")
    assert refusal.outcome == EventOutcome.DENIED and refusal.actor == county["pat"]


def test_a_shielded_childs_consents_are_not_shown_behind_the_shield(county, children):
    ruby = children["ruby"]
    log(county, ruby, "sam", "speech")
    record(county, ruby, "sam")
    assert consents(county["pat"], ruby) == []
    assert len(consents(county["index_team"], ruby)) == 1
