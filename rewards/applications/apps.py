from django.apps import AppConfig


class ApplicationsConfig(AppConfig):
    name = "rewards.applications"
    label = "applications"
    verbose_name = "奖励申请"
