from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "childindex.alerts"
    label = "alerts"
    verbose_name = "Notifications"

    def ready(self) -> None:
        # The team around a child hears of a change a records service made (records.signals):
        # records sits below alerts, so it announces the change and alerts listens.
        from childindex.alerts.services import team_change_receive
        from childindex.records.signals import team_changed

        team_changed.connect(team_change_receive, dispatch_uid="alerts-team-change")
