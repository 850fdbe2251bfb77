from django.apps import AppConfig


class OrganisationsConfig(AppConfig):
    name = "rewards.organisations"
    label = "organisations"
    verbose_name = "组织与人员"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the dual-control settings check)
