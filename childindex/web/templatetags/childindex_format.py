"""Template filters for showing held values the way staff read them."""

from __future__ import annotations

from django import template

from childindex.core.identifiers import format_identifier

register = template.Library()


@register.filter
def identifier_display(identifier) -> str:
    """``{{ identifier|identifier_display }}``: an NHS number as 943 476 5919."""
    return format_identifier(identifier.type, identifier.value)
