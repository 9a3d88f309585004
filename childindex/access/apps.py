from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "childindex.access"
    label = "access"
