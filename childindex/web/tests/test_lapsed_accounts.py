"""A suspended, unapproved or lapsed account signs in only to a page saying which prerequisite
is missing, and can do nothing else (issue 15, finding 5: a suspended account signed back in,
read notifications with index numbers and practitioners, and replaced its recovery codes)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from childindex.access.testing import sign_in_verified
from childindex.access.tests.factories import UserFactory
from childindex.access.two_factor import recovery_codes_left
from childindex.audit.models import AuditEvent, EventOutcome
from childindex.web.tests.page_checks import assert_govuk_page

pytestmark = pytest.mark.django_db
TODAY = dt.date.today()

LAPSES = {
    "suspended": ({"suspended_on": TODAY}, "suspended"),
    "unapproved": ({"approved_on": None}, "approved"),
    "vetting lapsed": ({"dbs_checked_on": TODAY - dt.timedelta(days=3 * 366)}, "DBS"),
    "untrained": ({"training_completed_on": None}, "training"),
}


@pytest.fixture(params=list(LAPSES), ids=list(LAPSES))
def lapsed(request, client):
    fields, says = LAPSES[request.param]
    user = UserFactory(**fields)
    sign_in_verified(client, user)
    return user, says


def test_a_lapsed_account_lands_on_a_page_saying_which_prerequisite_is_missing(client, lapsed):
    user, says = lapsed
    response = client.get(reverse("web:home"))
    assert response.status_code == 403
    assert_govuk_page(response)
    assert says.casefold() in response.content.decode().casefold()


@pytest.mark.parametrize(
    ("url", "method"),
    [
        ("web:notifications", "get"),
        ("web:notifications", "post"),
        ("web:recovery-codes", "get"),
        ("web:recovery-codes", "post"),
    ],
)
def test_a_lapsed_account_can_do_nothing_else(client, lapsed, url, method):
    user, _ = lapsed
    from childindex.access import two_factor

    two_factor.recovery_codes_replace(user=user)
    before = recovery_codes_left(user)
    response = getattr(client, method)(reverse(url))
    assert response.status_code == 403
    assert recovery_codes_left(user) == before  # not replaced
    refused = AuditEvent.objects.filter(actor=user, outcome=EventOutcome.DENIED).latest("id")
    assert refused.action == "access_denied_prerequisites"


def test_an_account_in_good_standing_still_reads_its_notifications(client):
    sign_in_verified(client, UserFactory())
    assert client.get(reverse("web:notifications")).status_code == 200
    assert client.get(reverse("web:home")).status_code == 200
