from typing import Any

from django.core.management.base import CommandError, CommandParser

from rewards.core.commands import ChineseCommand
from rewards.operations.rekey import rotate_field_keys


class Command(ChineseCommand):
    help = "把用旧密钥加密的个人信息（身份证号、手机号、银行卡号等）全部改用当前的 FIELD_ENCRYPTION_KEY 重新加密；之后才能停用旧密钥"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="只统计需要重新加密的条数，不做任何修改")

    def handle(self, *args: Any, **options: Any) -> None:
        dry_run = options["dry_run"]
        report = rotate_field_keys(dry_run=dry_run, say=self.stdout.write if options["verbosity"] > 1 else None)
        verb = "需要重新加密" if dry_run else "已重新加密"
        for label, count in report.rewritten.items():
            self.stdout.write(f"{label}：{verb} {count} 条")
        if report.total:
            self.stdout.write(
                self.style.SUCCESS(f"共{verb} {report.total} 条（当前密钥的指纹 {report.fingerprint}，见 key_fingerprints）。")
            )
        else:
            self.stdout.write(self.style.SUCCESS(f"所有加密内容都已使用当前密钥（指纹 {report.fingerprint}），无需重新加密。"))
        if report.unreadable:
            for label, count in report.unreadable.items():
                self.stderr.write(f"{label}：{count} 条所用的密钥不在 FIELD_ENCRYPTION_KEY / FIELD_ENCRYPTION_OLD_KEYS 中，未改动。")
            raise CommandError("有加密内容无法解密：请把写入它们时所用的密钥加入 FIELD_ENCRYPTION_OLD_KEYS 后重新运行。")
        if not dry_run:
            self.stdout.write(
                "30 分钟后（职工登录会话中暂存的内容随会话过期），即可从 FIELD_ENCRYPTION_OLD_KEYS 中删去旧密钥；"
                "但此前的备份仍用旧密钥加密，恢复这些备份时仍需要它，请与备份一同保管。"
            )
