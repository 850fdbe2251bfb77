from typing import Any

from rewards.registries.importers import import_certificates

from ._importing import ImportCommand


class Command(ImportCommand):
    help = "导入人社证书库：certificate_no,id_number,name,occupation,level,issue_date,issuer（CSV 或 xlsx，可重复执行）"
    what = "证书库"

    def handle(self, *args: Any, **options: Any) -> None:
        self.run_import(options, import_certificates)
