from typing import Any

from django.core.management.base import CommandError

from rewards.core.errors import InvalidInput
from rewards.registries.importers import import_awards

from ._importing import ImportCommand


class Command(ImportCommand):
    help = "导入往年奖励名单：id_number,name,level,amount,status（applied/paid），需指定 --year"
    what = "往年名单"

    def add_arguments(self, parser: Any) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--year", required=True, help="名单所属年度（四位数字）：本年度活动补申报所参照的上一年度，如2026年度活动的 2025"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            self.run_import(options, import_awards, year=options["year"])
        except InvalidInput as exc:  # a malformed --year: nothing read, nothing written
            raise CommandError("；".join(message for messages in exc.fields.values() for message in messages)) from exc
