from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "rewards.core"
    label = "core"
    verbose_name = "审计与基础设施"
