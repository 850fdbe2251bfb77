import unicodedata
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError

from rewards.core.commands import ChineseCommand
from rewards.core.vocab import Issuer, Level
from rewards.demo.seed import STAFF, DemoRefused, demo_password, seed


class Command(ChineseCommand):
    help = "载入2020年度活动和演示数据（虚构的会员、证书、2019年名单和各角色账号），可重复执行"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--members", type=int, default=3000)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            personas = seed(members=options["members"])
        except DemoRefused as exc:
            raise CommandError(str(exc)) from exc
        password = demo_password()
        out = self.stdout
        out.write("")
        out.write("=" * 64)
        out.write("演示数据已就绪（全部为虚构数据）。工作人员账号（密码相同）：")
        for username, role, org, name in STAFF:
            out.write(f"  {username:<22}{pad(str(role.label), 26)}{pad(name, 12)}{org}")
        saved = Path(settings.DATA_DIR) / "demo-password"
        where = saved.relative_to(Path.cwd()) if saved.is_relative_to(Path.cwd()) else saved
        out.write(f"  密码：{password}   （保存在 {where}）")
        out.write("可用于资格自测和网上申报的会员（登录验证码见本窗口以“[短信]”开头的行）：")
        for persona in personas:
            out.write(
                f"  {pad(persona.name, 8)}{persona.id_number}  {persona.union}  {Level(persona.level).label} {persona.occupation} "
                f"发证 {persona.issue_date} {Issuer(persona.issuer).label} 证书 {persona.certificate_no}"
            )
        out.write("=" * 64)


def pad(text: str, width: int) -> str:
    """``text`` filled with spaces to ``width`` terminal columns: a Chinese character takes two."""
    columns = sum(2 if unicodedata.east_asian_width(char) in ("W", "F") else 1 for char in text)
    return text + " " * max(1, width - columns)
