"""Consents in the back office: recorded by whoever records them, never deleted, audited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from childindex.access.testing import sign_in_verified
from childindex.access.tests.factories import UserFactory
from childindex.audit.models import AuditEvent
from childindex.consent.models import Consent, GivenBy, Scope
from childindex.consent.tests.factories import ConsentFactory
from childindex.records.tests.factories import ChildFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser():
    return UserFactory(back_office=True)


@pytest.fixture
def back_office(client, superuser):
    # The back office asks for two factors too (an OTPAdminSite).
    sign_in_verified(client, superuser)
    return client


def test_consent_recorded_in_the_back_office_names_its_recorder_and_is_audited(
    back_office, superuser
):
    child = ChildFactory()
    response = back_office.post(
        reverse("admin:consent_consent_add"),
        {
            "child": child.pk,
            "given_by": GivenBy.YOUNG_PERSON,
            "scope": Scope.ADDITIONAL_SERVICES,
            "given_on": dt.date.today().isoformat(),
        },
    )
    assert response.status_code == 302
    consent = Consent.objects.get(child=child)
    assert consent.recorded_by == superuser
    event = AuditEvent.objects.get(action="admin.add")
    assert event.children == [child.index_number]
    assert event.detail["model"] == "consent.consent"


def test_consent_by_a_parent_without_the_carer_is_refused_with_a_message(back_office):
    child = ChildFactory()
    response = back_office.post(
        reverse("admin:consent_consent_add"),
        {
            "child": child.pk,
            "given_by": GivenBy.PARENT_CARER,
            "scope": Scope.ADDITIONAL_SERVICES,
            "given_on": dt.date.today().isoformat(),
        },
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert not Consent.objects.exists()


def test_consent_page_renders_and_consents_are_never_deleted(back_office):
    consent = ConsentFactory(by_parent=True, named_service=True)
    assert (
        back_office.get(reverse("admin:consent_consent_change", args=[consent.pk])).status_code
        == 200
    )
    delete = reverse("admin:consent_consent_delete", args=[consent.pk])
    assert back_office.get(delete).status_code == 403


def test_consents_are_listed_by_the_childs_index_number_only(back_office):
    consent = ConsentFactory()
    name = consent.child.names.get().family_name
    page = back_office.get(reverse("admin:consent_consent_changelist")).content.decode()
    assert consent.child.formatted_index_number in page
    assert name not in page
    found = back_office.get(
        reverse("admin:consent_consent_changelist"), {"q": consent.child.formatted_index_number}
    )
    assert list(found.context["cl"].result_list) == [consent]
