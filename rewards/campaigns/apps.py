from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "rewards.campaigns"
    label = "campaigns"
    verbose_name = "年度奖励活动"

    def ready(self) -> None:
        from . import signals

        signals.connect()
