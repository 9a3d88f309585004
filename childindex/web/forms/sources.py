"""Forms for the index team's feed pages: a review decision, a merge."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from django import forms

from childindex.sources.models import REASONS_FOR, ReviewDecision, ReviewReason
from childindex.web.forms.base import GovukForm


class ReviewDecisionForm(GovukForm):
    """Link to one candidate, create a new child, or none of them; and why (a closed list)."""

    decision = forms.ChoiceField(
        label="What is this record?",
        choices=ReviewDecision.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what this record is."},
    )
    child = forms.ChoiceField(label="Which child is it?", required=False, widget=forms.RadioSelect)
    reason = forms.ChoiceField(
        label="Why?",
        choices=ReviewReason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose why."},
    )

    def __init__(self, *args, candidates: Sequence[tuple[str, str]] = (), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["child"]).choices = candidates

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        decision, reason = data.get("decision"), data.get("reason")
        if decision == ReviewDecision.LINK and not data.get("child"):
            self.add_error("child", "Choose the child this record is.")
        if decision and reason and reason not in REASONS_FOR[ReviewDecision(decision)]:
            self.add_error("reason", "That reason does not fit that decision: choose another.")
        return data


class MergeForm(GovukForm):
    kept = forms.CharField(label="Index number of the record to keep", max_length=20)
    merged = forms.CharField(label="Index number of the duplicate to merge into it", max_length=20)
    reason = forms.ChoiceField(
        label="Why are they the same child?",
        choices=[(r.value, r.label) for r in REASONS_FOR[ReviewDecision.LINK]],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose why."},
    )

    def _index_number(self, name: str) -> str:
        digits = "".join(ch for ch in self.cleaned_data[name] if ch.isdigit())
        if len(digits) != 11:
            raise forms.ValidationError("An index number has 11 digits, like 1234 5678 901")
        return digits

    def clean_kept(self) -> str:
        return self._index_number("kept")

    def clean_merged(self) -> str:
        return self._index_number("merged")
