from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "rewards.training"
    label = "training"
    verbose_name = "高技能人才培训"
