from typing import Any

from django.core.management.base import CommandError, CommandParser

from rewards.core.commands import ChineseCommand


class Command(ChineseCommand):
    help = "已停用：请改用 set_staff_password USERNAME --reason 原因（临时密码，记入审计日志）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", nargs="?")
        parser.add_argument("--database", default="default")

    def handle(self, *args: Any, **options: Any) -> None:
        username = options.get("username") or "USERNAME"
        raise CommandError(
            "本系统不使用 Django 的 changepassword（它不记入审计日志）。"
            f"请改用：manage.py set_staff_password {username} --reason 原因"
            "（设定临时密码，本人首次登录须修改；记入审计日志）。密码未修改。"
        )
