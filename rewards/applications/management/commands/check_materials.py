import time
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.db import transaction

from rewards.applications import materials
from rewards.applications.integrity import MISSING, Problem, check
from rewards.applications.models import Attachment, AttachmentKind, Processing
from rewards.core.audit import audit
from rewards.core.commands import ChineseCommand
from rewards.operations.files import restore_missing
from rewards.operations.manifest import BackupError

#: What :func:`materials.process` did to a restored material, for the operator.
PROCESSED = {
    Processing.REENCODED: "已重新编码（去除照片中的拍摄地点等信息）",
    Processing.ORIGINAL: "已核对，保留原文件",
    Processing.UNREADABLE: "仍无法完整读取，请审核人员核对",
    materials.RETRY: "暂时无法读取，留待定时任务处理",
    "skipped": "已由后台任务处理",
}


class Command(ChineseCommand):
    help = (
        "检查每份申请材料的文件是否仍在存储中（迁移存储卷、部分恢复或磁盘故障之后运行）；"
        "--checksums 同时核对文件内容与保存时的 SHA-256；--restore-from 备份目录 从备份中找回缺失的文件。"
        "全部完好时退出码为 0，有问题时逐条列出并以 1 退出"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--checksums", action="store_true", help="读取每个文件核对校验值（较慢：约每 GB 数秒）")
        parser.add_argument(
            "--restore-from",
            metavar="备份目录",
            help="从这份备份（manage.py backup 的输出目录）复制回缺失的文件：逐个核对备份清单和保存时的校验值，不改动已有的文件",
        )
        parser.add_argument("--progress-every", type=int, default=10_000, help="每检查多少份报告一次进度（默认 10000）")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()

        def progress(done: int) -> None:
            if options["verbosity"] > 0:
                self.stdout.write(f"已检查 {done} 份（{time.monotonic() - started:.0f} 秒）……")

        report = check(checksums=options["checksums"], progress=progress, every=max(1, options["progress_every"]))
        checked, problems = report.checked, report.problems
        restored, gone = self._restore(problems, Path(options["restore_from"])) if options["restore_from"] else (set(), set())
        problems = [problem for problem in problems if problem.attachment_id not in restored | gone]
        for problem in problems:
            label = AttachmentKind(problem.kind).label if problem.kind in AttachmentKind.values else problem.kind
            self.stderr.write(
                f"申请 {problem.application_no} 的{label}（材料 {problem.attachment_id}，存储名 {problem.storage_name}）：{problem.problem}"
                + ("" if problem.current else "（已被后来上传的文件替换，审核不再使用，仅作留存）")
            )
        seconds = time.monotonic() - started
        detail: dict[str, Any] = {
            "checked": checked,
            "problems": len(problems),
            "checksums": options["checksums"],
            "seconds": round(seconds, 1),
        }
        if options["restore_from"]:
            detail["restored"] = len(restored)
            detail["restored_materials"] = sorted(restored)  # which, for the auditor (ids only)
        with transaction.atomic():
            audit(
                "materials.check",
                actor_label="cli",
                object_type="applications.attachment",
                result="ok" if not problems else "failed",
                detail=detail,
            )
        done = f"，从备份找回 {len(restored)} 份" if restored else ""
        if problems:
            advice = (
                "无法找回的，请审核人员退回补正并勾选“需重新上传”。"
                if options["restore_from"]
                else "请用 --restore-from 指定最近的备份目录找回缺失的文件（manage.py restore 只能恢复到空的系统），然后再运行本命令；"
                "无法找回的，请审核人员退回补正并勾选“需重新上传”。"
            )
            raise CommandError(f"检查了 {checked} 份材料{done}，{len(problems)} 份有问题（见上）。{advice}")
        whole = "，内容与校验值一致" if options["checksums"] else ""
        self.stdout.write(self.style.SUCCESS(f"检查了 {checked} 份材料{done}，文件全部在存储中{whole}（{seconds:.1f} 秒）。"))

    def _restore(self, problems: list[Problem], source: Path) -> tuple[set[int], set[int]]:
        """The missing files copied back from the backup; returns the materials mended, and those
        no longer to mend (purged, or given a new file, since the check)."""
        # Each row read again: a material purged at the end of retention (or given a new file by
        # the background step) since the check is not brought back from the backup.
        rows = Attachment.objects.filter(pk__in=[problem.attachment_id for problem in problems], purged_at__isnull=True)
        kept = {(pk, name): sha256 for pk, name, sha256 in rows.values_list("pk", "storage_name", "sha256")}
        mended: set[int] = set()
        gone: set[int] = set()
        for problem in problems:
            if (problem.attachment_id, problem.storage_name) not in kept:
                gone.add(problem.attachment_id)
                self.stdout.write(f"检查之后已清除或更换了文件，不再找回：申请 {problem.application_no}（材料 {problem.attachment_id}）")
        missing = [
            problem for problem in problems if problem.problem == MISSING and problem.storage_name and problem.attachment_id not in gone
        ]
        try:
            outcomes = restore_missing(
                source, {problem.storage_name: kept[problem.attachment_id, problem.storage_name] for problem in missing}
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        for problem in missing:
            outcome = outcomes.get(problem.storage_name, "")
            if outcome == "restored":
                mended.add(problem.attachment_id)
                self.stdout.write(
                    f"已从备份找回：申请 {problem.application_no}（材料 {problem.attachment_id}，存储名 {problem.storage_name}）"
                )
            else:
                self.stderr.write(f"未能找回：申请 {problem.application_no}（材料 {problem.attachment_id}）：{outcome}")
        self._process_again(mended)
        return mended, gone

    def _process_again(self, restored: set[int]) -> None:
        """A restored material the background step marked unreadable because its file was gone
        then: processed now (a photo re-encoded without its metadata, SECURITY.md 13; a file that
        cannot be decoded is marked again, with its checksum)."""
        again = list(Attachment.objects.filter(pk__in=restored, processing=Processing.UNREADABLE).values_list("pk", flat=True))
        for pk in again:
            Attachment.objects.filter(pk=pk, processing=Processing.UNREADABLE).update(processing=Processing.PENDING)
            outcome = materials.process(pk)
            self.stdout.write(f"已重新处理找回的材料 {pk}：{PROCESSED.get(outcome, outcome)}")
