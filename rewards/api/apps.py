from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "rewards.api"
    label = "api"
    verbose_name = "接口"
