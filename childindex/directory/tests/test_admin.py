"""The directory in the back office: every change page renders; an organisation shows its
services."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from childindex.directory.tests.factories import (
    LocalAuthorityFactory,
    OrganisationFactory,
    PractitionerFactory,
    ServiceFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def back_office(client):
    # The back office asks for two factors too (an OTPAdminSite): a verified session. (The
    # directory sits below access, so this does not borrow access.testing.sign_in_verified.)
    # It also asks the web's prerequisites: an approved, vetted, trained account.
    today = dt.date.today()
    user = get_user_model().objects.create_superuser(
        "back.office",
        "back.office@la.example",
        approved_on=today,
        dbs_checked_on=today,
        training_completed_on=today,
    )
    device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.mark.parametrize(
    "factory_class",
    [LocalAuthorityFactory, OrganisationFactory, ServiceFactory, PractitionerFactory],
    ids=lambda f: f._meta.model._meta.model_name,
)
def test_directory_change_page_renders(back_office, factory_class):
    obj = factory_class()
    meta = obj._meta
    url = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])
    assert back_office.get(url).status_code == 200


def test_organisation_page_lists_its_services(back_office):
    service = ServiceFactory(name="School nursing")
    url = reverse("admin:directory_organisation_change", args=[service.organisation.pk])
    page = back_office.get(url).content.decode()
    assert 'name="services-TOTAL_FORMS"' in page
    assert "School nursing" in page


def test_services_are_searched_by_name_and_filtered_by_category(back_office):
    wanted = ServiceFactory(name="Speech and language", additional=True)
    ServiceFactory(name="Reception class")
    url = reverse("admin:directory_service_changelist")
    assert list(back_office.get(url, {"q": "speech"}).context["cl"].result_list) == [wanted]
    filtered = back_office.get(url, {"category__exact": "additional"})
    assert list(filtered.context["cl"].result_list) == [wanted]
