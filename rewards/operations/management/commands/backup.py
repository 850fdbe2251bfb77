from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from rewards.core.commands import ChineseCommand
from rewards.operations.backup import backup_create
from rewards.operations.manifest import BackupError, file_problem


class Command(ChineseCommand):
    help = "备份数据库和私有文件（申请材料、批量导入文件）到一个新目录，附清单和校验和；密钥不在备份中，须另行保管"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", required=True, type=Path, help="备份目录（新目录或空目录）")

    def handle(self, *args: Any, **options: Any) -> None:
        # Progress goes to stdout (cron drops it); only problems reach stderr, and so MAILTO.
        say = self.stdout.write if options["verbosity"] > 0 else (lambda text: None)
        try:
            result = backup_create(output=options["output"], say=say)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        except OSError as exc:
            raise CommandError(str(file_problem("备份失败", exc))) from exc
        manifest = result.manifest
        self.stdout.write(
            self.style.SUCCESS(
                f"备份完成：{result.folder}（数据库 {len(manifest['tables'])} 张表 {sum(manifest['tables'].values())} 行，"
                f"文件 {manifest['files']['count']} 个 {manifest['files']['bytes']} 字节）。"
            )
        )
        self.stdout.write(
            "密钥不在备份中：FIELD_ENCRYPTION_KEY、FIELD_ENCRYPTION_OLD_KEYS、BLIND_INDEX_KEY、AUDIT_CHAIN_KEY、SECRET_KEY 须另行备份保管。"
        )
        if result.missing:
            for name in result.missing[:20]:
                self.stderr.write(f"缺少材料文件：{name}")
            raise CommandError(f"备份已写出，但数据库中有 {len(result.missing)} 份材料的文件不在存储目录中（清单 materials_missing）。")
