"""单位统一申报 from the command line, for a union's own tools and for bulk operations."""

from __future__ import annotations

import gc
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError
from tqdm import tqdm

from rewards.batches.services import check_and_save, submitting_org_for
from rewards.batches.sheet import rejected_rows_workbook
from rewards.campaigns.selectors import require_current_campaign
from rewards.core.audit import audit
from rewards.core.commands import ChineseCommand
from rewards.core.errors import DomainError, InvalidInput
from rewards.core.tabular import UnreadableFile
from rewards.core.text import sentences
from rewards.eligibility.services import staff_voice
from rewards.organisations.models import StaffUser

#: Refused rows printed; the rest go to --rejected.
SHOWN = 50


def _read(path: str, what: str) -> bytes:
    """The file's bytes, or a Chinese reason it cannot be read (nothing has been written yet)."""
    try:
        return Path(path).read_bytes()
    except FileNotFoundError as exc:
        raise CommandError(f"找不到{what}文件：{path}。未导入任何数据。") from exc
    except IsADirectoryError as exc:
        raise CommandError(f"{path} 是一个文件夹，请给出{what}文件本身。未导入任何数据。") from exc
    except OSError as exc:
        raise CommandError(f"无法读取{what}文件 {path}：{exc.strerror or exc}。未导入任何数据。") from exc


class Command(ChineseCommand):
    help = "导入单位统一申报汇总表：import_batch FILE --user 用户名 [--org 基层工会] [--attachments 材料.zip] [--check-only] [--initial-review]"
    # Django's system checks load every URL, view and API schema of the site, which an import
    # never uses: about 0.6 s and 40 MB before the first row. `manage.py check` runs them.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help="按模板填写的 .xlsx 汇总表")
        parser.add_argument("--user", required=True, help="以该工作人员的身份导入（基层工会经办人，或区县（产业）工会审核人加 --org）")
        parser.add_argument("--org", help="区县（产业）工会代为录入时：基层工会名称")
        parser.add_argument("--attachments", help="材料压缩包（身份证号_id_card.jpg 等）")
        parser.add_argument("--check-only", action="store_true", help="只检查，不保存")
        parser.add_argument(
            "--initial-review",
            action="store_true",
            help="基层工会经办人已核对纸质申请表和材料：保存时同时完成初审，直接报送区县（产业）工会复审",
        )
        parser.add_argument("--rejected", metavar="OUT.xlsx", help="把全部有问题的行（含错误原因）写入该 .xlsx，修改后可重新导入")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        user = StaffUser.objects.filter(username=options["user"], is_active=True).select_related("organisation").first()
        if user is None:
            raise CommandError(f"没有名为“{options['user']}”的在用工作人员。")
        try:
            org, start = submitting_org_for(user, options["org"], reviewed=options["initial_review"])
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        sheet = _read(options["file"], "汇总表")
        archive = _read(options["attachments"], "材料压缩包") if options["attachments"] else None
        bar = tqdm(desc="检查并导入", unit="行", disable=options["no_progress"], file=sys.stderr, mininterval=0.5)

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.n = done
            bar.refresh()

        # What this process holds before the import (Django, the modules) outlives it: kept out of
        # the collector's full passes, which would re-scan it again and again (about a tenth of a
        # 100 000-row import), until the import is done.
        gc.freeze()
        try:
            result = check_and_save(
                campaign=require_current_campaign(),
                user=user,
                org=org,
                start_status=start,
                sheet=sheet,
                zip_content=archive,
                save=not options["check_only"],
                # Without the bar, no progress: it would read the whole sheet once more to count its rows.
                progress=None if options["no_progress"] else progress,
            )
        except UnreadableFile as exc:
            raise CommandError(f"文件无法导入，未写入任何数据：{exc}") from exc
        except InvalidInput as exc:  # the materials zip, refused before any row is read
            raise CommandError(f"材料压缩包无法导入，未写入任何数据：{exc.message}") from exc
        finally:
            gc.unfreeze()
            bar.close()
        valid = sum(1 for row in result.rows if row.status == "valid")
        self.stdout.write(
            f"{org.name}：共 {len(result.rows)} 行，新增 {result.accepted}，已存在 {result.unchanged}，"
            f"{'可导入 ' + str(valid) + '，' if options['check_only'] else ''}有问题 {len(result.rejected)}。"
        )
        for row in result.rejected[:SHOWN]:
            self.stdout.write(f"  第 {row.row} 行：{sentences(row.errors)}")
        if len(result.rejected) > SHOWN:
            more = len(result.rejected) - SHOWN
            self.stdout.write(
                f"  另有 {more} 行有问题，未在此列出"
                + ("（全部见 --rejected 写出的文件）。" if options["rejected"] else "：加 --rejected 文件名.xlsx 可写出全部。")
            )
        if options["rejected"] and result.rejected:
            rows = [{"row": row.row, "errors": [staff_voice(error) for error in row.errors]} for row in result.rejected]
            workbook = rejected_rows_workbook(rows, result.originals, year=require_current_campaign().year, org_name=org.name)
            try:
                Path(options["rejected"]).write_bytes(workbook)
            except OSError as exc:
                raise CommandError(f"有问题的行未能写入 {options['rejected']}：{exc.strerror or exc}") from exc
            # Personal numbers in full, as the page's download: audited the same way (SECURITY.md 17).
            audit(
                "batch.rejected_export",
                actor=user,
                object_type="organisations.organisation",
                object_id=org.pk,
                detail={"org": org.pk, "rows": len(rows), "channel": "cli"},
            )
            self.stdout.write(f"  有问题的 {len(rows)} 行已写入 {options['rejected']}（第一列起为原样内容，最后一列为错误原因）。")
        for note in result.notes:
            self.stdout.write(f"  {note}")
