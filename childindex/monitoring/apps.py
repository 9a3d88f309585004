from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "childindex.monitoring"
    label = "monitoring"
    verbose_name = "Monitoring"

    def ready(self) -> None:
        # Monitoring sits above the trail, records and access: they announce what monitoring
        # acts on (signals), and monitoring listens.
        from childindex.audit.signals import policy_alert_recorded
        from childindex.monitoring.services import search_limit_alert_raise
        from childindex.monitoring.tasks import policy_alerts_queue
        from childindex.records.signals import search_limit_reached

        policy_alert_recorded.connect(policy_alerts_queue, dispatch_uid="monitoring-policy-alerts")
        search_limit_reached.connect(
            search_limit_alert_raise, dispatch_uid="monitoring-search-limit"
        )
