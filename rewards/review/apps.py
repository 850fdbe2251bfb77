from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "rewards.review"
    label = "review"
    verbose_name = "审核"
