"""One upload of a batch sheet (单位统一申报): what was checked, what was saved, what was refused."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from rewards.campaigns.models import Campaign
from rewards.core.fields import EncryptedTextField
from rewards.organisations.models import Organisation


class ImportStatus(models.TextChoices):
    QUEUED = "queued", "排队中"
    CHECKING = "checking", "正在检查"
    CHECKED = "checked", "已检查，待确认保存"
    SAVING = "saving", "正在保存"
    DONE = "done", "已完成"
    FAILED = "failed", "无法读取"
    DISCARDED = "discarded", "已放弃（未保存）"


class BatchImport(models.Model):
    """A clerk's (or a district reviewer's) upload: the sheet, the optional zip of materials, the
    per-row results. Files are kept under DATA_DIR/private until the import is done."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="+")
    org = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="batch_imports", verbose_name="填报单位")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="上传人")
    file_name = models.CharField("文件名", max_length=255)
    sheet_path = models.CharField(max_length=255)
    zip_path = models.CharField(max_length=255, blank=True)
    #: A materials zip came with the sheet (``zip_path`` is emptied once the import is done).
    with_materials = models.BooleanField("含材料压缩包", default=False)
    sha256 = models.CharField(max_length=64)
    #: The uploader's earlier, unsaved check this upload replaces (上传修改后的文件 on its page): that
    #: one can no longer be saved while this one is live (not failed nor discarded).
    replaces = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="replacements", verbose_name="替换的导入记录"
    )
    status = models.CharField("状态", max_length=20, choices=ImportStatus.choices, default=ImportStatus.QUEUED)
    save_after_check = models.BooleanField(default=False)
    #: A grassroots clerk's rows saved with the 初审 done (decision 96): they start at 复审.
    review_on_save = models.BooleanField("保存时完成初审", default=False)
    total = models.PositiveIntegerField("行数", default=0)
    processed = models.PositiveIntegerField("已处理", default=0)
    accepted = models.PositiveIntegerField("新增", default=0)
    unchanged = models.PositiveIntegerField("未变化", default=0)
    rejected = models.PositiveIntegerField("拒绝", default=0)
    #: [{"row": n, "name": "…", "status": "valid|accepted|unchanged|rejected", "errors": [...], "application_no": "…"}]
    results = models.JSONField(default=list, blank=True)
    #: The refused rows as typed (JSON), encrypted: they carry personal numbers and are offered
    #: back to the clerk as an xlsx to fix and re-import.
    rejected_rows = EncryptedTextField(blank=True, default="")
    #: Problems of the materials zip itself (misnamed or oversize files), long digit runs masked.
    notes = models.JSONField(default=list, blank=True)
    error = models.TextField("错误", blank=True)
    created_at = models.DateTimeField("上传时间")
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = "批量导入"
        verbose_name_plural = "批量导入"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.org} {self.file_name}"

    @property
    def running(self) -> bool:
        return self.status in (ImportStatus.QUEUED, ImportStatus.CHECKING, ImportStatus.SAVING)

    def count(self, status: str) -> int:
        """Rows of the stored results with ``status`` (valid, accepted, unchanged, rejected)."""
        return sum(1 for row in self.results if row.get("status") == status)

    @property
    def percent(self) -> int:
        return (
            int(100 * self.processed / self.total)
            if self.total
            else (100 if self.status in (ImportStatus.DONE, ImportStatus.CHECKED) else 0)
        )
