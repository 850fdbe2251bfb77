from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "rewards.notifications"
    label = "notifications"
    verbose_name = "短信通知"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the SMS settings checks)
