from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "childindex.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from childindex.core import jobs

        jobs.connect()  # a job whose worker dies is run again (core.jobs)
