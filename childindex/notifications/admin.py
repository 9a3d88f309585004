"""The back office's notification levels per LA. Notifications themselves are not here (they
name children and practitioners): each recipient reads theirs on the web."""

from __future__ import annotations

from django.contrib import admin

from childindex.notifications.models import NotificationThresholds


@admin.register(NotificationThresholds)
class NotificationThresholdsAdmin(admin.ModelAdmin):
    list_display = (
        "local_authority",
        "distinct_viewers",
        "viewers_window_days",
        "services_without_lead",
    )
