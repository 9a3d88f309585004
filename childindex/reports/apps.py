from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "childindex.reports"
    label = "reports"
    verbose_name = "Reports"
