import getpass
import os
import sys
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from rewards.core.errors import DomainError
from rewards.organisations.models import Role
from rewards.organisations.selectors import organisation_by_name
from rewards.organisations.services import staff_create


class Command(BaseCommand):
    help = "创建工作人员账号：create_staff USERNAME --role ROLE --org ORG_NAME；密码在终端中按提示输入（或环境变量 STAFF_PASSWORD）"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--org", required=True, help="组织名称，例如 西湖区总工会")
        parser.add_argument("--password", help="密码（不建议在命令行中给出，可用环境变量 STAFF_PASSWORD）")
        parser.add_argument("--full-name", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        password = options["password"] or os.environ.get("STAFF_PASSWORD")
        if not password and not sys.stdin.isatty():
            raise CommandError(
                "请提供密码：在终端中运行本命令时按提示输入，或用环境变量 STAFF_PASSWORD"
                "（--password 会留在命令历史和进程列表中，不建议使用）。"
            )
        organisation = organisation_by_name(options["org"])
        if organisation is None:
            raise CommandError(f"没有名为“{options['org']}”的组织。")
        password = password or self._typed_password()
        try:
            validate_password(password)
        except ValidationError as exc:
            raise CommandError("密码不符合要求：" + "；".join(exc.messages)) from exc
        try:
            user = staff_create(
                username=options["username"],
                role=options["role"],
                organisation=organisation,
                password=password,
                full_name=options["full_name"],
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"已创建 {user.username}（{user.role_label}，{organisation}）。")

    def _typed_password(self) -> str:
        """On a terminal, as ``createsuperuser`` does: typed twice, shown nowhere (not in the shell's
        history or the process list, as ``--password`` and ``STAFF_PASSWORD=…`` on a command line are)."""
        try:
            first = getpass.getpass("密码：")
            second = getpass.getpass("再输入一次密码：") if first else ""
        except (EOFError, KeyboardInterrupt):
            raise CommandError("没有输入密码，账号未创建。") from None
        if not first:
            raise CommandError("没有输入密码，账号未创建。")
        if second != first:
            raise CommandError("两次输入的密码不一致，账号未创建。")
        return first
