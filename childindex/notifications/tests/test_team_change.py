"""Team changes reach exactly the rest of the team, and never reveal what a member may not see."""

from __future__ import annotations

import pytest

from childindex.access import policy
from childindex.access.two_factor import two_factor_reset
from childindex.audit.models import AuditEvent
from childindex.consent.tests.factories import ConsentFactory
from childindex.core.identifiers import format_index_number
from childindex.directory.tests.factories import LocalAuthorityFactory
from childindex.notifications.models import Notification
from childindex.notifications.services import TeamChange, notify_team_change
from childindex.notifications.tests.factories import member
from childindex.records.tests.factories import ChildFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def child():
    child = ChildFactory()
    ConsentFactory(child=child)  # consent to additional services in general
    return child


@pytest.fixture
def team(child):
    school, _ = member(child)  # universal
    therapist, _ = member(child, service_traits={"additional": True})
    return {"school": school, "therapist": therapist}


def told(notifications):
    return {n.recipient for n in notifications}


def test_someone_joining_is_told_to_the_rest_of_the_team_and_not_to_themselves(child, team):
    newcomer, involvement = member(child, service_traits={"specialist": True})
    sent = notify_team_change(
        child=child, change=TeamChange.JOINED, actor=newcomer, involvement=involvement
    )
    assert told(sent) == {team["school"], team["therapist"]}
    message = sent[0].message
    assert newcomer.practitioner.full_name in message and "joined the team" in message
    assert format_index_number(child.index_number) in message
    assert "not a judgement about the child" in message
    assert "You are told because you work with this child" in message


def test_the_actor_who_made_the_change_is_not_told(child, team):
    _, involvement = member(child, service_traits={"additional": True})
    sent = notify_team_change(
        child=child, change=TeamChange.JOINED, actor=team["school"], involvement=involvement
    )
    assert told(sent) == {team["therapist"]}


def test_a_hidden_concern_joining_is_told_to_nobody(child, team):
    cp_colleague, _ = member(child, role="child_protection")
    worried, involvement = member(
        child, involvement_traits={"hidden_concern": True, "logged": True}
    )
    sent = notify_team_change(
        child=child, change=TeamChange.JOINED, actor=worried, involvement=involvement
    )
    assert sent == []
    assert not Notification.objects.exists()
    assert cp_colleague  # even a child-protection practitioner is told nothing outside an enquiry


def test_a_sensitive_service_joining_is_told_without_naming_it_or_its_practitioner(child, team):
    nurse, involvement = member(
        child,
        service_traits={"sensitive_service": True},
        practitioner__job_title="Sexual health nurse",
    )
    ConsentFactory(child=child, named_service=True, service=involvement.service)
    sent = notify_team_change(
        child=child, change=TeamChange.JOINED, actor=nurse, involvement=involvement
    )
    assert told(sent) == {team["school"], team["therapist"]}
    for notification in sent:
        assert "A sensitive service is now involved" in notification.message
        assert involvement.service.name not in notification.message
        assert involvement.service.organisation.name not in notification.message
        assert nurse.practitioner.family_name not in notification.message
        assert "Sexual health" not in notification.message


def test_an_assessment_by_a_sensitive_service_is_told_to_nobody(child, team):
    nurse, involvement = member(
        child,
        service_traits={"sensitive_service": True},
        involvement_traits={"assessed": True},
    )
    ConsentFactory(child=child, named_service=True, service=involvement.service)
    assert (
        notify_team_change(
            child=child, change=TeamChange.ASSESSMENT_RECORDED, actor=nurse, involvement=involvement
        )
        == []
    )


def test_a_sensitive_service_without_consent_is_not_even_mentioned(child, team):
    nurse, involvement = member(child, service_traits={"sensitive_service": True})
    assert (
        notify_team_change(
            child=child, change=TeamChange.JOINED, actor=nurse, involvement=involvement
        )
        == []
    )


def test_after_consent_is_withdrawn_a_service_leaving_is_told_to_nobody(child, team):
    child.consents.update(withdrawn_on=child.consents.get().given_on)
    leaving, involvement = member(child, service_traits={"additional": True})
    assert (
        notify_team_change(
            child=child, change=TeamChange.LEFT, actor=leaving, involvement=involvement
        )
        == []
    )


def test_a_new_lead_professional_is_told_to_the_team(child, team):
    lead, involvement = member(
        child, service_traits={"additional": True}, involvement_traits={"lead_professional": True}
    )
    sent = notify_team_change(
        child=child, change=TeamChange.LEAD_CHANGED, actor=lead, involvement=involvement
    )
    assert told(sent) == {team["school"], team["therapist"]}
    assert "is now the lead professional" in sent[0].message


def test_an_assessment_recorded_is_told_with_its_type_never_its_contents(child, team):
    assessor, involvement = member(child, involvement_traits={"assessed": True})
    sent = notify_team_change(
        child=child, change=TeamChange.ASSESSMENT_RECORDED, actor=assessor, involvement=involvement
    )
    assert told(sent) == {team["school"], team["therapist"]}
    assert "Common Assessment Framework (CAF) was undertaken" in sent[0].message


