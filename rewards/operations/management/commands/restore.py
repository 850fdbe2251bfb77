from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from rewards.core.commands import ChineseCommand
from rewards.operations.manifest import BackupError, file_problem
from rewards.operations.restore import backup_restore


class Command(ChineseCommand):
    help = "从备份目录恢复数据库和私有文件：先核对清单、密钥指纹和全部校验和；目标非空时须加 --force"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--input", required=True, type=Path, help="backup 命令写出的备份目录")
        parser.add_argument("--force", action="store_true", help="目标数据库或文件目录已有数据时，仍用备份覆盖")

    def handle(self, *args: Any, **options: Any) -> None:
        say = self.stderr.write if options["verbosity"] > 0 else (lambda text: None)
        try:
            result = backup_restore(source=options["input"], force=options["force"], say=say)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        except OSError as exc:
            raise CommandError(str(file_problem("恢复失败", exc))) from exc
        for warning in result.warnings:
            self.stderr.write(self.style.WARNING(warning))
        manifest = result.manifest
        if result.mismatches:
            for line in result.mismatches:
                self.stderr.write(line)
            raise CommandError(f"已恢复，但 {len(result.mismatches)} 张表的行数与备份清单不符。")
        self.stdout.write(
            self.style.SUCCESS(
                f"恢复完成：{manifest['created_at']} 的备份，{len(manifest['tables'])} 张表 {sum(manifest['tables'].values())} 行，"
                f"文件 {manifest['files']['count']} 个；已记入审计日志（backup.restore）和数据库之外的审计锚点。"
            )
        )
        self.stdout.write("如备份早于最近一次 purge_expired，请再运行一次 purge_expired：恢复会带回当时尚未清除的个人信息。")
