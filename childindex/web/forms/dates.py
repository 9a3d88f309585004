"""The GOV.UK date input: day, month and year typed into three boxes, read as one date.

Every form that asks for a date makes its three fields with ``date_fields`` and reads them with
``read_date``, and every page shows them with the one template ``_date_input.html``: so each date
is asked for, checked and explained the same way. A problem is one message, attached to the day
box (the error summary links there), saying what to do: enter it, complete it, or make it real.
"""

from __future__ import annotations

import datetime as dt

from django import forms

PARTS = ("day", "month", "year")


def _name(prefix: str, part: str) -> str:
    return f"{prefix}_{part}" if prefix else part


def date_fields(prefix: str = "") -> dict[str, forms.Field]:
    """The three text boxes (``prefix_day``, ``prefix_month``, ``prefix_year``; or plain
    ``day``, ``month``, ``year`` without a prefix)."""
    return {
        _name(prefix, part): forms.CharField(required=False, max_length=4, strip=True)
        for part in PARTS
    }


def read_date(
    form: forms.Form, prefix: str, label: str, *, required: bool, example: str = "27 3 2026"
) -> dt.date | None:
    """The date typed into the form's three boxes, or None (with the form's error added).

    ``label`` names the date as a sentence starts it ("The start date"). Nothing typed is None,
    or the error "Enter the start date" when ``required``."""
    day, month, year = ((form.cleaned_data.get(_name(prefix, p)) or "").strip() for p in PARTS)
    field = _name(prefix, "day")
    if not (day or month or year):
        if required:
            form.add_error(field, f"Enter {label[:1].lower()}{label[1:]}")
        return None
    if not (day and month and year):
        form.add_error(field, f"{label} must include a day, month and year")
        return None
    real = f"{label} must be a real date, like {example}"
    if not (day.isdigit() and month.isdigit() and year.isdigit() and len(year) == 4):
        form.add_error(field, real)
        return None
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        form.add_error(field, real)
        return None
