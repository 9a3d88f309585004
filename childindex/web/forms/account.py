"""Forms for signing in, two-factor, and the LA index team's account and shielding pages.

Error messages follow the GOV.UK Design System: say what happened and how to fix it.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from childindex.access.models import ShieldOverrideReason
from childindex.core.postcodes import PostcodeError, normalise_postcode
from childindex.records.models import DeathSource
from childindex.web.forms.base import GovukForm, govuk_messages
from childindex.web.forms.dates import date_fields, read_date


class SignInForm(AuthenticationForm):
    """One message for an unknown username, a wrong password and an inactive account, so the
    page never tells which usernames exist."""

    error_messages = {
        "invalid_login": "Enter a correct username and password",
        "inactive": "Enter a correct username and password",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].error_messages["required"] = "Enter your username"
        self.fields["password"].error_messages["required"] = "Enter your password"
        govuk_messages(self)

    def confirm_login_allowed(self, user) -> None:
        # ModelBackend already refuses inactive accounts, with the invalid_login message.
        return None


class CodeForm(GovukForm):
    code = forms.CharField(
        label="Code",
        max_length=32,
        strip=True,
        error_messages={"required": "Enter the code from your authenticator app."},
    )


class EnrolmentCodeForm(GovukForm):
    enrolment_code = forms.CharField(
        label="Enrolment code",
        max_length=40,
        strip=True,
        error_messages={"required": "Enter the enrolment code your LA's index team gave you."},
    )


class DateForm(GovukForm):
    """One required date (a GOV.UK date input) as ``cleaned_data["date"]``."""

    date_label = "Date"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(date_fields())

    def clean(self):
        data = super().clean()
        data["date"] = read_date(self, "", self.date_label, required=True)
        return data


class VettingForm(DateForm):
    date_label = "Date of the enhanced DBS check"


class TrainingForm(DateForm):
    date_label = "Date the training was completed"


class ShieldForm(DateForm):
    date_label = "Review date"

    index_number = forms.CharField(
        label="Index number",
        max_length=20,
        error_messages={"required": "Enter the index number of the record to shield."},
    )

    def clean_index_number(self) -> str:
        digits = "".join(ch for ch in self.cleaned_data["index_number"] if ch.isdigit())
        if len(digits) != 11:
            raise forms.ValidationError("An index number has 11 digits, like 1234 5678 901")
        return digits


class ShieldOverrideForm(CodeForm):
    """For the journey's record page: the override's reason (closed list) and a fresh code."""

    reason = forms.ChoiceField(
        label="Why do you need to see this shielded record?",
        choices=ShieldOverrideReason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose why you need to override the shield."},
    )


class _IndexNumberMixin:
    cleaned_data: dict[str, Any]

    def clean_index_number(self) -> str:
        digits = "".join(ch for ch in self.cleaned_data["index_number"] if ch.isdigit())
        if len(digits) != 11:
            raise forms.ValidationError("An index number has 11 digits, like 123 4567 8901.")
        return digits


class MoveForm(_IndexNumberMixin, DateForm):
    """The index team records a child's new address (and so, perhaps, a move of LA)."""

    date_label = "The date they moved"

    index_number = forms.CharField(
        label="Index number",
        max_length=20,
        error_messages={"required": "Enter the index number of the child who moved."},
    )
    line_1 = forms.CharField(
        label="Address line 1",
        max_length=100,
        error_messages={"required": "Enter the first line of the new address."},
    )
    line_2 = forms.CharField(label="Address line 2 (optional)", max_length=100, required=False)
    town = forms.CharField(label="Town or city", max_length=60, required=False)
    postcode = forms.CharField(
        label="Postcode",
        max_length=10,
        error_messages={"required": "Enter the postcode of the new address."},
    )

    def clean_postcode(self) -> str:
        try:
            return normalise_postcode(self.cleaned_data["postcode"])
        except PostcodeError:
            raise forms.ValidationError("Enter a real postcode, like SW1A 1AA.") from None


class DeathForm(_IndexNumberMixin, DateForm):
    """The index team records a child's death, with where the date came from."""

    date_label = "The date of death"

    index_number = forms.CharField(
        label="Index number",
        max_length=20,
        error_messages={"required": "Enter the index number of the child."},
    )
    source = forms.ChoiceField(
        label="Where did the date of death come from?",
        choices=DeathSource.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select where the date of death came from."},
    )
