from typing import Any

from django.core.management.base import CommandParser

from rewards.core.commands import ChineseCommand
from rewards.notifications.services import STUCK_AFTER, sms_flush
from rewards.payments.results import TASK_GRACE, queue_pending_result_sms


class Command(ChineseCommand):
    help = "补发短信：补登银行回单导入后未登记的短信，发送所有到期的待发短信（发送进程停止后的补救措施，可重复执行）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--retry-stuck",
            action="store_true",
            help="把“发送中”超过 10 分钟的短信重新排队（短信平台可能已收到，可能重复发送，请先核实）",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # A return file's SMS that its background task did not queue (the queue was down, say).
        queued = queue_pending_result_sms(older_than=TASK_GRACE)
        if queued:
            self.stdout.write(f"已补登银行回单导入的短信 {queued} 条。")
        report = sms_flush(requeue_stuck=options["retry_stuck"])
        if report.requeued:
            self.stdout.write(f"已将 {report.requeued} 条状态不明的短信重新排队。")
        self.stdout.write(
            f"短信补发完成：发送成功 {report.sent} 条，失败待重试 {report.retrying} 条，"
            f"放弃 {report.failed} 条，过期 {report.expired} 条，跳过 {report.skipped} 条。"
        )
        if report.stuck:
            minutes = int(STUCK_AFTER.total_seconds() // 60)
            self.stderr.write(
                self.style.WARNING(
                    f"有 {report.stuck} 条短信处于“发送中”超过 {minutes} 分钟（发送进程可能中断），"
                    "请在短信平台核实后用 --retry-stuck 重新排队。"
                )
            )
