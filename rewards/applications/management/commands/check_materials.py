import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from rewards.applications.integrity import Problem, check
from rewards.applications.models import AttachmentKind
from rewards.core.audit import audit


class Command(BaseCommand):
    help = (
        "检查每份申请材料的文件是否仍在存储中（迁移存储卷、部分恢复或磁盘故障之后运行）；"
        "--checksums 同时核对文件内容与保存时的 SHA-256。全部完好时退出码为 0，有问题时逐条列出并以 1 退出"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--checksums", action="store_true", help="读取每个文件核对校验值（较慢：约每 GB 数秒）")
        parser.add_argument("--progress-every", type=int, default=10_000, help="每检查多少份报告一次进度（默认 10000）")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()

        def progress(done: int) -> None:
            if options["verbosity"] > 0:
                self.stdout.write(f"已检查 {done} 份（{time.monotonic() - started:.0f} 秒）……")

        problems: list[Problem] = []
        checked = 0
        for item in check(checksums=options["checksums"], progress=progress, every=max(1, options["progress_every"])):
            if isinstance(item, Problem):
                problems.append(item)
                label = AttachmentKind(item.kind).label if item.kind in AttachmentKind.values else item.kind
                self.stderr.write(
                    f"申请 {item.application_no} 的{label}（材料 {item.attachment_id}，存储名 {item.storage_name}）：{item.problem}"
                )
            else:
                checked = item
        seconds = time.monotonic() - started
        with transaction.atomic():
            audit(
                "materials.check",
                actor_label="cli",
                object_type="applications.attachment",
                result="ok" if not problems else "failed",
                detail={"checked": checked, "problems": len(problems), "checksums": options["checksums"], "seconds": round(seconds, 1)},
            )
        if problems:
            raise CommandError(
                f"检查了 {checked} 份材料，{len(problems)} 份有问题（见上）。请从最近的备份恢复这些文件"
                "（manage.py restore，或从备份的 files 目录按存储名复制回去），然后再运行本命令；"
                "无法恢复的，请审核人员退回补正并勾选“需重新上传”。"
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"检查了 {checked} 份材料，文件全部在存储中{'，内容与校验值一致' if options['checksums'] else ''}（{seconds:.1f} 秒）。"
            )
        )
