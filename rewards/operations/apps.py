from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "rewards.operations"
    label = "operations"
    verbose_name = "运维"
