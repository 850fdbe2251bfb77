from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError

from rewards.core.commands import ChineseCommand
from rewards.operations.anchor_check import inspect


class Command(ChineseCommand):
    help = (
        "检查审计锚点能否工作：本账号能否追加写入 AUDIT_ANCHOR_FILE、文件是否按部署要求受保护（属于 root、目录本账号不能写、只许追加），"
        "AUDIT_ANCHOR_SYSLOG 能否连接；不写入任何内容（有问题时退出码为 1，只有提醒时为 0）。"
        "check --deploy 不检查这些：网站不写锚点，不应因此无法启动"
    )

    def handle(self, *args: Any, **options: Any) -> None:
        report = inspect(Path(str(settings.AUDIT_ANCHOR_FILE)), str(settings.AUDIT_ANCHOR_SYSLOG or ""))
        for line in report.ok:
            self.stdout.write(line)
        for warning in report.warnings:
            self.stderr.write(self.style.WARNING(f"提醒：{warning}"))
        for problem in report.problems:
            self.stderr.write(self.style.ERROR(f"问题：{problem}"))
        if report.problems:
            raise CommandError(
                f"审计锚点检查发现 {len(report.problems)} 个问题：audit_verify 将无法记下链头或无法抄送日志主机（见上）。", returncode=1
            )
        if report.warnings:
            self.stdout.write(f"审计锚点检查通过，但有 {len(report.warnings)} 项提醒（见上）：锚点未按 README“部署”一节保护。")
            return
        self.stdout.write(self.style.SUCCESS("审计锚点检查通过。"))
