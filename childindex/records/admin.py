"""The back office's view of children's records: found by index number only, never browsed.

- The list of children is empty until an exact index number is searched for (design §3: "never
  a browsable roll of children"), and shows no personal details. Carers likewise, by an exact
  e-mail address or phone number.
- Children are not added or deleted here: feeds and services create them (with matching, so a
  duplicate is never made by hand) and retention deletes them.
- The index number, status, merge, archive and death are read-only here: they change through
  the lifecycle services, which keep their own rules.
- Opening a child's record, searching and every change are audit events.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest

from childindex.audit.admin import AuditedAdminMixin
from childindex.audit.models import Action
from childindex.records.models import (
    Carer,
    Child,
    ChildAddress,
    ChildCarer,
    ChildIdentifier,
    ChildName,
    Involvement,
    NameKind,
)


def at_most_one_formset(
    is_one: Callable[[dict[str, Any]], bool], message: str
) -> type[BaseInlineFormSet]:
    """An inline formset refusing two rows that would break an "at most one current ..."
    constraint in one submission (each row alone is checked against the database already)."""

    class AtMostOneFormSet(BaseInlineFormSet):
        def clean(self) -> None:
            super().clean()
            kept = [
                form.cleaned_data
                for form in self.forms
                if getattr(form, "cleaned_data", None) and not form.cleaned_data.get("DELETE")
            ]
            if sum(1 for data in kept if is_one(data)) > 1:
                raise ValidationError(message)

    return AtMostOneFormSet


class ChildNameInline(admin.TabularInline):
    model = ChildName
    extra = 0
    fields = ("kind", "given_names", "family_name", "used_from", "used_until")
    formset = at_most_one_formset(
        lambda d: d.get("kind") == NameKind.CURRENT, "A child has only one current name."
    )


class ChildAddressInline(admin.StackedInline):
    model = ChildAddress
    extra = 0
    fields = (
        "status",
        ("line_1", "line_2"),
        ("town", "postcode"),
        "local_authority",
        ("country", "intends_to_return"),
        ("lived_from", "lived_until"),
    )
    autocomplete_fields = ("local_authority",)
    formset = at_most_one_formset(
        lambda d: d.get("lived_until") is None,
        "A child has only one current address: give the others the date they moved out.",
    )


class ChildIdentifierInline(admin.TabularInline):
    model = ChildIdentifier
    extra = 0
    fields = ("type", "issuer", "value")


class ChildCarerInline(admin.TabularInline):
    model = ChildCarer
    extra = 0
    fields = ("carer", "relationship", "parental_responsibility")
    autocomplete_fields = ("carer",)


class InvolvementInline(admin.StackedInline):
    model = Involvement
    extra = 0
    fields = (
        ("service", "practitioner"),
        ("started_on", "ended_on"),
        "basis",
        ("source_feed", "logged_by"),
        "is_lead_professional",
        ("assessment_type", "assessment_on"),
        ("has_information_to_share", "taking_action"),
    )
    readonly_fields = ("logged_by",)
    autocomplete_fields = ("service", "practitioner")
    formset = at_most_one_formset(
        lambda d: bool(d.get("is_lead_professional")) and d.get("ended_on") is None,
        "A child has only one current lead professional.",
    )


def compact_index_number(term: str) -> str:
    return re.sub(r"[\s-]", "", term)


@admin.register(Child)
class ChildAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("index_number_display", "responsible_la", "status", "shielded")
    list_select_related = ("responsible_la",)
    search_fields = ("=index_number",)
    search_help_text = "Enter a child's index number: children are not listed otherwise."
    show_full_result_count = False
    fields = (
        "index_number",
        "date_of_birth",
        "gender",
        "responsible_la",
        ("shielded", "shield_review_on"),
        "status",
        "merged_into",
        "date_of_death",
        "archived_on",
        ("created_at", "updated_at"),
    )
    readonly_fields = (
        "index_number",
        "status",
        "merged_into",
        "date_of_death",
        "archived_on",
        "created_at",
        "updated_at",
    )
    autocomplete_fields = ("responsible_la",)
    inlines = (
        ChildNameInline,
        ChildAddressInline,
        ChildIdentifierInline,
        ChildCarerInline,
        InvolvementInline,
    )

    @admin.display(description="index number", ordering="index_number")
    def index_number_display(self, child: Child) -> str:
        return child.formatted_index_number

    def audit_children(self, obj: Child) -> list[str]:
        return [obj.index_number]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_search_results(self, request, queryset, search_term):
        compact = compact_index_number(search_term)
        if not compact:
            return queryset.none(), False
        results, may_have_duplicates = super().get_search_results(request, queryset, compact)
        self.audit(
            request, Action.ADMIN_SEARCH, results[:10], {"criteria": {"index_number": compact}}
        )
        return results, may_have_duplicates

    def change_view(self, request, object_id, form_url="", extra_context=None):
        child = self.get_object(request, object_id)
        if child is not None and request.method == "GET":
            self.audit(request, Action.ADMIN_VIEW, [child], {"shielded": child.shielded})
        return super().change_view(request, object_id, form_url, extra_context)

    def save_formset(self, request, form, formset, change):
        """An involvement added here is logged by the back-office user unless a feed is named."""
        for obj in formset.save(commit=False):
            if isinstance(obj, Involvement) and not obj.source_feed and obj.logged_by_id is None:
                obj.logged_by = request.user
            obj.save()
        for obj in formset.deleted_objects:
            obj.delete()
        formset.save_m2m()


@admin.register(Carer)
class CarerAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """Parents and carers: found by an exact e-mail address or phone number, never listed."""

    list_display = ("__str__", "phone", "email")
    search_fields = ("=email", "=phone")
    search_help_text = "Enter a carer's exact e-mail address or phone number."
    show_full_result_count = False
    fields = ("given_names", "family_name", "phone", "email")

    def audit_children(self, obj: Carer) -> list[str]:
        return list(obj.child_links.values_list("child__index_number", flat=True))

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset.none(), False
        return super().get_search_results(request, queryset, search_term.strip())
