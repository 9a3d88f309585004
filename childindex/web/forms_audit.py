"""Forms of the auditor pages: what to look up, over which dates; an alert's review outcome."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings

from childindex.audit.models import ReviewOutcome
from childindex.audit.selectors import Period
from childindex.core.identifiers import IdentifierError, validate_index_number


class _DateParts:
    """A GOV.UK date input (day, month, year) read from three fields named ``<prefix>_day`` ..."""

    def __init__(self, form: forms.Form, prefix: str, label: str) -> None:
        self.form, self.prefix, self.label = form, prefix, label

    def value(self) -> dt.date | None:
        parts = [self.form.cleaned_data.get(f"{self.prefix}_{p}") for p in ("day", "month", "year")]
        if all(p is None for p in parts):
            return None
        if any(p is None for p in parts):
            self.form.add_error(
                f"{self.prefix}_day", f"{self.label} must include a day, month and year"
            )
            return None
        day, month, year = parts
        try:
            return dt.date(year, month, day)
        except ValueError:
            self.form.add_error(f"{self.prefix}_day", f"{self.label} must be a real date")
            return None


def _part(maximum: int) -> forms.IntegerField:
    return forms.IntegerField(required=False, min_value=1, max_value=maximum)


class PeriodForm(forms.Form):
    """Optional dates: from the start of the first to the end of the second (UK time)."""

    since_day, since_month, since_year = _part(31), _part(12), _part(9999)
    until_day, until_month, until_year = _part(31), _part(12), _part(9999)

    def clean(self):
        cleaned = super().clean()
        since = _DateParts(self, "since", "The date from").value()
        until = _DateParts(self, "until", "The date to").value()
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


class AlertReviewForm(forms.Form):
    outcome = forms.ChoiceField(
        choices=ReviewOutcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the outcome of your review"},
    )
