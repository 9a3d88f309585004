from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "childindex.core"
    label = "core"
    verbose_name = "Core"
