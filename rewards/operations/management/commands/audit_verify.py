import time
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.db import transaction

from rewards.core import anchor
from rewards.core.audit import audit, verify_chain_report
from rewards.core.commands import ChineseCommand
from rewards.core.masking import mask_digit_runs
from rewards.core.oserrors import os_reason


class Command(ChineseCommand):
    help = (
        "核验审计日志的哈希链：发现被修改、被删除的记录或被改动的链头，并与数据库之外的审计锚点比对，"
        "发现被清空、截短或替换的日志（完整时退出码为 0）"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--progress-every", type=int, default=100_000, help="每核验多少条报告一次进度（默认 100000）")
        parser.add_argument(
            "--accept",
            metavar="理由",
            default="",
            help="查明锚点告警的原因之后（例如用其他方式恢复了数据库），把现在的审计日志确认为新的起点：写入一行签名的确认锚点并记入审计日志",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        accept = mask_digit_runs(options["accept"].strip())
        if options["accept"] and not accept:
            raise CommandError("--accept 须写明理由。")

        def progress(entries: int) -> None:
            if options["verbosity"] > 0:
                self.stdout.write(f"已核验 {entries} 条（{time.monotonic() - started:.0f} 秒）……")  # stderr is for problems (cron mails it)

        report = verify_chain_report(progress=progress, every=max(1, options["progress_every"]))
        check = anchor.check_chain(report)
        # Accepted by the operator, by name: they stay in the output and the audit entry.
        accepted, check.problems = (check.problems, []) if accept else ([], check.problems)
        state = self._anchor(report, check, accept)
        seconds = time.monotonic() - started
        problems = report.problem_count + len(check.problems)
        # Recorded only now, after the walk: the entry chains onto the head as it is.
        with transaction.atomic():
            audit(
                "audit.verify",
                actor_label="cli",
                object_type="core.auditevent",
                result="ok" if problems == 0 else "failed",
                detail={
                    "entries": report.entries,
                    "problems": problems,
                    "seconds": round(seconds, 1),
                    "anchor": state,
                    **({"accept_reason": accept, "accepted_problems": len(accepted)} if accept else {}),
                },
            )
        for problem in accepted:
            self.stderr.write(self.style.WARNING(f"已确认：{problem}"))
        if problems == 0:
            self.stdout.write(self.style.SUCCESS(f"审计链完整，共 {report.entries} 条。"))
            if state == "created":
                self.stdout.write(f"首次核验：已在 {check.path} 记下审计锚点。")
            return
        for problem in report.listed() + check.problems:
            self.stderr.write(problem)
        if report.problem_count == 0 and state == "unwritten":
            # The chain matched the anchor; only this run's line could not be written.
            raise CommandError(f"审计链完整，共 {report.entries} 条，但本次核验的链头未能写入审计锚点文件。", returncode=1)
        if report.problem_count == 0:
            # The chain is whole in itself: what failed is the comparison with the outside anchor.
            raise CommandError(
                f"审计链本身完整（共 {report.entries} 条），但与数据库之外的审计锚点不符：发现 {problems} 处问题。", returncode=1
            )
        raise CommandError(f"审计链不完整：共 {report.entries} 条，发现 {problems} 处问题。", returncode=1)

    def _anchor(self, report: Any, check: anchor.AnchorCheck, accept: str) -> str:
        """Appends the head verified to the anchor file, unless the comparison failed (the alarm
        then stands until a restore or an ``--accept``); returns what was done."""
        if check.problems:
            return "failed"
        kind, extra = ("accept", {"reason": accept}) if accept else ("verify", {})
        try:
            anchor.append(kind, anchor.Head.verified(report), problems=report.problem_count, **extra)
        except OSError as exc:
            check.problems.append(f"无法写入审计锚点文件 {check.path}（{os_reason(exc)}）：本次核验的链头未能记在数据库之外。")
            return "unwritten"
        return "accepted" if accept else "created" if check.missing else "ok"
