"""The practitioner's journey through the web UI: search, purpose, record, own involvement."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from childindex.access.testing import sign_in_verified
from childindex.audit.models import AuditEvent, EventOutcome
from childindex.consent.models import Consent, GivenBy, Scope
from childindex.records.models import Basis, Involvement
from childindex.testkit.journey import journey_practitioner, journey_user
from childindex.web.tests.pages import assert_govuk_page

pytestmark = pytest.mark.django_db
TODAY = dt.date.today()


def signed_in(client, user):
    sign_in_verified(client, user)
    return client


def search(client, **fields):
    response = client.post(reverse("web:search"), fields, follow=True)
    assert_govuk_page(response)
    return response


def open_record(client, child, purpose="referral"):
    response = client.post(
        reverse("web:child-purpose", args=[child.index_number]), {"purpose": purpose}
    )
    assert response.status_code == 302, response.content.decode()[:500]
    response = client.get(reverse("web:child-record", args=[child.index_number]))
    assert_govuk_page(response)
    return response


def involvement(child, service, practitioner, user, **fields):
    fields.setdefault("started_on", dt.date(2024, 9, 1))
    fields.setdefault("basis", Basis.UNIVERSAL)
    return Involvement.objects.create(
        child=child, service=service, practitioner=practitioner, logged_by=user, **fields
    )


# --- Search ---------------------------------------------------------------------------------------


def test_the_search_page_follows_govuk_conventions(client, journey):
    response = signed_in(client, journey.pat).get(reverse("web:search"))
    assert response.status_code == 200
    assert assert_govuk_page(response) == "Find a child"


def test_a_search_lists_ranked_children_without_their_address(client, journey, children):
    response = search(
        signed_in(client, journey.pat),
        name="Olivia Smith",
        dob_day="4",
        dob_month="3",
        dob_year="2015",
    )
    page = response.content.decode()
    assert "Olivia Smith" in page and "4 March 2015" in page and "Hastings" in page
    assert children.olivia.formatted_index_number in page
    results = page.split('id="results"')[1]
    assert "High Street" not in results and "TN34 1AA" not in results
    assert reverse("web:child-purpose", args=[children.olivia.index_number]) in page


def test_a_year_alone_is_a_date_of_birth(client, journey, children):
    page = search(signed_in(client, journey.pat), name="Olivia Smith", dob_year="2015")
    assert "Olivia Smith" in page.content.decode()


def test_too_little_to_search_says_what_to_add(client, journey, children):
    page = search(signed_in(client, journey.pat), name="Olivia Smith").content.decode()
    assert "There is a problem" in page and "date of birth (or year of birth) or postcode" in page


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"name": "Olivia", "dob_day": "31", "dob_month": "2", "dob_year": "2015"}, "real date"),
        ({"name": "Olivia", "dob_day": "1", "dob_month": "1", "dob_year": "2099"}, "past"),
        ({"name": "Olivia", "dob_day": "1", "dob_year": "2015"}, "day, month and year"),
        ({"name": "Olivia", "dob_day": "x", "dob_month": "1", "dob_year": "2015"}, "real date"),
        ({"identifier": "943 476 5918"}, "check digit"),
        ({"name": "Olivia", "postcode": "'; DROP TABLE x;--"}, "full postcode"),
    ],
)
def test_bad_search_input_is_shown_as_an_error_on_the_form(client, journey, fields, says):
    response = search(signed_in(client, journey.pat), **fields)
    assert response.status_code == 200
    assert says in response.content.decode()
    # Refused, and audited as a refused search naming the fields at fault, not what was typed.
    [event] = AuditEvent.objects.filter(action="child_search")
    assert event.outcome == EventOutcome.DENIED and event.detail["invalid"]
    assert not any(str(v) in str(event.detail) for v in fields.values() if len(str(v)) > 2)


def test_markup_in_a_field_is_refused_and_escaped(client, journey):
    response = search(
        signed_in(client, journey.pat), name="<script>alert(1)</script>", dob_year="2015"
    )
    page = response.content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "only include letters" in page


def test_a_shielded_childs_postcode_search_looks_like_no_match(client, journey, children):
    client = signed_in(client, journey.pat)
    shielded = search(client, name="Ruby Hidden", postcode="TN35 5AA").content.decode()
    nobody = search(client, name="Nobody Here", postcode="TN35 5AB").content.decode()
    assert "No match" in shielded and "No match" in nobody

    def strip(page):  # the results part only (the timeout warning's CSRF token differs)
        return page.split('id="results"')[1].split('id="timeout-warning"')[0]

    assert strip(shielded) == strip(nobody)


def test_an_account_without_training_cannot_search_and_is_told(client, journey):
    user = journey_user("untrained", la=journey.la, training_completed_on=None)
    response = signed_in(client, user).get(reverse("web:search"))
    assert response.status_code == 403
    assert_govuk_page(response)
    assert "training" in response.content.decode()


def test_signed_out_users_are_sent_to_sign_in(client):
    response = client.get(reverse("web:search"))
    assert response.status_code == 302 and "/sign-in/" in response["Location"]


# --- Purpose and record -------------------------------------------------------------------


def test_a_record_asks_the_purpose_first(client, journey, children):
    client = signed_in(client, journey.pat)
    url = reverse("web:child-record", args=[children.olivia.index_number])
    response = client.get(url)
    assert response["Location"] == reverse("web:child-purpose", args=[children.olivia.index_number])
    page = client.get(response["Location"])
    assert assert_govuk_page(page) == "Why are you opening this record?"
    assert "Child protection enquiry" not in page.content.decode()  # not a practitioner's


def test_a_purpose_not_open_to_the_role_is_refused(client, journey, children):
    client = signed_in(client, journey.pat)
    response = client.post(
        reverse("web:child-purpose", args=[children.olivia.index_number]),
        {"purpose": "child_protection_enquiry"},
    )
    page = response.content.decode()
    assert response.status_code == 200 and "Select why you are opening this record" in page


def test_the_purpose_lasts_one_viewing_of_one_child(client, journey, children):
    client = signed_in(client, journey.pat)
    open_record(client, children.olivia)
    other = client.get(reverse("web:child-record", args=[children.mo.index_number]))
    assert other.status_code == 302
    client.get(reverse("web:search"))  # a new search ends the viewing
    again = client.get(reverse("web:child-record", args=[children.olivia.index_number]))
    assert again.status_code == 302


def test_a_record_view_is_audited_with_its_purpose(client, journey, children):
    open_record(signed_in(client, journey.pat), children.olivia, "welfare_concern")
    event = AuditEvent.objects.filter(action="record_view").last()
    assert event.purpose == "welfare_concern"
    assert event.children == [children.olivia.index_number]
    assert "Olivia" not in str(event.detail)


def test_the_team_around_the_child_shows_who_to_contact(client, journey, children):
    olivia = children.olivia
    lead = involvement(
        olivia,
        journey.pastoral,
        journey.teacher,
        journey.pat,
        is_lead_professional=True,
        assessment_type="caf",
        assessment_on=dt.date(2025, 1, 6),
    )
    speech = involvement(
        olivia, journey.speech, journey.therapist, journey.sam, basis=Basis.CONSENT
    )
    Consent.objects.create(
        child=olivia,
        given_by=GivenBy.PARENT_CARER,
        carer=olivia.carer_links.get().carer,
        scope=Scope.ADDITIONAL_SERVICES,
        given_on=dt.date(2024, 9, 1),
        recorded_by=journey.sam,
    )
    involvement(
        olivia,
        journey.pastoral,
        journey.teacher,
        journey.pat,
        started_on=dt.date(2020, 9, 1),
        ended_on=dt.date(2021, 7, 20),
    )
    viewer = journey_user(
        "val", la=journey.la, practitioner=journey_practitioner(journey.school, "Val", "Viewer")
    )
    page = open_record(signed_in(client, viewer), olivia).content.decode()
    assert "Pat Teacher" in page and journey.teacher.secure_email in page
    assert "Lead professional" in page and "Common Assessment Framework" in page
    assert "Speech and language therapy" in page and "Sam Therapist" in page
    assert page.index("Ended involvements") > page.index("Speech and language therapy")
    assert "12 High Street" in page and "Dana Smith" in page
    assert lead.pk and speech.pk


def test_a_sensitive_involvement_shows_only_that_one_is_involved(client, journey, children):
    olivia = children.olivia
    involvement(
        olivia,
        journey.sexual_health,
        journey.therapist,
        journey.sam,
        basis=Basis.SENSITIVE_CONSENT,
    )
    Consent.objects.create(
        child=olivia,
        given_by=GivenBy.YOUNG_PERSON,
        scope=Scope.NAMED_SERVICE,
        service=journey.sexual_health,
        given_on=dt.date(2024, 9, 1),
        recorded_by=journey.sam,
    )
    page = open_record(signed_in(client, journey.pat), olivia).content.decode()
    assert "A sensitive service is involved — contact the LA index team" in page
    assert journey.la.index_team_email in page
    assert "sexual health" not in page.lower() and "Sam Therapist" not in page


def test_an_involvement_without_consent_is_not_shown_to_others(client, journey, children):
    involvement(
        children.olivia,
        journey.speech,
        journey.therapist,
        journey.sam,
        basis=Basis.CONSENT,
    )
    page = open_record(signed_in(client, journey.pat), children.olivia).content.decode()
    assert "Speech and language therapy" not in page
    own = open_record(signed_in(client, journey.sam), children.olivia).content.decode()
    assert "Speech and language therapy" in own


def test_a_shielded_record_shows_only_what_a_shield_allows(client, journey, children):
    ruby = children.ruby
    involvement(ruby, journey.pastoral, journey.teacher, journey.sam)
    page = open_record(signed_in(client, journey.sam), ruby).content.decode()
    assert "This record is shielded" in page
    assert "Ruby Hidden" in page and "12 June 2014" in page and "Rose Hidden" in page
    assert journey.la.index_team_phone in page
    for locating in (
        "TN35",
        "High Street",
        "Pastoral care",
        "Hastings Primary",
        "Pat Teacher",
        "07700",
        children.nhs["ruby"],
    ):
        assert locating not in page
    event = AuditEvent.objects.filter(action="record_view").last()
    assert "shielded_record_access" in event.detail["alerts"]


# --- Logging your own involvement -----------------------------------------------------------


def log_url(child):
    return reverse("web:involvement-log", args=[child.index_number])


def test_a_practitioner_logs_their_involvement_and_sees_it_in_the_team(client, journey, children):
    client = signed_in(client, journey.pat)
    olivia = children.olivia
    open_record(client, olivia)
    form = client.get(log_url(olivia))
    assert assert_govuk_page(form) == "Log your involvement"
    response = client.post(
        log_url(olivia),
        {
            "service": journey.pastoral.pk,
            "started_day": "2",
            "started_month": "9",
            "started_year": "2025",
        },
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "has been logged" in page and "Pastoral care" in page and "Change indicators" in page
    created = Involvement.objects.get(child=olivia)
    assert created.basis == Basis.UNIVERSAL and created.logged_by == journey.pat
    assert AuditEvent.objects.filter(
        action="involvement_log", children=[olivia.index_number]
    ).exists()


def test_a_specialist_involvement_with_a_carers_consent_is_shown(client, journey, children):
    client = signed_in(client, journey.sam)
    olivia = children.olivia
    open_record(client, olivia)
    carer = olivia.carer_links.get().carer
    response = client.post(
        log_url(olivia),
        {
            "service": journey.speech.pk,
            "started_day": "2",
            "started_month": "9",
            "started_year": "2025",
            "consent_status": "given",
            "given_by": "parent_carer",
            "carer": carer.pk,
            "scope": "additional_services",
            "consent_day": "1",
            "consent_month": "9",
            "consent_year": "2025",
        },
    )
    assert response.status_code == 302, response.content.decode()
    consent = Consent.objects.get(child=olivia)
    assert (consent.carer, consent.scope, consent.recorded_by) == (
        carer,
        Scope.ADDITIONAL_SERVICES,
        journey.sam,
    )
    page = open_record(signed_in(client, journey.pat), olivia).content.decode()
    assert "Speech and language therapy" in page


def test_consent_given_must_say_by_whom(client, journey, children):
    client = signed_in(client, journey.sam)
    open_record(client, children.olivia)
    response = client.post(
        log_url(children.olivia),
        {
            "service": journey.speech.pk,
            "started_day": "2",
            "started_month": "9",
            "started_year": "2025",
            "consent_status": "given",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Select who gave consent" in page and "Select what the consent covers" in page
    assert not Involvement.objects.exists() and not Consent.objects.exists()
    assert_govuk_page(response)


@pytest.mark.parametrize(
    ("day", "month", "year", "says"),
    [
        ("31", "2", "2025", "real date"),
        ("1", "1", "2099", "today or in the past"),
        ("1", "1", "2010", "after the child"),
        ("", "", "", "Enter the start date"),
    ],
)
def test_a_bad_start_date_is_refused_and_nothing_is_stored(
    client, journey, children, day, month, year, says
):
    client = signed_in(client, journey.pat)
    open_record(client, children.olivia)
    response = client.post(
        log_url(children.olivia),
        {
            "service": journey.pastoral.pk,
            "started_day": day,
            "started_month": month,
            "started_year": year,
        },
    )
    assert response.status_code == 200 and says in response.content.decode()
    assert not Involvement.objects.exists()


def test_only_a_practitioner_in_the_directory_can_log(client, journey, children):
    client = signed_in(client, journey.cp)
    open_record(client, children.olivia)
    response = client.get(log_url(children.olivia))
    assert response.status_code == 403
    assert "Only a practitioner in the directory" in response.content.decode()


def test_a_shielded_record_offers_no_logging_and_the_refusal_says_why_in_the_trail(
    client, journey, children
):
    """The load test's three 403s (issue 16): a practitioner asking for the involvement form of
    a shielded record. Its page has no "Log your involvement" button, and the refusal's audit
    event gives the reason, so the trail alone tells a shield from an archived record."""
    ruby = children.ruby
    client = signed_in(client, journey.pat)
    page = open_record(client, ruby).content.decode()
    assert "This record is shielded" in page and log_url(ruby) not in page
    assert log_url(children.olivia) in open_record(client, children.olivia).content.decode()
    open_record(client, ruby)
    response = client.get(log_url(ruby))
    assert response.status_code == 403
    event = AuditEvent.objects.get(request_id=response["X-Request-ID"])
    assert (event.action, event.outcome) == ("request_refused", EventOutcome.DENIED)
    assert event.children == [ruby.index_number]
    assert event.detail["view"] == "web:involvement-log" and event.detail["status"] == 403
    assert event.detail["reasons"] == [
        "This record is shielded. Contact the LA index team to add to it."
    ]


def test_indicators_one_lead_professional_at_a_time(client, journey, children):
    olivia = children.olivia
    involvement(
        olivia,
        journey.speech,
        journey.therapist,
        journey.sam,
        basis=Basis.STATUTORY,
        is_lead_professional=True,
    )
    mine = involvement(olivia, journey.pastoral, journey.teacher, journey.pat)
    client = signed_in(client, journey.pat)
    open_record(client, olivia)
    url = reverse("web:involvement-indicators", args=[olivia.index_number, mine.pk])
    assert assert_govuk_page(client.get(url)) == "Your indicators"
    response = client.post(url, {"is_lead_professional": "on", "taking_action": "on"})
    assert response.status_code == 200
    assert "already the lead professional" in response.content.decode()
    mine.refresh_from_db()
    assert not mine.is_lead_professional and not mine.taking_action


def test_indicators_are_set_and_cleared(client, journey, children):
    olivia = children.olivia
    mine = involvement(olivia, journey.pastoral, journey.teacher, journey.pat)
    client = signed_in(client, journey.pat)
    open_record(client, olivia)
    url = reverse("web:involvement-indicators", args=[olivia.index_number, mine.pk])
    response = client.post(
        url,
        {
            "is_lead_professional": "on",
            "assessment_type": "caf",
            "assessment_day": "3",
            "assessment_month": "2",
            "assessment_year": "2026",
            "has_information_to_share": "on",
        },
    )
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.is_lead_professional and mine.assessment_on == dt.date(2026, 2, 3)
    client.post(url, {})
    mine.refresh_from_db()
    assert not mine.is_lead_professional and mine.assessment_type == ""


def test_nobody_changes_another_practitioners_involvement(client, journey, children):
    olivia = children.olivia
    theirs = involvement(
        olivia, journey.speech, journey.therapist, journey.sam, basis=Basis.STATUTORY
    )
    client = signed_in(client, journey.pat)
    page = open_record(client, olivia).content.decode()
    assert "Speech and language therapy" in page and "Change indicators" not in page
    for name in ("web:involvement-indicators", "web:involvement-end"):
        url = reverse(name, args=[olivia.index_number, theirs.pk])
        assert client.get(url).status_code == 403
        assert (
            client.post(
                url,
                {
                    "is_lead_professional": "on",
                    "ended_day": "1",
                    "ended_month": "1",
                    "ended_year": "2026",
                },
            ).status_code
            == 403
        )
    theirs.refresh_from_db()
    assert theirs.ended_on is None and not theirs.is_lead_professional


def test_ending_an_involvement_moves_it_below(client, journey, children):
    olivia = children.olivia
    mine = involvement(olivia, journey.pastoral, journey.teacher, journey.pat)
    client = signed_in(client, journey.pat)
    open_record(client, olivia)
    url = reverse("web:involvement-end", args=[olivia.index_number, mine.pk])
    assert assert_govuk_page(client.get(url)) == "End your involvement"
    bad = client.post(url, {"ended_day": "1", "ended_month": "1", "ended_year": "2020"})
    assert "on or after the start date" in bad.content.decode()
    response = client.post(
        url,
        {
            "ended_day": str(TODAY.day),
            "ended_month": str(TODAY.month),
            "ended_year": str(TODAY.year),
        },
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Ended involvements" in page
    assert AuditEvent.objects.filter(
        action="involvement_end", outcome=EventOutcome.ALLOWED
    ).exists()


# --- Directory ------------------------------------------------------------------------------------


def test_the_directory_finds_practitioners_and_services(client, journey):
    client = signed_in(client, journey.pat)
    response = client.get(reverse("web:directory"), {"q": "therapist"})
    assert assert_govuk_page(response) == "Directory"
    assert "Sam Therapist" in response.content.decode()
    response = client.get(reverse("web:directory"), {"q": "speech trust"})
    assert "Speech and language therapy" in response.content.decode()
    person = client.get(reverse("web:directory-practitioner", args=[journey.therapist.pk]))
    assert assert_govuk_page(person) == "Sam Therapist"
    assert journey.therapist.secure_email in person.content.decode()
    svc = client.get(reverse("web:directory-service", args=[journey.speech.pk]))
    assert assert_govuk_page(svc) == "Speech and language therapy"


def test_the_directory_needs_an_authorised_account(client, journey):
    user = journey_user("nodbs", la=journey.la, dbs_checked_on=None)
    response = signed_in(client, user).get(reverse("web:directory"), {"q": "sam"})
    assert response.status_code == 403 and "DBS" in response.content.decode()


def test_a_child_protection_practitioner_overrides_a_shield_for_one_viewing(
    client, journey, children
):
    from childindex.access.testing import totp_code

    ruby = children.ruby
    device = sign_in_verified(client, journey.cp)
    page = open_record(client, ruby, "child_protection_enquiry").content.decode()
    assert "This record is shielded" in page and "TN35 5AA" not in page
    override_url = reverse("web:child-shield-override", args=[ruby.index_number])
    assert override_url in page
    form = client.get(override_url)
    assert assert_govuk_page(form) == "Override the shield"
    response = client.post(override_url, {"reason": "immediate_risk", "code": totp_code(device)})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "TN35 5AA" in page and "because you overrode the shield" in page
    kinds = set(AuditEvent.objects.filter(action="alert").values_list("detail__kind", flat=True))
    assert {"shielded_record_access", "shield_override", "child_protection_break_glass"} <= kinds
    open_record(client, children.olivia, "child_protection_enquiry")  # leaving ends it
    page = open_record(client, ruby, "child_protection_enquiry").content.decode()
    assert "TN35 5AA" not in page


def test_only_a_child_protection_practitioner_may_override_a_shield(client, journey, children):
    client = signed_in(client, journey.pat)
    page = open_record(client, children.ruby).content.decode()
    url = reverse("web:child-shield-override", args=[children.ruby.index_number])
    assert url not in page
    assert client.get(url).status_code == 403


def test_a_shield_override_needs_a_fresh_code_and_a_reason(client, journey, children):
    ruby = children.ruby
    sign_in_verified(client, journey.cp)
    open_record(client, ruby, "child_protection_enquiry")
    url = reverse("web:child-shield-override", args=[ruby.index_number])
    no_reason = client.post(url, {"code": "123456"})
    assert "Choose why" in no_reason.content.decode()
    wrong = client.post(url, {"reason": "immediate_risk", "code": "000000"})
    assert wrong.status_code == 200 and "wrong" in wrong.content.decode()
    assert_govuk_page(wrong)
    page = client.get(reverse("web:child-record", args=[ruby.index_number])).content.decode()
    assert "TN35 5AA" not in page


# --- Search results by post/redirect/get ----------------------------------------------------


def test_a_search_redirects_to_a_results_page_without_the_criteria_in_its_address(
    client, journey, children
):
    signed_in(client, journey.pat)
    fields = {"name": "Olivia Smith", "dob_year": "2015"}
    response = client.post(reverse("web:search"), fields)
    assert response.status_code == 302
    assert response["Location"] == reverse("web:search-results")
    assert "Olivia" not in response["Location"] and "2015" not in response["Location"]
    searches = AuditEvent.objects.filter(action="child_search").count()
    page = client.get(response["Location"])
    assert_govuk_page(page)
    assert "Olivia Smith" in page.content.decode()
    again = client.get(reverse("web:search-results"))  # Back, or refresh: no resubmission
    assert "Olivia Smith" in again.content.decode()
    assert AuditEvent.objects.filter(action="child_search").count() == searches


def test_the_purpose_page_and_the_record_link_back_to_the_results(client, journey, children):
    search(signed_in(client, journey.pat), name="Olivia Smith", dob_year="2015")
    back = f'href="{reverse("web:search-results")}" class="govuk-back-link"'
    purpose = client.get(reverse("web:child-purpose", args=[children.olivia.index_number]))
    assert back in purpose.content.decode()
    assert back in open_record(client, children.olivia).content.decode()
    results = client.get(reverse("web:search-results"))
    assert "Olivia Smith" in results.content.decode()
    # Coming back to the results ends the viewing: the record asks for a purpose again.
    record = client.get(reverse("web:child-record", args=[children.olivia.index_number]))
    assert record.status_code == 302 and "/purpose/" in record["Location"]


def test_the_results_page_without_a_search_goes_to_the_search_page(client, journey):
    signed_in(client, journey.pat)
    response = client.get(reverse("web:search-results"))
    assert response.status_code == 302 and response["Location"] == reverse("web:search")
    client.post(reverse("web:search"), {"name": "Olivia Smith", "dob_year": "2015"})
    client.get(reverse("web:search"))  # a new search forgets the last results
    assert client.get(reverse("web:search-results")).status_code == 302


# --- Search limit (issue 15, finding 1) -------------------------------------------------------


def test_a_search_past_the_limit_is_refused_with_429_saying_when_searching_can_resume(
    client, journey, children
):
    from childindex.audit.models import UsageThresholds
    from childindex.monitoring.models import Alert, AlertKind

    UsageThresholds.objects.create(local_authority=journey.la, search_limit_per_minute=2)
    signed_in(client, journey.pat)
    fields = {"name": "Olivia Smith", "dob_day": "4", "dob_month": "3", "dob_year": "2015"}
    for _ in range(2):
        assert search(client, **fields).status_code == 200
    response = search(client, **fields)
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 61
    page = response.content.decode()
    assert "You can search again at" in page and "Olivia" not in page
    assert (
        AuditEvent.objects.filter(action="child_search", outcome=EventOutcome.DENIED).count() == 1
    )
    assert Alert.objects.filter(kind=AlertKind.SEARCH_LIMIT).count() == 1


# --- What a child protection enquiry reveals -------------------------------------------------


def test_an_enquiry_marks_each_involvement_it_reveals_and_says_an_alert_was_raised(
    client, journey, children
):
    olivia = children.olivia
    involvement(olivia, journey.pastoral, journey.teacher, journey.pat)
    involvement(
        olivia,
        journey.speech,
        journey.therapist,
        journey.sam,
        basis=Basis.HIDDEN_CONCERN,
    )
    client = signed_in(client, journey.cp)
    page = open_record(client, olivia, "child_protection_enquiry").content.decode()
    assert "An alert was raised when you opened this record" in page
    assert page.count("Shown for your enquiry") == 2  # the banner's count and one tag
    assert "logged without the family's consent" in page
    speech = page.index("Speech and language therapy")
    assert page.rindex("Shown for your enquiry", 0, speech) > page.index("Pastoral care")

    other = open_record(client, olivia, "welfare_concern").content.decode()
    assert "An alert was raised" not in other and "Shown for your enquiry" not in other
    assert "Speech and language therapy" not in other


# --- GOV.UK error messages --------------------------------------------------------------------


def test_an_empty_search_says_what_to_enter_inline_and_in_the_summary_with_a_link(client, journey):
    page = signed_in(client, journey.pat).post(reverse("web:search"), {}).content.decode()
    summary = page.split("govuk-error-summary__list")[1].split("</ul>")[0]
    assert 'href="#id_name"' in summary
    assert 'id="id_name-error"' in page  # the same message, inline at the name field


def test_a_too_long_name_gets_a_govuk_message_and_the_input_a_maxlength(client, journey):
    client = signed_in(client, journey.pat)
    assert 'maxlength="200"' in client.get(reverse("web:search")).content.decode()
    page = client.post(reverse("web:search"), {"name": "x" * 5000}).content.decode()
    assert "Name must be 200 characters or fewer" in page
    assert "Ensure this value" not in page


def test_a_date_of_birth_error_matches_the_hint(client, journey):
    page = (
        signed_in(client, journey.pat)
        .post(
            reverse("web:search"),
            {"name": "Olivia Smith", "dob_day": "31", "dob_month": "2", "dob_year": "2015"},
        )
        .content.decode()
    )
    assert "like 27 3 2015" in page and "2015-03-27" not in page


# --- Who is acting, on whose record -------------------------------------------------------------


def test_the_involvement_forms_name_the_child(client, journey, children):
    client = signed_in(client, journey.pat)
    open_record(client, children.olivia)
    url = reverse("web:involvement-log", args=[children.olivia.index_number])
    assert "Olivia Smith, index number" in client.get(url).content.decode()


def test_an_unknown_address_gets_the_styled_page_not_found(client, journey):
    response = signed_in(client, journey.pat).get("/no-such-page/")
    assert response.status_code == 404
    assert assert_govuk_page(response) == "Page not found"


def test_nhs_numbers_are_shown_3_3_4_and_the_match_is_explained(client, journey, children):
    olivia = children.olivia
    nhs = olivia.identifiers.get(type="nhs").value
    page = open_record(signed_in(client, journey.pat), olivia).content.decode()
    assert f"{nhs[:3]} {nhs[3:6]} {nhs[6:]}" in page
    results = search(client, name="Olivia Smith", dob_year="2015").content.decode()
    assert "Match is how closely" in results


@pytest.mark.parametrize(
    ("url", "h1"),
    [
        ("/accessibility/", "Accessibility statement"),
        ("/privacy/", "Privacy notice"),
        ("/contact/", "Contact"),
    ],
)
def test_the_footer_links_to_its_pages_which_anyone_can_read(client, url, h1):
    response = client.get(url)  # not signed in
    assert response.status_code == 200 and assert_govuk_page(response) == h1
    assert f'href="{url}"' in response.content.decode()
