"""The mixin that audits the back office's own changes, and each LA's usage thresholds.

The audit trail and its alerts are not in the back office (issue 15, finding 3): auditors read
them on the web's audit pages, under the access policy, and those reads are audited.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from childindex.audit.models import Action, UsageThresholds
from childindex.audit.services import audit_record

# Why the back office opens records (design §3, "purpose of access": data quality).
BACK_OFFICE_PURPOSE = "data_quality"


class AuditedAdminMixin:
    """Every add, change and delete made through the admin is an audit event like any other
    write (design §4). Events name the model and primary key, and children by index number only.

    The audit event *replaces* Django's admin log for these models: that log quotes each object
    and inline by name ('Added child name "..."', a carer's name as the object), which would put
    children's and carers' personal data in a table outside the access policy."""

    def audit_children(self, obj: Any) -> list[str]:
        """The index numbers of the children ``obj`` is about (override per model)."""
        return []

    def audit(
        self,
        request: HttpRequest,
        action: str,
        objects: Iterable[Any],
        detail: dict[str, Any] | None = None,
    ) -> None:
        objects = list(objects)
        audit_record(
            actor=request.user,
            action=action,
            children=sorted({n for obj in objects for n in self.audit_children(obj)}),
            purpose=BACK_OFFICE_PURPOSE,
            detail={
                "via": "admin",
                "model": self.model._meta.label_lower,  # type: ignore[attr-defined]
                "ids": [str(obj.pk) for obj in objects],
                **(detail or {}),
            },
            ip_address=request.META.get("REMOTE_ADDR"),
        )

    def log_addition(self, request, obj, message):
        self.audit(request, Action.ADMIN_ADD, [obj])

    def log_change(self, request, obj, message):
        self.audit(request, Action.ADMIN_CHANGE, [obj])

    def log_deletions(self, request, queryset):
        self.audit(request, Action.ADMIN_DELETE, queryset)  # called before the rows go


@admin.register(UsageThresholds)
class UsageThresholdsAdmin(admin.ModelAdmin):
    list_display = (
        "local_authority",
        "search_limit_per_minute",
        "search_limit_per_day",
        "searches_per_day",
        "out_of_hours_accesses",
        "repeat_views",
    )
