from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "rewards.reports"
    label = "reports"
    verbose_name = "报表（附件）"
