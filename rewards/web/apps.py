from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "rewards.web"
    label = "web"
    verbose_name = "页面"
