"""Services that write: a practitioner's own involvement, consent, names and addresses."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from childindex.audit.models import AuditEvent
from childindex.consent.models import Consent, GivenBy, Scope
from childindex.consent.services import consent_record, consent_withdraw
from childindex.records import services
from childindex.records.models import (
    AddressStatus,
    Basis,
    ChildAddress,
    ChildName,
    Involvement,
    NameKind,
)
from childindex.records.search import parse_criteria
from childindex.records.search_models import ChildSearchKey
from childindex.records.selectors import child_search, team_around_child

pytestmark = pytest.mark.django_db
START = dt.date(2025, 9, 1)


def log(child, actor, service, **kw):
    return services.involvement_log(
        actor=actor, child=child, service=service, started_on=START, **kw
    )


def team(user, child, purpose="referral"):
    return team_around_child(actor=user, child=child, purpose=purpose)


def test_the_basis_comes_from_the_service(journey, children):
    assert log(children.olivia, journey.pat, journey.pastoral).basis == Basis.UNIVERSAL
    assert log(children.mo, journey.sam, journey.speech).basis == Basis.CONSENT
    assert log(children.harry, journey.sam, journey.sexual_health).basis == Basis.SENSITIVE_CONSENT


def test_a_practitioner_logs_only_their_own_services(journey, children):
    with pytest.raises(ValidationError) as raised:
        log(children.olivia, journey.pat, journey.speech)
    assert "your own services" in str(raised.value)


def test_a_service_has_one_current_involvement_with_a_child(journey, children):
    log(children.olivia, journey.pat, journey.pastoral)
    with pytest.raises(ValidationError, match="already has a current involvement"):
        services.involvement_log(
            actor=journey.pat,
            child=children.olivia,
            service=journey.pastoral,
            started_on=dt.date(2025, 10, 1),
        )
    assert Involvement.objects.count() == 1


def test_consent_recorded_with_a_sensitive_involvement_names_that_service(journey, children):
    given = services.ConsentGiven(
        given_by=GivenBy.YOUNG_PERSON, scope=Scope.ADDITIONAL_SERVICES, given_on=START
    )
    log(children.olivia, journey.sam, journey.sexual_health, consent=given)
    consent = Consent.objects.get()
    assert consent.scope == Scope.NAMED_SERVICE and consent.service == journey.sexual_health
    seen = team(journey.pat, children.olivia)
    assert [m.view for m in seen.current] == ["sensitive"]
    assert seen.current[0].service_name == "" and seen.current[0].practitioner_name == ""


def test_withdrawn_consent_stops_showing_the_involvement(journey, children):
    given = services.ConsentGiven(
        given_by=GivenBy.YOUNG_PERSON, scope=Scope.ADDITIONAL_SERVICES, given_on=START
    )
    log(children.olivia, journey.sam, journey.speech, consent=given)
    assert len(team(journey.pat, children.olivia).current) == 1
    consent_withdraw(actor=journey.sam, consent=Consent.objects.get(), withdrawn_on=START)
    assert team(journey.pat, children.olivia).current == []
    assert len(team(journey.sam, children.olivia).current) == 1  # the holder still sees it


def test_a_hidden_concern_is_seen_only_in_a_child_protection_enquiry(journey, children):
    log(children.olivia, journey.sam, journey.speech, hidden_concern=True)
    assert team(journey.pat, children.olivia).current == []
    assert team(journey.cp, children.olivia, "welfare_concern").current == []
    enquiry = team(journey.cp, children.olivia, "child_protection_enquiry")
    assert [m.service_name for m in enquiry.current] == ["Speech and language therapy"]
    event = AuditEvent.objects.filter(action="record_view").last()
    assert "child_protection_break_glass" in event.detail["alerts"]


def test_a_universal_service_cannot_be_a_hidden_concern(journey, children):
    with pytest.raises(ValidationError, match="cannot be a hidden concern"):
        log(children.olivia, journey.pat, journey.pastoral, hidden_concern=True)


def test_a_parents_consent_must_come_from_this_childs_carer(journey, children):
    strangers_carer = children.ruby.carer_links.get().carer
    given = services.ConsentGiven(
        given_by=GivenBy.PARENT_CARER,
        scope=Scope.ADDITIONAL_SERVICES,
        given_on=START,
        carer=strangers_carer,
    )
    with pytest.raises(ValidationError, match="not recorded as one of this child's carers"):
        log(children.olivia, journey.sam, journey.speech, consent=given)
    assert not Involvement.objects.exists() and not Consent.objects.exists()


def test_consent_cannot_be_dated_in_the_future(journey, children):
    log(children.olivia, journey.sam, journey.speech)
    with pytest.raises(ValidationError, match="today or in the past"):
        consent_record(
            actor=journey.sam,
            child=children.olivia,
            given_by=GivenBy.YOUNG_PERSON,
            scope=Scope.ADDITIONAL_SERVICES,
            given_on=dt.date.today() + dt.timedelta(days=1),
        )


def test_one_lead_professional_per_child_at_a_time(journey, children):
    first = log(children.olivia, journey.pat, journey.pastoral)
    second = log(children.olivia, journey.sam, journey.speech)
    kw = dict(
        assessment_type="", assessment_on=None, has_information_to_share=False, taking_action=False
    )
    services.involvement_indicators_set(
        actor=journey.pat, involvement=first, is_lead_professional=True, **kw
    )
    with pytest.raises(ValidationError, match="already the lead professional"):
        services.involvement_indicators_set(
            actor=journey.sam, involvement=second, is_lead_professional=True, **kw
        )
    services.involvement_indicators_set(
        actor=journey.pat, involvement=first, is_lead_professional=False, **kw
    )
    services.involvement_indicators_set(
        actor=journey.sam, involvement=second, is_lead_professional=True, **kw
    )
    assert Involvement.objects.get(is_lead_professional=True) == second


def test_nobody_changes_another_practitioners_involvement(journey, children):
    theirs = log(children.olivia, journey.sam, journey.speech)
    with pytest.raises(PermissionDenied):
        services.involvement_end(actor=journey.pat, involvement=theirs, ended_on=START)
    with pytest.raises(PermissionDenied):
        services.involvement_indicators_set(
            actor=journey.pat,
            involvement=theirs,
            is_lead_professional=True,
            assessment_type="",
            assessment_on=None,
            has_information_to_share=True,
            taking_action=True,
        )
    theirs.refresh_from_db()
    assert theirs.ended_on is None and not theirs.has_information_to_share


@pytest.mark.parametrize(
    ("assessment_type", "assessment_on", "says"),
    [
        ("caf", None, "Enter the date"),
        ("", START, "Select the type"),
        ("caf", dt.date.today() + dt.timedelta(days=3), "today or in the past"),
        ("<script>", START, "Select a type"),
    ],
)
def test_an_assessment_needs_a_type_and_a_past_date(
    journey, children, assessment_type, assessment_on, says
):
    mine = log(children.olivia, journey.pat, journey.pastoral)
    with pytest.raises(ValidationError, match=says):
        services.involvement_indicators_set(
            actor=journey.pat,
            involvement=mine,
            is_lead_professional=False,
            assessment_type=assessment_type,
            assessment_on=assessment_on,
            has_information_to_share=False,
            taking_action=False,
        )


def test_an_ended_involvement_cannot_end_again_nor_change(journey, children):
    mine = log(children.olivia, journey.pat, journey.pastoral)
    services.involvement_end(actor=journey.pat, involvement=mine, ended_on=START)
    with pytest.raises(ValidationError, match="already ended"):
        services.involvement_end(actor=journey.pat, involvement=mine, ended_on=START)
    with pytest.raises(ValidationError, match="has ended"):
        services.involvement_indicators_set(
            actor=journey.pat,
            involvement=mine,
            is_lead_professional=True,
            assessment_type="",
            assessment_on=None,
            has_information_to_share=False,
            taking_action=False,
        )


def test_every_change_is_audited_without_names(journey, children):
    mine = log(children.olivia, journey.pat, journey.pastoral)
    services.involvement_end(actor=journey.pat, involvement=mine, ended_on=START)
    actions = list(AuditEvent.objects.values_list("action", flat=True))
    assert actions == ["involvement_log", "involvement_end"]
    for event in AuditEvent.objects.all():
        assert event.children == [children.olivia.index_number]
        assert "Olivia" not in str(event.detail) and "Smith" not in str(event.detail)


# --- Names and addresses keep the search keys in step ---------------------------------------


def test_a_new_name_is_searchable_and_the_old_one_too(journey, children):
    olivia = children.olivia
    services.child_name_add(
        actor=journey.index_team, child=olivia, given_names="Olivia", family_name="Okafor"
    )
    assert ChildName.objects.get(child=olivia, kind=NameKind.FORMER).family_name == "Smith"
    for name in ("Olivia Okafor", "Olivia Smith"):
        found = child_search(
            actor=journey.pat, criteria=parse_criteria(name=name, date_of_birth="2015")
        )
        assert found[0].index_number == olivia.index_number


def test_a_move_makes_the_new_district_searchable(journey, children):
    olivia = children.olivia
    services.child_address_move(
        actor=journey.index_team,
        child=olivia,
        moved_on=START,
        address=ChildAddress(
            status=AddressStatus.KNOWN,
            line_1="3 Sea Road",
            town="Rye",
            postcode="TN31 7AA",
            local_authority=journey.la,
        ),
    )
    assert ChildSearchKey.objects.filter(child=olivia, key="xoli|TN31").exists()
    found = child_search(
        actor=journey.pat, criteria=parse_criteria(name="Olivia Smith", postcode="TN31")
    )
    assert found[0].index_number == olivia.index_number and found[0].town == "Rye"


def test_only_the_las_own_index_team_changes_names(journey, children):
    with pytest.raises(PermissionDenied):
        services.child_name_add(
            actor=journey.pat, child=children.olivia, given_names="X", family_name="Y"
        )


def test_a_created_child_is_searchable(journey):
    child = services.child_create(
        actor=None,
        given_names="Ada",
        family_name="Lovelace",
        date_of_birth=dt.date(2019, 1, 2),
        gender="female",
        responsible_la=journey.la,
    )
    found = child_search(
        actor=journey.pat, criteria=parse_criteria(name="Ada Lovelace", date_of_birth="2019")
    )
    assert [m.index_number for m in found] == [child.index_number]


def test_the_rebuild_writes_the_same_keys_as_the_services(journey, children):
    from childindex.records.search_index import search_index_rebuild

    before = set(ChildSearchKey.objects.values_list("child_id", "key"))
    ChildSearchKey.objects.all().delete()
    assert search_index_rebuild(batch=3) == len(before)
    assert set(ChildSearchKey.objects.values_list("child_id", "key")) == before


def test_new_index_numbers_are_not_taken_already_nor_repeated(journey, children, monkeypatch):
    """Index numbers are random (10 digits and a check digit), so at a national scale a new
    one meets an existing child's now and then: it is drawn again, never inserted to fail."""
    from childindex.core import identifiers
    from childindex.records.models import Child

    taken = list(Child.objects.values_list("index_number", flat=True)[:2])
    fresh = identifiers.new_index_number()
    last = identifiers.new_index_number()
    draws = iter([taken[0], taken[1], taken[0], fresh, fresh, fresh, last])
    monkeypatch.setattr(services, "new_index_number", lambda _source=None: next(draws))
    numbers = services.new_index_numbers(2)
    assert len(numbers) == len(set(numbers)) == 2
    assert not set(numbers) & set(taken)
    assert numbers[0] == fresh
