"""Forms of the auditor pages: what to look up, over which dates; an alert's review outcome."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings

from childindex.core.identifiers import IdentifierError, validate_index_number
from childindex.monitoring.models import ReviewOutcome
from childindex.monitoring.selectors import Period
from childindex.web.forms.base import GovukForm
from childindex.web.forms.dates import date_fields, read_date


class PeriodForm(GovukForm):
    """Optional dates: from the start of the first to the end of the second (UK time)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(date_fields("since"))
        self.fields.update(date_fields("until"))

    def clean(self):
        cleaned = super().clean()
        since = read_date(self, "since", "The date from", required=False)
        until = read_date(self, "until", "The date to", required=False)
        if since and until and until < since:
            self.add_error("until_day", "The date to must be the same as or after the date from")
        cleaned["since"], cleaned["until"] = since, until
        return cleaned

    def period(self) -> Period:
        zone = ZoneInfo(settings.TIME_ZONE)
        since, until = self.cleaned_data.get("since"), self.cleaned_data.get("until")
        return Period(
            since=dt.datetime.combine(since, dt.time(), tzinfo=zone) if since else None,
            until=(
                dt.datetime.combine(until + dt.timedelta(days=1), dt.time(), tzinfo=zone)
                if until
                else None
            ),
        )


class ChildHistoryForm(PeriodForm):
    index_number = forms.CharField(
        max_length=20,
        error_messages={"required": "Enter the child's index number"},
    )

    def clean_index_number(self) -> str:
        try:
            return validate_index_number(self.cleaned_data["index_number"])
        except IdentifierError:
            raise forms.ValidationError(
                "Enter an index number in the correct format, like 1234 5678 901"
            ) from None


class UserHistoryForm(PeriodForm):
    username = forms.CharField(
        max_length=150, error_messages={"required": "Enter the user's username"}
    )


class AlertReviewForm(GovukForm):
    outcome = forms.ChoiceField(
        choices=ReviewOutcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the outcome of your review"},
    )
