from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "childindex.reports"
    label = "reports"
    verbose_name = "Reports"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from childindex.core.jobs import periodic_job_register
        from childindex.reports import signals, tasks
        from childindex.sources.models import ImportRun

        post_save.connect(
            signals.import_run_saved, sender=ImportRun, dispatch_uid="reports_counts_on_import"
        )
        periodic_job_register(tasks.refresh_report_counts)
