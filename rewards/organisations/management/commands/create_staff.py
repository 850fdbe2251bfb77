import os
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from rewards.core.errors import DomainError
from rewards.organisations.models import Role
from rewards.organisations.selectors import organisation_by_name
from rewards.organisations.services import staff_create


class Command(BaseCommand):
    help = "创建工作人员账号：create_staff USERNAME --role ROLE --org ORG_NAME [--password …]（或环境变量 STAFF_PASSWORD）"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--org", required=True, help="组织名称，例如 西湖区总工会")
        parser.add_argument("--password", help="密码（不建议在命令行中给出，可用环境变量 STAFF_PASSWORD）")
        parser.add_argument("--full-name", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        password = options["password"] or os.environ.get("STAFF_PASSWORD")
        if not password:
            raise CommandError("请用 --password 或环境变量 STAFF_PASSWORD 提供密码。")
        organisation = organisation_by_name(options["org"])
        if organisation is None:
            raise CommandError(f"没有名为“{options['org']}”的组织。")
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
