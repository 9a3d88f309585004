"""The one GOV.UK date reader every form uses: each way a date can be wrong has its message."""

from __future__ import annotations

import datetime as dt

import pytest
from django import forms

from childindex.web.forms.dates import date_fields, read_date


class OneDate(forms.Form):
    def __init__(self, *args, required=True, prefix_name="started", **kwargs):
        super().__init__(*args, **kwargs)
        self.required, self.prefix_name = required, prefix_name
        self.fields.update(date_fields(prefix_name))

    def clean(self):
        data = super().clean()
        data["date"] = read_date(self, self.prefix_name, "The start date", required=self.required)
        return data


def typed(day, month, year, **kwargs):
    form = OneDate({"started_day": day, "started_month": month, "started_year": year}, **kwargs)
    form.is_valid()
    return form


@pytest.mark.parametrize(
    ("day", "month", "year", "expected"),
    [
        ("27", "3", "2026", dt.date(2026, 3, 27)),
        (" 1 ", "01", "2024", dt.date(2024, 1, 1)),
        ("29", "2", "2024", dt.date(2024, 2, 29)),
    ],
)
def test_a_real_date_is_read(day, month, year, expected):
    form = typed(day, month, year)
    assert form.errors == {}
    assert form.cleaned_data["date"] == expected


@pytest.mark.parametrize(
    ("day", "month", "year", "message"),
    [
        ("", "", "", "Enter the start date"),
        ("27", "", "2026", "The start date must include a day, month and year"),
        ("", "3", "", "The start date must include a day, month and year"),
        ("31", "2", "2026", "The start date must be a real date, like 27 3 2026"),
        ("29", "2", "2025", "The start date must be a real date, like 27 3 2026"),
        ("27", "13", "2026", "The start date must be a real date, like 27 3 2026"),
        ("27", "3", "26", "The start date must be a real date, like 27 3 2026"),
        ("2x", "3", "2026", "The start date must be a real date, like 27 3 2026"),
        ("-1", "3", "2026", "The start date must be a real date, like 27 3 2026"),
        ("0", "3", "2026", "The start date must be a real date, like 27 3 2026"),
    ],
)
def test_each_wrong_date_gets_one_message_on_the_day_box(day, month, year, message):
    form = typed(day, month, year)
    assert form.errors == {"started_day": [message]}
    assert form.cleaned_data.get("date") is None


def test_an_optional_date_left_blank_is_none_without_error():
    form = typed("", "", "", required=False)
    assert form.errors == {}
    assert form.cleaned_data["date"] is None


def test_without_a_prefix_the_boxes_are_day_month_and_year():
    assert set(date_fields()) == {"day", "month", "year"}
    assert set(date_fields("since")) == {"since_day", "since_month", "since_year"}


def test_over_long_parts_are_refused_by_the_field():
    form = typed("27", "3", "20266")
    assert "started_year" in form.errors
