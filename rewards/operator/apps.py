from django.apps import AppConfig


class OperatorConfig(AppConfig):
    """Django's own account commands, replaced: listed before ``django.contrib.auth`` in
    INSTALLED_APPS so that its ``changepassword`` and ``createsuperuser`` are these, which refuse
    and name the project's audited commands (an account needs a role and an organisation; every
    password an operator sets is an audit entry)."""

    name = "rewards.operator"
    label = "operator"
    verbose_name = "运维命令"
