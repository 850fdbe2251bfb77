from typing import Any

from rewards.registries.importers import import_members

from ._importing import ImportCommand


class Command(ImportCommand):
    help = "导入会员库：id_number,name,phone,union,grassroots_union,employer,verified（CSV 或 xlsx，可重复执行）"
    what = "会员库"

    def handle(self, *args: Any, **options: Any) -> None:
        self.run_import(options, import_members)
