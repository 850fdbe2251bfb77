from django.apps import AppConfig


class EligibilityConfig(AppConfig):
    name = "rewards.eligibility"
    label = "eligibility"
    verbose_name = "资格判断"
