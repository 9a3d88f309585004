from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "childindex.alerts"
    label = "alerts"
    verbose_name = "Notifications"
