"""The back office's consents: recorded (say from a paper form) and withdrawn, never deleted.

The list shows children by index number only. Whoever records a consent here is its recorder.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from childindex.audit.admin import AuditedAdminMixin
from childindex.consent.models import Consent


@admin.register(Consent)
class ConsentAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("child_index_number", "scope", "given_by", "given_on", "withdrawn_on")
    list_filter = ("scope", "given_by", ("withdrawn_on", admin.EmptyFieldListFilter))
    list_select_related = ("child",)
    search_fields = ("=child__index_number",)
    search_help_text = "Enter a child's index number."
    fields = (
        "child",
        "given_by",
        "carer",
        "scope",
        "service",
        ("given_on", "withdrawn_on"),
        "recorded_by",
    )
    readonly_fields = ("recorded_by",)
    autocomplete_fields = ("child", "carer", "service")

    @admin.display(description="child", ordering="child__index_number")
    def child_index_number(self, consent: Consent) -> str:
        return consent.child.formatted_index_number

    def audit_children(self, obj: Consent) -> list[str]:
        return [obj.child.index_number]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_search_results(self, request, queryset, search_term):
        compact = "".join(search_term.split()).replace("-", "")
        return super().get_search_results(request, queryset, compact)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.recorded_by = request.user
        super().save_model(request, obj, form, change)
