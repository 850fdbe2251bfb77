"""Shared output of the import commands: a progress bar and the per-row report."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import CommandError
from tqdm import tqdm

from rewards.core.commands import ChineseCommand
from rewards.core.tabular import UnreadableFile
from rewards.registries.importers import ImportReport

SHOWN_REJECTIONS = 50


class ImportCommand(ChineseCommand):
    what = ""

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help="CSV（UTF-8 或 GB18030）或 xlsx 文件")
        parser.add_argument("--no-progress", action="store_true", help="不显示进度条")
        parser.add_argument("--all-rejections", action="store_true", help="列出所有被拒绝的行（默认最多列出 50 行）")

    def run_import(self, options: dict[str, Any], importer, **kwargs: Any) -> ImportReport:  # type: ignore[no-untyped-def]
        bar = tqdm(desc=f"导入{self.what}", unit="行", disable=options["no_progress"], file=sys.stderr, mininterval=0.5, dynamic_ncols=True)

        def on_total(total: int | None) -> None:
            bar.total = total
            bar.refresh()

        try:
            report = importer(options["file"], progress=bar.update, on_total=on_total, **kwargs)
        except UnreadableFile as exc:
            raise CommandError(f"文件无法导入，未写入任何数据：{exc}") from exc
        finally:
            bar.close()
        self.print_report(report, show_all=options["all_rejections"])
        return report

    def print_report(self, report: ImportReport, *, show_all: bool) -> None:
        out = self.stdout
        out.write(
            f"{self.what}导入完成：共 {report.total} 行，新增 {report.created}，更新 {report.updated}，"
            f"未变化 {report.unchanged}，拒绝 {len(report.rejected)}。"
        )
        shown = report.rejected if show_all else report.rejected[:SHOWN_REJECTIONS]
        for rejection in shown:
            out.write(f"  第 {rejection.row} 行：{'；'.join(rejection.errors)}")
        hidden = len(report.rejected) - len(shown)
        if hidden:
            out.write(f"  ……另有 {hidden} 行被拒绝（加 --all-rejections 全部列出）。")
