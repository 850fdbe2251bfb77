from typing import Any

from django.core.management.base import CommandError, CommandParser

from rewards.core.commands import ChineseCommand
from rewards.core.errors import DomainError
from rewards.identity.mfa import mfa_required
from rewards.organisations.models import StaffUser
from rewards.organisations.resets import second_factor_reset_by_operator


class Command(ChineseCommand):
    help = (
        "由运维在服务器上重置工作人员的两步验证（手机丢失且无法由两位系统管理员在管理后台重置时，"
        "例如系统管理员本人的手机）：reset_second_factor USERNAME --reason 原因；立即生效，记入审计日志"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--reason", required=True, help="原因，记入审计日志（例如：系统管理员手机丢失，无第三位管理员确认重置）")

    def handle(self, *args: Any, **options: Any) -> None:
        account = StaffUser.objects.filter(username=options["username"]).first()
        if account is None:
            raise CommandError(f"没有用户名为“{options['username']}”的工作人员账号，未做任何修改。")
        try:
            done = second_factor_reset_by_operator(account=account, reason=options["reason"])
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        what = "原验证器" if done["had_device"] else "（该账号原本没有绑定验证器）"
        lines = [f"已重置 {account.username} 的两步验证：{what}、接口令牌 {done['tokens_revoked']} 个和已登录的页面随即失效。"]
        if done["lock_lifted"]:
            lines.append("该账号的登录锁定已一并解除。")
        if "reset" in done:
            lines.append("管理后台中对该账号待确认的“重置两步验证”已随之完成。")
        if mfa_required(account):
            lines.append("本人下次用自己的密码登录时，须先在新手机上绑定验证器。")
        lines.append("已记入审计日志（staff.mfa_reset，操作人：命令行）。")
        self.stdout.write("\n".join(lines))
