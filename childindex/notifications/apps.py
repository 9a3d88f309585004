from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "childindex.notifications"
    label = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        # The team around a child hears of a change a records service made (records.signals):
        # records sits below notifications, so it announces the change and notifications listens.
        from childindex.notifications.services import team_change_receive
        from childindex.records.signals import team_changed

        team_changed.connect(team_change_receive, dispatch_uid="notifications-team-change")