def test_a_move_of_la_is_told_to_the_whole_team(child, team):
    child.responsible_la = LocalAuthorityFactory(name="Synthetic Borough")
    child.save()
    sent = notify_team_change(child=child, change=TeamChange.MOVED_LA, actor=None)
    assert told(sent) == {team["school"], team["therapist"]}
    assert "now the responsibility of Synthetic Borough" in sent[0].message


def test_a_shielded_childs_team_is_not_told_of_changes(child, team):
    child.shielded = True
    child.shield_review_on = child.date_of_birth.replace(year=child.date_of_birth.year + 30)
    child.save()
    newcomer, involvement = member(child)
    assert (
        notify_team_change(
            child=child, change=TeamChange.JOINED, actor=newcomer, involvement=involvement
        )
        == []
    )


def test_a_member_who_may_not_use_the_index_is_not_told(child, team):
    two_factor_reset(user=team["therapist"])
    assert not policy.can_search(team["therapist"])  # no two-factor: cannot search
    newcomer, involvement = member(child)
    sent = notify_team_change(
        child=child, change=TeamChange.JOINED, actor=newcomer, involvement=involvement
    )
    assert told(sent) == {team["school"]}


def test_who_was_told_is_audited_without_the_message(child, team):
    newcomer, involvement = member(child)
    notify_team_change(
        child=child, change=TeamChange.JOINED, actor=newcomer, involvement=involvement
    )
    event = AuditEvent.objects.get(action="notification")
    assert event.children == [child.index_number]
    assert sorted(event.detail["recipients"]) == sorted([team["school"].pk, team["therapist"].pk])
    assert "message" not in event.detail


def test_a_change_that_is_not_a_team_change_is_refused(child):
    with pytest.raises(ValueError, match="not a team change"):
        notify_team_change(child=child, change="many_viewers", actor=None)


# --- The services that change the team tell it (not only the function above) -----------------


def newcomer_with_service(child, **service_traits):
    from childindex.access.tests.factories import UserFactory
    from childindex.directory.tests.factories import ServiceFactory

    account = UserFactory(local_authority=child.responsible_la, with_practitioner=True)
    service = ServiceFactory(organisation=account.organisation, **service_traits)
    account.practitioner.services.add(service)
    return account, service


def test_logging_an_involvement_tells_the_rest_of_the_team(child, team):
    from childindex.records.services import involvement_log

    newcomer, service = newcomer_with_service(child)
    involvement_log(actor=newcomer, child=child, service=service, started_on=child.date_of_birth)
    joined = Notification.objects.filter(kind=TeamChange.JOINED)
    assert {n.recipient for n in joined} == {team["school"], team["therapist"]}
    assert all(newcomer.practitioner.full_name in n.message for n in joined)


def test_a_hidden_concern_logged_is_told_to_nobody(child, team):
    from childindex.records.services import involvement_log

    newcomer, service = newcomer_with_service(child, additional=True)
    involvement_log(
        actor=newcomer,
        child=child,
        service=service,
        started_on=child.date_of_birth,
        hidden_concern=True,
    )
    assert not Notification.objects.exists()


def test_ending_an_involvement_tells_the_rest_of_the_team(child, team):
    from childindex.records.models import Involvement
    from childindex.records.services import involvement_end

    involvement = Involvement.objects.get(child=child, practitioner=team["therapist"].practitioner)
    involvement_end(
        actor=team["therapist"], involvement=involvement, ended_on=involvement.started_on
    )
    left = Notification.objects.filter(kind=TeamChange.LEFT)
    assert {n.recipient for n in left} == {team["school"]}


def test_taking_on_the_lead_and_recording_an_assessment_tell_the_team(child, team):
    from childindex.records.models import AssessmentType, Involvement
    from childindex.records.services import involvement_indicators_set

    involvement = Involvement.objects.get(child=child, practitioner=team["therapist"].practitioner)
    involvement_indicators_set(
        actor=team["therapist"],
        involvement=involvement,
        is_lead_professional=True,
        assessment_type=AssessmentType.values[0],
        assessment_on=involvement.started_on,
        has_information_to_share=False,
        taking_action=False,
    )
    kinds = {(n.kind, n.recipient) for n in Notification.objects.all()}
    assert kinds == {
        (TeamChange.LEAD_CHANGED, team["school"]),
        (TeamChange.ASSESSMENT_RECORDED, team["school"]),
    }
    involvement_indicators_set(  # only the flags that say nothing to the team change
        actor=team["therapist"],
        involvement=involvement,
        is_lead_professional=True,
        assessment_type=AssessmentType.values[0],
        assessment_on=involvement.started_on,
        has_information_to_share=True,
        taking_action=True,
    )
    assert Notification.objects.count() == 2
