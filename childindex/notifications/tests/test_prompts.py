"""The monitoring prompts: many practitioners opening a record; several services, no lead."""

from __future__ import annotations

import pytest
from django.core import mail

from childindex.access.tests.factories import UserFactory
from childindex.audit.services import audit_record
from childindex.consent.tests.factories import ConsentFactory
from childindex.notifications.models import Notification, NotificationKind, NotificationThresholds
from childindex.notifications.services import notify_many_viewers, notify_no_lead_professional
from childindex.notifications.tests.factories import member
from childindex.records.tests.factories import ChildFactory

pytestmark = pytest.mark.django_db


def opened_by(child, count):
    for _ in range(count):
        viewer = UserFactory(local_authority=child.responsible_la)
        audit_record(
            actor=viewer, action="record_view", children=[child.index_number], purpose="referral"
        )


# --- Many practitioners opened the record ---------------------------------------------------


def test_many_practitioners_opening_a_record_tell_the_lead_professional():
    child = ChildFactory()
    lead, _ = member(child, involvement_traits={"lead_professional": True})
    other, _ = member(child)
    opened_by(child, 5)

    assert notify_many_viewers() == 1
    [notification] = Notification.objects.all()
    assert notification.recipient == lead and notification.kind == NotificationKind.MANY_VIEWERS
    assert "5 different practitioners opened the record" in notification.message
    assert "because you are the child's lead professional" in notification.message
    assert "not a judgement about the child" in notification.message
    assert other not in {n.recipient for n in Notification.objects.all()}


def test_without_a_lead_professional_the_las_safeguarding_contact_is_told():
    child = ChildFactory()
    member(child)
    opened_by(child, 6)
    assert notify_many_viewers() == 1
    [notification] = Notification.objects.all()
    assert notification.recipient is None
    assert notification.email == child.responsible_la.safeguarding_email
    assert "safeguarding contact" in notification.message


def test_the_usual_number_of_viewers_tells_nobody():
    child = ChildFactory()
    member(child, involvement_traits={"lead_professional": True})
    opened_by(child, 4)
    assert notify_many_viewers() == 0


def test_the_la_sets_what_is_usual():
    child = ChildFactory()
    NotificationThresholds.objects.create(local_authority=child.responsible_la, distinct_viewers=8)
    opened_by(child, 6)
    assert notify_many_viewers() == 0


def test_the_same_episode_is_told_once():
    child = ChildFactory()
    opened_by(child, 5)
    assert notify_many_viewers() == 1
    opened_by(child, 1)
    assert notify_many_viewers() == 0


def test_the_lead_of_a_shielded_child_is_not_sent_what_they_cannot_see_the_la_is_told():
    child = ChildFactory(shielded_record=True)
    member(child, involvement_traits={"lead_professional": True})
    opened_by(child, 5)
    notify_many_viewers()
    [notification] = Notification.objects.all()
    assert notification.recipient is None  # the LA's safeguarding contact instead


# --- Several services and no lead professional ----------------------------------------------


@pytest.fixture
def busy_child():
    """Three additional or specialist services, consent standing, no lead professional."""
    child = ChildFactory()
    ConsentFactory(child=child)
    members = [
        member(child, service_traits={"additional": True})[0],
        member(child, service_traits={"specialist": True})[0],
        member(child, service_traits={"additional": True})[0],
    ]
    school, _ = member(child)
    return child, members, school


def test_several_services_and_no_lead_tell_the_whole_team(busy_child):
    child, members, school = busy_child
    assert notify_no_lead_professional() == 4
    assert {n.recipient for n in Notification.objects.all()} == {*members, school}
    message = Notification.objects.filter(recipient=school).get().message
    assert "has 3 additional or specialist services involved and no lead professional" in message


def test_with_a_lead_professional_nobody_is_told(busy_child):
    child, members, school = busy_child
    involvement = members[0].practitioner.involvements.get()
    involvement.is_lead_professional = True
    involvement.save()
    assert notify_no_lead_professional() == 0


def test_a_service_hidden_from_a_member_is_not_counted_for_them():
    """Two visible services and one hidden concern: only its holder counts three."""
    child = ChildFactory()
    ConsentFactory(child=child)
    first = member(child, service_traits={"additional": True})[0]
    second = member(child, service_traits={"specialist": True})[0]
    worried = member(
        child,
        service_traits={"specialist": True},
        involvement_traits={"hidden_concern": True, "logged": True},
    )[0]
    notify_no_lead_professional()
    assert {n.recipient for n in Notification.objects.all()} == {worried}
    assert first and second


def test_services_without_consent_are_not_counted():
    child = ChildFactory()  # no consent: additional services are not shown to others
    members = [member(child, service_traits={"additional": True})[0] for _ in range(3)]
    assert notify_no_lead_professional() == 0
    assert members


def test_a_sensitive_service_counts_as_the_sensitive_service_others_see_it_as():
    child = ChildFactory()
    ConsentFactory(child=child)
    member(child, service_traits={"additional": True})
    member(child, service_traits={"additional": True})
    nurse, involvement = member(child, service_traits={"sensitive_service": True})
    ConsentFactory(child=child, named_service=True, service=involvement.service)
    assert notify_no_lead_professional() == 3
    for notification in Notification.objects.all():
        assert involvement.service.name not in notification.message
    assert nurse


def test_the_prompt_is_sent_once_a_month(busy_child):
    assert notify_no_lead_professional() == 4
    assert notify_no_lead_professional() == 0


# --- E-mail ---------------------------------------------------------------------------------


def test_a_notification_is_emailed_after_commit_without_the_childs_name(
    busy_child, django_capture_on_commit_callbacks
):
    child, members, school = busy_child
    with django_capture_on_commit_callbacks(execute=True):
        notify_no_lead_professional()
    assert len(mail.outbox) == 4
    name = child.names.get()
    for message in mail.outbox:
        assert name.family_name not in message.body and name.given_names not in message.body
        assert "/notifications/" in message.body
    assert {m.to[0] for m in mail.outbox} == {
        u.practitioner.secure_email for u in [*members, school]
    }
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()
