"""Filters the GOV.UK component partials (``templates/components/``) need."""

from __future__ import annotations

from collections.abc import Iterable

from django import template
from django.forms import BoundField

register = template.Library()


@register.filter
def errors_of(fields: Iterable[BoundField]) -> list[object]:
    """Every error of a group of fields, for the group's one error message (checkboxes)."""
    return [error for field in fields for error in field.errors]
