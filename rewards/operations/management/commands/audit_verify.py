import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from rewards.core.audit import audit, verify_chain_report


class Command(BaseCommand):
    help = "核验审计日志的哈希链：发现被修改、被删除的记录或被改动的链头（完整时退出码为 0）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--progress-every", type=int, default=100_000, help="每核验多少条报告一次进度（默认 100000）")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()

        def progress(entries: int) -> None:
            if options["verbosity"] > 0:
                self.stdout.write(f"已核验 {entries} 条（{time.monotonic() - started:.0f} 秒）……")  # stderr is for problems (cron mails it)

        report = verify_chain_report(progress=progress, every=max(1, options["progress_every"]))
        seconds = time.monotonic() - started
        # Recorded only now, after the walk: the entry chains onto the head as it is.
        with transaction.atomic():
            audit(
                "audit.verify",
                actor_label="cli",
                object_type="core.auditevent",
                result="ok" if report.intact else "failed",
                detail={"entries": report.entries, "problems": report.problem_count, "seconds": round(seconds, 1)},
            )
        if report.intact:
            self.stdout.write(self.style.SUCCESS(f"审计链完整，共 {report.entries} 条。"))
            return
        for problem in report.listed():
            self.stderr.write(problem)
        raise CommandError(f"审计链不完整：共 {report.entries} 条，发现 {report.problem_count} 处问题。", returncode=1)
