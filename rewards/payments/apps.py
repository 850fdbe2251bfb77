from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "rewards.payments"
    label = "payments"
    verbose_name = "奖励核发"
