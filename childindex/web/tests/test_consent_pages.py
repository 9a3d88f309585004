"""Recording and withdrawing a family's consent later, from the record page (issue 17 item 9)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from childindex.consent.models import Consent, GivenBy, Scope
from childindex.consent.services import consent_record
from childindex.records import services
from childindex.web.tests.pages import assert_govuk_page
from childindex.web.tests.test_journey import open_record, signed_in

pytestmark = pytest.mark.django_db
START = dt.date(2025, 9, 1)


def log(child, actor, service):
    return services.involvement_log(actor=actor, child=child, service=service, started_on=START)


def record_url(child):
    return reverse("web:consent-record", args=[child.index_number])


def test_the_involvement_card_links_to_recording_a_consent(client, journey, children):
    olivia = children.olivia
    log(olivia, journey.sam, journey.speech)
    page = open_record(signed_in(client, journey.sam), olivia).content.decode()
    assert record_url(olivia) in page
    response = client.get(record_url(olivia))
    assert_govuk_page(response)
    assert "Record a consent" in response.content.decode()


def test_a_practitioner_records_a_parents_consent_and_others_then_see_the_service(
    client, journey, children
):
    olivia = children.olivia
    log(olivia, journey.sam, journey.speech)
    carer = olivia.carer_links.get().carer
    open_record(signed_in(client, journey.sam), olivia)
    response = client.post(
        record_url(olivia),
        {
            "given_by": "parent_carer",
            "carer": carer.pk,
            "scope": "additional_services",
            "given_day": "2",
            "given_month": "9",
            "given_year": "2025",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    consent = Consent.objects.get()
    assert (consent.carer, consent.scope, consent.recorded_by) == (
        carer,
        Scope.ADDITIONAL_SERVICES,
        journey.sam,
    )
    page = open_record(signed_in(client, journey.pat), olivia).content.decode()
    assert "Speech and language therapy" in page and "Additional services in general" in page


def test_a_missing_answer_is_shown_in_the_summary_with_a_link(client, journey, children):
    olivia = children.olivia
    log(olivia, journey.sam, journey.speech)
    open_record(signed_in(client, journey.sam), olivia)
    response = client.post(record_url(olivia), {"given_by": "parent_carer"})
    assert response.status_code == 200
    assert_govuk_page(response)
    page = response.content.decode()
    assert 'href="#id_carer"' in page and "Select the parent or carer" in page
    assert 'href="#id_scope' in page and 'href="#id_given_day"' in page
    assert not Consent.objects.exists()


def test_a_practitioner_who_does_not_work_with_the_child_is_refused(client, journey, children):
    olivia = children.olivia
    open_record(signed_in(client, journey.pat), olivia)
    response = client.get(record_url(olivia))
    assert response.status_code == 403
    assert "works with the child" in response.content.decode()


def test_withdrawing_asks_for_confirmation_then_withdraws(client, journey, children):
    olivia = children.olivia
    log(olivia, journey.sam, journey.speech)
    consent = consent_record(
        actor=journey.sam,
        child=olivia,
        given_by=GivenBy.YOUNG_PERSON,
        scope=Scope.ADDITIONAL_SERVICES,
        given_on=START,
    )
    url = reverse("web:consent-withdraw", args=[olivia.index_number, consent.pk])
    page = open_record(signed_in(client, journey.sam), olivia).content.decode()
    assert url in page
    confirm = client.get(url)
    assert_govuk_page(confirm)
    assert "Are you sure you want to withdraw this consent?" in confirm.content.decode()
    assert Consent.objects.get().withdrawn_on is None  # a GET changes nothing
    empty = client.post(url, {})
    assert_govuk_page(empty)
    assert 'href="#id_withdrawn_day"' in empty.content.decode()
    today = dt.date.today()
    response = client.post(
        url,
        {
            "withdrawn_day": str(today.day),
            "withdrawn_month": str(today.month),
            "withdrawn_year": str(today.year),
        },
    )
    assert response.status_code == 302
    assert Consent.objects.get().withdrawn_on == today
    page = open_record(signed_in(client, journey.pat), olivia).content.decode()
    assert "Speech and language therapy" not in page


def test_nobody_else_may_withdraw_a_sensitive_services_consent(client, journey, children):
    olivia = children.olivia
    log(olivia, journey.pat, journey.pastoral)
    log(olivia, journey.sam, journey.sexual_health)
    consent = consent_record(
        actor=journey.sam,
        child=olivia,
        given_by=GivenBy.YOUNG_PERSON,
        scope=Scope.NAMED_SERVICE,
        service=journey.sexual_health,
        given_on=START,
    )
    page = open_record(signed_in(client, journey.pat), olivia).content.decode()
    assert "sexual health" not in page.lower()
    url = reverse("web:consent-withdraw", args=[olivia.index_number, consent.pk])
    assert url not in page
    assert client.get(url).status_code == 404
