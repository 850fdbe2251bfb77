"""``manage.py process_materials``: the safety net of the photos' re-encoding (run from cron)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import CommandError, CommandParser

from rewards.applications.materials import RETRY, process_pending
from rewards.applications.models import Processing
from rewards.core.commands import ChineseCommand


class Command(ChineseCommand):
    help = "补做申请材料处理：把上传后仍未处理的图片去除元数据重新保存（后台进程停止后的补救措施，可重复执行）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--min-age",
            type=int,
            default=10,
            metavar="MINUTES",
            help="只处理上传已超过这么多分钟的材料（默认 10：更新的通常正由后台进程处理）",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        minutes = options["min_age"]
        if minutes < 0:
            raise CommandError("--min-age 不能是负数。")
        outcomes = process_pending(older_than=dt.timedelta(minutes=minutes))
        self.stdout.write(
            f"申请材料处理完成：重新编码 {outcomes.get(Processing.REENCODED, 0)} 份，"
            f"PDF 保留原件 {outcomes.get(Processing.ORIGINAL, 0)} 份，"
            f"无法完整读取（保留原件并标注）{outcomes.get(Processing.UNREADABLE, 0)} 份，"
            f"已由其他进程处理 {outcomes.get('skipped', 0)} 份。"
        )
        if outcomes.get(RETRY):
            self.stderr.write(
                self.style.WARNING(f"有 {outcomes[RETRY]} 份材料暂时无法读取或保存（存储不可用？），仍在等待处理，请检查存储后再次运行。")
            )
