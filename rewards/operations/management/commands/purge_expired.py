import argparse
import datetime as dt
from typing import Any

from django.core.management.base import CommandParser

from rewards.batches.imports import STALE_DAYS
from rewards.core import clock
from rewards.core.commands import ChineseCommand
from rewards.operations.purge import LABELS, ever_applied, purge_expired
from rewards.organisations.lapse import period_days


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期 {text} 无法识别，请写成 YYYY-MM-DD。") from None


class Command(ChineseCommand):
    help = "清除保存期限已满的个人信息：匿名化到期年度的申请，核发明细保留为会计凭证（户名打码、卡号仅留后四位）；逾期未确认的授权和重置标记为已过期"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="只列出将要清除的内容，不做任何修改")
        parser.add_argument("--today", type=_day, help="按此日期判断是否到期（YYYY-MM-DD；默认为业务日期）")

    def handle(self, *args: Any, **options: Any) -> None:
        today = options["today"] or clock.today()
        dry_run = options["dry_run"]
        report = purge_expired(today=today, dry_run=dry_run, say=self.stderr.write if options["verbosity"] > 1 else None)
        for plan in report.plans:
            head = (
                f"{plan.campaign.year}年度：活动结束于 {plan.closed_on:%Y-%m-%d}，"
                f"个人信息保存至 {plan.retained_until:%Y-%m-%d}（{plan.campaign.retention_years} 年）"
            )
            if not plan.expired:
                self.stdout.write(f"{head}，未到期。")
            elif plan.awaiting_bank:
                self.stdout.write(self.style.WARNING(f"{head}，已到期；但有 {plan.awaiting_bank} 笔核发尚待银行结果，本次不清除。"))
            else:
                counts = report.purged[plan.campaign.year].as_dict()
                done = "；".join(f"{LABELS[key]} {value}" for key, value in counts.items() if value) or (
                    # The 2020 notice a later deployment loads only to copy: nothing was ever purged.
                    "没有需要清除的内容（已清除过）" if ever_applied(plan.campaign) else "没有需要清除的内容（本年度在本平台没有申请）"
                )
                self.stdout.write(f"{head}，已到期。{'将清除' if dry_run else '已清除'}：{done}。")
        if report.throttle_records:
            self.stdout.write(f"{'将删除' if dry_run else '已删除'} {report.throttle_records} 条两天以前的限流记录。")
        if report.stale_imports:
            self.stdout.write(
                f"{'将放弃' if dry_run else '已放弃'} {report.stale_imports} 个超过 {STALE_DAYS} 天未保存的单位申报导入"
                f"{'' if dry_run else '，暂存的汇总表和材料压缩包已删除'}。"
            )
        if report.lapsed_requests:
            self.stdout.write(
                f"{'将标记' if dry_run else '已标记'} {report.lapsed_requests} 项超过 {period_days()} 天未确认的角色授权或凭据重置为已过期。"
            )
        if dry_run:
            self.stdout.write("演练（--dry-run）：以上为将要执行的清除，未做任何修改。")
        else:
            total = report.totals
            self.stdout.write(
                self.style.SUCCESS(
                    f"清除完成（{today:%Y-%m-%d}）：匿名化申请 {total.applications} 份，删除材料文件 {total.files_deleted} 个，"
                    f"核发明细打码 {total.payment_lines} 笔；已记入审计日志（data.purge）。"
                )
            )
