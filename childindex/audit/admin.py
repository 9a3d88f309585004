"""Back office: alert levels are editable; the trail, alerts and reviews are read-only."""

from __future__ import annotations

from django.contrib import admin

from childindex.audit.models import Alert, AlertReview, AuditEvent, UsageThresholds


class ReadOnlyAdmin(admin.ModelAdmin):
    """The database refuses changes anyway; the back office does not offer them."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("id", "at", "actor_label", "actor_role", "action", "outcome", "purpose")
    list_filter = ("action", "outcome")
    show_full_result_count = False


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdmin):
    list_display = ("id", "raised_at", "local_authority", "kind", "subject")
    list_filter = ("kind",)


@admin.register(AlertReview)
class AlertReviewAdmin(ReadOnlyAdmin):
    list_display = ("id", "alert", "outcome", "reviewed_by", "reviewed_at")


@admin.register(UsageThresholds)
class UsageThresholdsAdmin(admin.ModelAdmin):
    list_display = ("local_authority", "searches_per_day", "out_of_hours_accesses", "repeat_views")
