import argparse
import datetime as dt
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils import timezone

from rewards.core.commands import ChineseCommand
from rewards.operations.manifest import BackupError, file_problem
from rewards.operations.prune import prune_backups


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期 {text} 无法识别，请写成 YYYY-MM-DD。") from None


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text} 不是整数。") from None
    if value < 1:
        raise argparse.ArgumentTypeError("保留天数和至少保留的份数都必须至少为 1。")
    return value


class Command(ChineseCommand):
    help = (
        "删除备份根目录下超过保留天数的备份（只删除本系统写出、带完整清单的备份目录），"
        "最新的若干份无论多旧都保留；已记入审计日志（backup.prune）"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--root", required=True, type=Path, help="备份根目录（每次备份是其中的一个子目录）")
        parser.add_argument("--keep-days", type=_positive, default=30, help="保留最近多少天的备份（默认 30）")
        parser.add_argument("--keep-last", type=_positive, default=3, help="无论多旧，至少保留最新的几份完整备份（默认 3）")
        parser.add_argument("--dry-run", action="store_true", help="只列出将要删除的备份，不做任何修改")
        parser.add_argument("--today", type=_day, help="按此日期计算备份的天数（YYYY-MM-DD；默认为今天）")

    def handle(self, *args: Any, **options: Any) -> None:
        today = options["today"] or timezone.localdate()
        dry_run = options["dry_run"]
        try:
            report = prune_backups(
                root=options["root"],
                keep_days=options["keep_days"],
                keep_last=options["keep_last"],
                today=today,
                dry_run=dry_run,
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        except OSError as exc:
            raise CommandError(str(file_problem("清理备份失败", exc))) from exc
        verb = "将删除" if dry_run else "已删除"
        for found in report.removed:
            self.stdout.write(f"{verb}：{found.folder.name}（{found.created_on:%Y-%m-%d} 备份）")
        for path in report.finished:
            self.stdout.write(f"已完成上次中断的删除：{path.name}")
        for path, why in report.foreign.items():
            self.stderr.write(self.style.WARNING(f"未处理 {path.name}：{why} 如是中断的备份，请人工核对后删除（其中可能有个人信息）。"))
        summary = (
            f"{report.root}：保留 {len(report.kept)} 份备份，{verb} {len(report.removed)} 份"
            f"（{report.cutoff:%Y-%m-%d} 以前的备份，最新 {options['keep_last']} 份除外）。"
        )
        if dry_run:
            self.stdout.write(summary + "演练（--dry-run）：未做任何修改。")
        else:
            self.stdout.write(
                self.style.SUCCESS(summary + ("已记入审计日志（backup.prune）。" if report.removed or report.finished else ""))
            )
