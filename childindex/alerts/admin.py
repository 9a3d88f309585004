from __future__ import annotations

from django.contrib import admin

from childindex.alerts.models import Notification, NotificationThresholds


@admin.register(NotificationThresholds)
class NotificationThresholdsAdmin(admin.ModelAdmin):
    list_display = (
        "local_authority",
        "distinct_viewers",
        "viewers_window_days",
        "services_without_lead",
    )


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("id", "created_at", "kind", "recipient", "email", "emailed_at", "read_at")
    list_filter = ("kind",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
