from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "childindex.audit"
    label = "audit"
