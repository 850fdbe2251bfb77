"""import_staff FILE --passwords-out PATH: staff accounts from a sheet (rewards/organisations/staff_import.py)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.management.base import CommandError, CommandParser
from django.db import IntegrityError
from tqdm import tqdm

from rewards.core.commands import ChineseCommand
from rewards.core.errors import DomainError
from rewards.core.oserrors import os_reason
from rewards.core.tabular import UnreadableFile
from rewards.core.text import fold_width
from rewards.identity.mfa import mfa_required
from rewards.organisations.models import StaffUser
from rewards.organisations.staff_import import (
    COLUMNS,
    VALID_HOURS_MAX,
    VALID_HOURS_MIN,
    StaffImportPlan,
    StaffRow,
    create_staff_accounts,
    open_passwords_file,
    plan_staff_import,
    shown_time,
    valid_hours_problem,
    write_passwords,
)

NOT_DONE = "未创建任何账号。"


class Command(ChineseCommand):
    help = (
        "批量创建工作人员账号（区县（产业）工会审核人、基层工会经办人等）：import_staff FILE --passwords-out 密码文件；"
        f"FILE 为 CSV（UTF-8 或 GB18030）或 xlsx，列为 {'、'.join(COLUMNS)}（角色可填中文名称或代码）。"
        "先检查每一行，有一行有问题就不创建任何账号；已有且角色、所属组织相同的账号不作改动。"
        "新账号的初始密码只写入 --passwords-out 指定的新文件（权限 0600），是临时密码（默认 24 小时内有效，--valid-hours 可定 1—168 小时），本人首次登录须修改。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="CSV（UTF-8 或 GB18030）或 xlsx 文件")
        parser.add_argument(
            "--passwords-out",
            help="写入新账号初始密码的 CSV 文件（须是尚不存在的文件；只有文件所有者可读）；有账号要新建时必须给出",
        )
        parser.add_argument(
            "--valid-hours",
            metavar="N",
            help=f"初始密码的有效时长（小时，{VALID_HOURS_MIN}—{VALID_HOURS_MAX}，默认同重置密码：STAFF_TEMPORARY_PASSWORD_HOURS，24 小时）",
        )
        parser.add_argument("--dry-run", action="store_true", help="只检查并列出将新建的账号，不写入任何数据")
        parser.add_argument("--no-progress", action="store_true", help="不显示进度条")

    def handle(self, *args: Any, **options: Any) -> None:
        valid_hours = self.valid_hours(options["valid_hours"])
        plan = self.checked(options)
        dry_run = options["dry_run"]
        out_path = options["passwords_out"]
        if out_path and plan.to_create and os.path.lexists(out_path):
            raise CommandError(f"密码文件 {out_path} 已存在：请另指定一个新文件（不会覆盖已有文件）。{NOT_DONE}")
        if dry_run:
            self.dry_run_report(plan, out_path)
            return
        if plan.to_create and not out_path:
            raise CommandError(
                f"将新建 {len(plan.to_create)} 个账号：请用 --passwords-out 指定写入初始密码的新文件"
                f"（例如 --passwords-out /srv/staff-passwords/staff-1.csv；密码不会显示在屏幕上）。{NOT_DONE}"
            )
        handle = self.passwords_file(out_path) if plan.to_create else None
        done = False
        try:
            bar = tqdm(
                desc="生成初始密码",
                total=len(plan.to_create),
                unit="个",
                disable=options["no_progress"] or not plan.to_create,
                file=sys.stderr,
            )
            try:
                result = create_staff_accounts(
                    plan,
                    deliver=(lambda accounts, until: write_passwords(handle, accounts, until)) if handle else None,
                    valid_hours=valid_hours,
                    progress=bar.update,
                )
            finally:
                bar.close()
            done = True
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        except IntegrityError as exc:  # an account of the same name created meanwhile
            raise CommandError(f"有用户名在检查之后被占用（可能有人同时创建了账号）：{NOT_DONE}请重新运行。") from exc
        except OSError as exc:
            raise CommandError(f"无法写入密码文件 {out_path}（{os_reason(exc)}）。{NOT_DONE}") from exc
        finally:
            if handle is not None:
                handle.close()
                if not done:  # the accounts were not created: their passwords are nothing
                    Path(out_path).unlink(missing_ok=True)
        hours = valid_hours if valid_hours is not None else int(settings.STAFF_TEMPORARY_PASSWORD_HOURS)
        self.report(plan, created=len(result.created), out_path=out_path, valid_until=shown_time(result.valid_until), hours=hours)

    def valid_hours(self, given: str | None) -> int | None:
        """``--valid-hours`` as a number of hours, refused in Chinese before anything is read or written."""
        if given is None:
            return None
        text = fold_width(given).strip()
        if not text.isascii() or not text.isdecimal():
            raise CommandError(f"--valid-hours 须是 {VALID_HOURS_MIN} 至 {VALID_HOURS_MAX} 之间的整数（小时），不能是“{given}”。{NOT_DONE}")
        if problem := valid_hours_problem(int(text)):
            raise CommandError(f"{problem}{NOT_DONE}")
        return int(text)

    def checked(self, options: dict[str, Any]) -> StaffImportPlan:
        bar = tqdm(desc="检查工作人员名单", unit="行", disable=options["no_progress"], file=sys.stderr, mininterval=0.5)
        try:
            plan = plan_staff_import(options["file"], progress=bar.update)
        except UnreadableFile as exc:
            raise CommandError(f"文件无法导入：{exc}{NOT_DONE}") from exc
        finally:
            bar.close()
        if plan.rejected:
            self.stdout.write(f"检查未通过：共 {plan.total} 行，其中 {len(plan.rejected)} 行有问题。")
            for problem in plan.rejected:
                said = "；".join(error.rstrip("。") for error in problem.errors)
                self.stdout.write(f"  第 {problem.row} 行：{said}。")
            raise CommandError(f"有 {len(plan.rejected)} 行有问题，{NOT_DONE}请修改文件后重新运行（已通过检查的行也未创建）。")
        return plan

    def passwords_file(self, path: str) -> IO[str]:
        try:
            return open_passwords_file(path)
        except FileExistsError:
            raise CommandError(f"密码文件 {path} 已存在：请另指定一个新文件（不会覆盖已有文件）。{NOT_DONE}") from None
        except OSError as exc:
            raise CommandError(f"无法创建密码文件 {path}（{os_reason(exc)}）。{NOT_DONE}") from None

    def listed(self, rows: list[StaffRow], verb: str) -> None:
        for row in rows:
            self.stdout.write(f"  第 {row.row} 行：{row.username}（{row.full_name}，{row.role_label}，{row.organisation}）{verb}")

    def dry_run_report(self, plan: StaffImportPlan, out_path: str | None) -> None:
        self.stdout.write(
            f"检查通过（试运行，未写入任何数据）：共 {plan.total} 行，将新建 {len(plan.to_create)} 个账号，"
            f"已存在且相同 {len(plan.unchanged)} 个（不作改动）。"
        )
        self.listed(plan.to_create, "将新建")
        if plan.to_create and not out_path:
            self.stdout.write("正式导入时须用 --passwords-out 指定写入初始密码的新文件。")
        self.mfa_note(plan.to_create, future=True)

    def report(self, plan: StaffImportPlan, *, created: int, out_path: str | None, valid_until: str, hours: int) -> None:
        self.stdout.write(f"导入完成：共 {plan.total} 行，新建 {created} 个账号，已存在且相同 {len(plan.unchanged)} 个（未作改动）。")
        self.listed(plan.to_create, "已新建")
        inactive = [row for row, account in plan.unchanged if not account.is_active]
        if inactive:
            names = "、".join(row.username for row in inactive)
            self.stdout.write(f"注意：已存在的账号 {names} 已停用，本命令不重新启用（须在管理后台由两位系统管理员办理）。")
        if created:
            self.stdout.write(
                f"初始密码已写入 {out_path}（只有文件所有者可读）。这些是临时密码：有效期至 {valid_until}（北京时间，"
                f"{hours} 小时，文件中每行也写明），本人首次登录须改为自己的密码。"
                "请逐一当面或经可靠渠道告知本人，发完后删除该文件；逾期未改的，须重设密码（管理后台“重置密码”）。"
            )
            self.mfa_note(plan.to_create, future=False)
        each = "staff.create 每个新账号一条，" if created else ""
        self.stdout.write(f"已记入审计日志（{each}staff.import 一条，操作人：命令行）。")

    def mfa_note(self, rows: list[StaffRow], *, future: bool) -> None:
        second = [row for row in rows if mfa_required(StaffUser(role=row.role))]
        if second:
            when = "导入后本人首次登录时" if future else "本人首次登录时"
            self.stdout.write(f"其中 {len(second)} 个账号的角色须用两步验证：{when}，须先用手机上的验证器应用扫码绑定。")
