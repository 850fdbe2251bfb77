from typing import Any

from django.core.management.base import CommandError, CommandParser

from rewards.core.commands import ChineseCommand


class Command(ChineseCommand):
    help = "已停用：请改用 create_staff USERNAME --role admin --org 杭州市总工会（账号须有角色和所属组织，记入审计日志）"

    def add_arguments(self, parser: CommandParser) -> None:
        # Django's options, taken so that a habitual command line gets this answer, not a usage error.
        parser.add_argument("--username")
        parser.add_argument("--email")
        parser.add_argument("--database", default="default")
        parser.add_argument("--noinput", "--no-input", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        raise CommandError(
            "本系统不使用 Django 的 createsuperuser：账号须有角色和所属组织，且记入审计日志。"
            "请改用：manage.py create_staff USERNAME --role admin --org 杭州市总工会。账号未创建。"
        )
