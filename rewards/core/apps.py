from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "rewards.core"
    label = "core"
    verbose_name = "审计与基础设施"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the field-key checks)
