from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "childindex.access"
    label = "access"
    verbose_name = "Access"

    def ready(self) -> None:
        from childindex.access import signals  # noqa: F401  (sign-in audit receivers)
