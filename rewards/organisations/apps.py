from django.apps import AppConfig


class OrganisationsConfig(AppConfig):
    name = "rewards.organisations"
    label = "organisations"
    verbose_name = "组织与人员"
