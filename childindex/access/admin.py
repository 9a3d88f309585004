"""The back office's accounts: Django's user admin plus role, LA and the prerequisites of
access (approval, vetting, training). Changes to accounts are audit events."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from childindex.access.models import User
from childindex.audit.admin import AuditedAdminMixin

ACCESS_FIELDS = (
    "role",
    "local_authority",
    "organisation",
    "practitioner",
    "approved_on",
    "approved_by",
    "suspended_on",
    "dbs_checked_on",
    "training_completed_on",
)


@admin.register(User)
class UserAdmin(AuditedAdminMixin, DjangoUserAdmin):
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        ("Access to the index", {"fields": ACCESS_FIELDS}),
    )
    add_fieldsets = (
        *(DjangoUserAdmin.add_fieldsets or ()),
        ("Access to the index", {"fields": ("role", "local_authority", "organisation")}),
    )
    list_display = (
        "username",
        "first_name",
        "last_name",
        "role",
        "local_authority",
        "approved_on",
        "is_active",
        "is_staff",
    )
    list_filter = ("role", "local_authority", "is_active", "is_staff", "is_superuser")
    list_select_related = ("local_authority",)
    autocomplete_fields = ("local_authority", "organisation", "practitioner", "approved_by")
