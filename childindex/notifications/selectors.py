"""Reading notifications: a person sees their own, newest first."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from childindex.notifications.models import Notification


def notifications_for(*, user: Any, limit: int = 100) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-id")[:limit]


def unread_count(*, user: Any) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
