from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "childindex.access"
    label = "access"
    verbose_name = "Access"

    def ready(self) -> None:
        from django.contrib import admin

        from childindex.access import signals  # noqa: F401  (sign-in audit receivers)
        from childindex.access.back_office import back_office_install

        # After the admin app's autodiscover (it comes first in INSTALLED_APPS).
        back_office_install(admin.site)
