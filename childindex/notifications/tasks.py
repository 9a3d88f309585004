"""Background jobs for notifications (django.tasks; run by `childindex db_worker`)."""

from __future__ import annotations

from django.tasks import task

from childindex.notifications import services
from childindex.notifications.models import Notification


@task
def send_notification_email(notification_id: int) -> bool:
    notification = Notification.objects.filter(pk=notification_id).first()
    if notification is None:
        return False
    return services.notification_send_email(notification=notification)


@task
def notify_many_viewers() -> int:
    return services.notify_many_viewers()


@task
def notify_no_lead_professional() -> int:
    return services.notify_no_lead_professional()
