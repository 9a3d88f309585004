"""The back office holds no child data the web does not serve through the policy (issue 15,
finding 3): the consent list gave 46 children and their CAMHS or sexual-health service with no
search term; reads of audit events, notifications and other users' TOTP secrets were not
audited; the back office ignored suspension, vetting and training; a wrong OTP was not audited.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib import admin
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from childindex.access.testing import sign_in_verified, totp_code
from childindex.access.tests.factories import SYNTHETIC_PASSWORD, UserFactory
from childindex.audit.models import AuditEvent, EventOutcome

pytestmark = pytest.mark.django_db

CHILD_DATA = {
    "records.child",
    "records.childname",
    "records.childaddress",
    "records.childidentifier",
    "records.carer",
    "records.childcarer",
    "records.involvement",
    "consent.consent",
    "audit.auditevent",
    "audit.auditeventchild",
    "monitoring.alert",
    "monitoring.alertreview",
    "notifications.notification",
    "otp_totp.totpdevice",
    "otp_static.staticdevice",
}


@pytest.fixture
def staff():
    return UserFactory(back_office=True)


def test_child_data_audit_events_notifications_and_otp_devices_are_absent():
    registered = {model._meta.label_lower for model in admin.site._registry}
    assert registered & CHILD_DATA == set()


def test_the_consent_roll_is_gone(client, staff):
    sign_in_verified(client, staff)
    assert client.get("/back-office/consent/consent/").status_code == 404
    assert client.get("/back-office/records/child/").status_code == 404
    assert client.get("/back-office/otp_totp/totpdevice/").status_code == 404


def test_every_back_office_read_is_audited(client, staff):
    sign_in_verified(client, staff)
    before = AuditEvent.objects.count()
    urls = [
        reverse("admin:index"),
        reverse("admin:access_user_changelist"),
        reverse("admin:access_user_change", args=[staff.pk]),
    ]
    for url in urls:
        assert client.get(url).status_code == 200
    reads = AuditEvent.objects.filter(action="back_office_read").order_by("id")
    assert AuditEvent.objects.count() - before == len(urls)
    assert [e.detail["view"] for e in reads] == [
        "admin:index",
        "admin:access_user_changelist",
        "admin:access_user_change",
    ]
    assert all(e.actor_id == staff.pk and e.outcome == EventOutcome.ALLOWED for e in reads)


def test_a_search_term_in_the_back_office_is_audited_without_being_logged_in_the_url(client, staff):
    sign_in_verified(client, staff)
    client.get(reverse("admin:access_user_changelist"), {"q": "someone"})
    event = AuditEvent.objects.filter(action="back_office_read").latest("id")
    assert event.detail["searched"] is True
    assert "someone" not in str(event.detail)


@pytest.mark.parametrize(
    "lapse",
    [
        {"suspended_on": dt.date.today()},
        {"dbs_checked_on": dt.date.today() - dt.timedelta(days=4 * 365)},
        {"training_completed_on": None},
        {"approved_on": None},
    ],
    ids=["suspended", "vetting lapsed", "untrained", "unapproved"],
)
def test_the_back_office_needs_the_same_prerequisites_as_the_web(client, lapse):
    user = UserFactory(back_office=True, **lapse)
    sign_in_verified(client, user)
    response = client.get(reverse("admin:access_user_changelist"))
    assert response.status_code == 302 and reverse("admin:login") in response["Location"]
    refused = AuditEvent.objects.filter(action="back_office_read").latest("id")
    assert refused.outcome == EventOutcome.DENIED


def test_a_wrong_back_office_two_factor_code_is_audited(client, staff):
    device = TOTPDevice.objects.create(user=staff, name="app", confirmed=True)
    wrong = f"{(int(totp_code(device)) + 1) % 1_000_000:06d}"
    response = client.post(
        reverse("admin:login"),
        {
            "username": staff.username,
            "password": SYNTHETIC_PASSWORD,
            "otp_device": device.persistent_id,
            "otp_token": wrong,
        },
    )
    assert response.status_code == 200  # the form again
    failed = AuditEvent.objects.filter(action="sign_in_failed").latest("id")
    assert failed.actor_label == staff.username
    assert failed.detail == {"via": "back_office", "factor": "two_factor"}


def test_no_back_office_page_shows_an_otp_secret(client, staff):
    user = UserFactory()
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    sign_in_verified(client, staff)
    for url in (
        reverse("admin:access_user_change", args=[user.pk]),
        reverse("admin:access_user_changelist"),
        reverse("admin:index"),
    ):
        page = client.get(url).content.decode()
        assert "otpauth://" not in page and device.key not in page
