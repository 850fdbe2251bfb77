from django.apps import AppConfig


class BatchesConfig(AppConfig):
    name = "rewards.batches"
    label = "batches"
    verbose_name = "单位统一申报"
