from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "rewards.identity"
    label = "identity"
    verbose_name = "登录与令牌"
