from django.apps import AppConfig


class RegistriesConfig(AppConfig):
    name = "rewards.registries"
    label = "registries"
    verbose_name = "会员库与证书库"
