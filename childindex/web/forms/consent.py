"""Forms for recording a family's consent and for withdrawing it (issue 17 item 9).

They only parse what was typed; the rules live in the policy and ``consent.services``.
"""

from __future__ import annotations

from django import forms

from childindex.consent.models import GivenBy, Scope
from childindex.web.forms.base import GovukForm
from childindex.web.forms.dates import date_fields, read_date


class ConsentRecordForm(GovukForm):
    given_by = forms.ChoiceField(
        choices=GivenBy.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select who gave consent"},
    )
    carer = forms.ChoiceField(required=False)
    scope = forms.ChoiceField(
        widget=forms.RadioSelect, error_messages={"required": "Select what the consent covers"}
    )
    service = forms.ChoiceField(required=False)

    def __init__(self, *args, carers, services, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(date_fields("given"))
        self.fields["carer"].choices = [("", "Select a parent or carer")] + [
            (str(c.pk), str(c)) for c in carers
        ]
        scopes = [Scope.ADDITIONAL_SERVICES]
        if services:
            scopes.append(Scope.NAMED_SERVICE)
        scopes.append(Scope.RETENTION_TO_25)
        self.fields["scope"].choices = [(s.value, s.label) for s in scopes]
        self.fields["service"].choices = [("", "Select your service")] + [
            (str(s.pk), s.name) for s in services
        ]

    def clean(self):
        cleaned = super().clean()
        cleaned["given_on"] = read_date(self, "given", "The date consent was given", required=True)
        if cleaned.get("given_by") == GivenBy.PARENT_CARER and not cleaned.get("carer"):
            self.add_error("carer", "Select the parent or carer who gave consent")
        if cleaned.get("scope") == Scope.NAMED_SERVICE and not cleaned.get("service"):
            self.add_error("service", "Select the service the consent is for")
        return cleaned


class ConsentWithdrawForm(GovukForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(date_fields("withdrawn"))

    def clean(self):
        cleaned = super().clean()
        cleaned["withdrawn_on"] = read_date(
            self, "withdrawn", "The date consent was withdrawn", required=True
        )
        return cleaned
