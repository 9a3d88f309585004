"""Forms for the practitioner's journey: search, purpose, logging and changing involvements.

Forms only parse what was typed into values; the rules live in the search module, the policy
and the services, whose reasons are shown against the field they concern.
"""

from __future__ import annotations

from django import forms

from childindex.consent.models import INVOLVEMENT_SCOPES, GivenBy
from childindex.records.models import AssessmentType, Gender
from childindex.records.search import SearchCriteria, SearchCriteriaError, parse_criteria
from childindex.web.forms.base import GovukForm
from childindex.web.forms.dates import date_fields, read_date

MAX_TEXT = 100


class SearchForm(GovukForm):
    """Name; date of birth (or just the year); postcode; gender; or an identifier."""

    name = forms.CharField(required=False, max_length=200, strip=True)
    dob_day = forms.CharField(required=False, max_length=4, strip=True)
    dob_month = forms.CharField(required=False, max_length=4, strip=True)
    dob_year = forms.CharField(required=False, max_length=4, strip=True)
    postcode = forms.CharField(required=False, max_length=40, strip=True)
    gender = forms.ChoiceField(required=False, choices=[("", "Any")] + list(Gender.choices))
    identifier = forms.CharField(required=False, max_length=40, strip=True)

    FIELD_FOR = {"date_of_birth": "dob_day", "criteria": "name"}

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        day, month, year = (cleaned.get(f"dob_{p}") or "" for p in ("day", "month", "year"))
        if day or month:
            if not (day and month and year):
                self.add_error(
                    "dob_day", "Date of birth must include a day, month and year, or just a year"
                )
                return cleaned
            if not (day.isdigit() and month.isdigit() and year.isdigit()):
                self.add_error("dob_day", "Date of birth must be a real date, like 27 3 2015")
                return cleaned
            dob = f"{year}-{int(month):02d}-{int(day):02d}"
        else:
            dob = year
        try:
            self.criteria: SearchCriteria = parse_criteria(
                name=cleaned.get("name", ""),
                date_of_birth=dob,
                postcode=cleaned.get("postcode", ""),
                gender=cleaned.get("gender", ""),
                identifier=cleaned.get("identifier", ""),
            )
        except SearchCriteriaError as exc:
            for key, message in exc.errors.items():
                self.add_error(self.FIELD_FOR.get(key, key), message)
        return cleaned


class PurposeForm(GovukForm):
    purpose = forms.ChoiceField(
        widget=forms.RadioSelect,
        error_messages={"required": "Select why you are opening this record"},
    )

    def __init__(self, *args, purposes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["purpose"].choices = [(p.value, p.label) for p in purposes]


CONSENT_CHOICES = [
    ("given", "Yes, consent has been given"),
    ("not_yet", "Not yet: others will not see this involvement until consent is recorded"),
    ("concern", "No consent, and I am concerned about the child's welfare"),
]


class InvolvementLogForm(GovukForm):
    service = forms.ChoiceField(error_messages={"required": "Select your service"})
    consent_status = forms.ChoiceField(
        required=False, choices=CONSENT_CHOICES, widget=forms.RadioSelect
    )
    given_by = forms.ChoiceField(required=False, choices=GivenBy.choices, widget=forms.RadioSelect)
    carer = forms.ChoiceField(required=False)
    scope = forms.ChoiceField(
        required=False,
        choices=[(s.value, s.label) for s in INVOLVEMENT_SCOPES],
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, services, carers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(date_fields("started"))
        self.fields.update(date_fields("consent"))
        self.fields["service"].choices = [("", "Select a service")] + [
            (
                str(s.pk),
                s.name if s.name == s.organisation.name else f"{s.name} ({s.organisation.name})",
            )
            for s in services
        ]
        self.fields["carer"].choices = [("", "Select a parent or carer")] + [
            (str(c.pk), str(c)) for c in carers
        ]

    def clean(self):
        cleaned = super().clean()
        cleaned["started_on"] = read_date(self, "started", "The start date", required=True)
        if cleaned.get("consent_status") == "given":
            cleaned["consent_on"] = read_date(
                self, "consent", "The date consent was given", required=True
            )
            if not cleaned.get("given_by"):
                self.add_error("given_by", "Select who gave consent")
            elif cleaned["given_by"] == GivenBy.PARENT_CARER and not cleaned.get("carer"):
                self.add_error("carer", "Select the parent or carer who gave consent")
            if not cleaned.get("scope"):
                self.add_error("scope", "Select what the consent covers")
        return cleaned


class InvolvementEndForm(GovukForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(date_fields("ended"))

    def clean(self):
        cleaned = super().clean()
        cleaned["ended_on"] = read_date(self, "ended", "The end date", required=True)
        return cleaned


class IndicatorsForm(GovukForm):
    is_lead_professional = forms.BooleanField(required=False, label="I am the lead professional")
    assessment_type = forms.ChoiceField(
        required=False, choices=[("", "No assessment")] + list(AssessmentType.choices)
    )
    has_information_to_share = forms.BooleanField(
        required=False, label="I have information to share"
    )
    taking_action = forms.BooleanField(required=False, label="I am taking action")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(date_fields("assessment"))

    @property
    def indicators(self) -> list[forms.BoundField]:
        """The three yes-or-no indicators: one GOV.UK checkboxes group on the page."""
        return [
            self["is_lead_professional"],
            self["has_information_to_share"],
            self["taking_action"],
        ]

    def clean(self):
        cleaned = super().clean()
        cleaned["assessment_on"] = read_date(
            self, "assessment", "The assessment date", required=False
        )
        return cleaned
