from typing import Any

from django.core.management.base import CommandError, CommandParser

from rewards.core.commands import ChineseCommand
from rewards.core.errors import DomainError
from rewards.core.text import clean
from rewards.organisations.management.passwords import given_password
from rewards.organisations.models import StaffUser
from rewards.organisations.resets import password_set_by_operator


class Command(ChineseCommand):
    help = (
        "由运维在服务器上为工作人员设定临时密码（忘记密码且无法由两位系统管理员在管理后台重置时，"
        "例如系统管理员本人）：set_staff_password USERNAME --reason 原因；密码在终端中按提示输入两次"
        "（或环境变量 STAFF_PASSWORD）；立即生效，本人首次登录须修改，记入审计日志"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--reason", required=True, help="原因，记入审计日志（例如：系统管理员忘记密码，无第三位管理员确认重置）")
        parser.add_argument("--password", help="密码（不建议在命令行中给出，可用环境变量 STAFF_PASSWORD）")

    def handle(self, *args: Any, **options: Any) -> None:
        account = StaffUser.objects.filter(username=options["username"]).first()
        if account is None:
            raise CommandError(f"没有用户名为“{options['username']}”的工作人员账号，未做任何修改。")
        if not clean(options["reason"]):
            raise CommandError("请用 --reason 写明原因（记入审计日志），例如“系统管理员忘记密码，无第三位管理员确认重置”。密码未修改。")
        password = given_password(options["password"], not_done="密码未修改。", user=account)
        try:
            done = password_set_by_operator(account=account, password=password, reason=options["reason"])
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        lines = [
            f"已为 {account.username} 设定临时密码，有效期至 {done['temporary_until'].replace('T', ' ')[:16]}；"
            "本人首次登录须改为自己的密码。",
            f"其接口令牌 {done['tokens_revoked']} 个和已登录的页面随即失效。",
        ]
        if done["lock_lifted"]:
            lines.append("该账号的登录锁定已一并解除。")
        if not account.is_active:
            lines.append("注意：该账号已停用，设定密码后仍不能登录；须在管理后台重新启用（由另一位系统管理员确认）。")
        if "reset_closed" in done:
            lines.append("管理后台中对该账号待确认的“重置密码”已随之关闭（已拒绝）：以本次设定的密码为准。")
        lines.append("已记入审计日志（staff.password_reset，操作人：命令行）。请把密码当面或经可靠渠道告知本人。")
        self.stdout.write("\n".join(lines))
