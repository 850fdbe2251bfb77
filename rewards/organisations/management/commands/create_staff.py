from typing import Any

from django.core.management.base import CommandError

from rewards.core.commands import ChineseCommand
from rewards.core.errors import DomainError
from rewards.identity.mfa import mfa_required
from rewards.organisations.management.passwords import given_password
from rewards.organisations.models import Role, StaffUser
from rewards.organisations.selectors import organisation_by_name
from rewards.organisations.services import staff_create


class Command(ChineseCommand):
    help = "创建工作人员账号：create_staff USERNAME --role ROLE --org ORG_NAME；密码在终端中按提示输入（或环境变量 STAFF_PASSWORD）"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--org", required=True, help="组织名称，例如 西湖区总工会")
        parser.add_argument("--password", help="密码（不建议在命令行中给出，可用环境变量 STAFF_PASSWORD）")
        parser.add_argument("--full-name", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        organisation = organisation_by_name(options["org"])
        if organisation is None:
            raise CommandError(f"没有名为“{options['org']}”的组织。")
        # Checked against the account to be (its username and name), as the administration's add form does.
        to_be = StaffUser(username=options["username"], full_name=options["full_name"])
        password = given_password(options["password"], not_done="账号未创建。", user=to_be)
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
        said = f"已创建 {user.username}（{user.role_label}，{organisation}）。"
        if mfa_required(user):
            said += "该角色须用两步验证：本人首次登录时，须先用手机上的验证器应用扫码绑定。"
        self.stdout.write(said)
