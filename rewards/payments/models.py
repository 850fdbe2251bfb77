"""Payment batches (核发批次) and their lines: four eyes, frozen content, never paying twice.

The database itself guarantees the money rules: one live line per application (a partial
unique index), one paid line per application, unique references, positive amounts.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from rewards.applications.models import Application
from rewards.campaigns.models import Campaign
from rewards.core.fields import EncryptedTextField, MaskedCharField
from rewards.organisations.models import Organisation


class BatchStatus(models.TextChoices):
    BUILT = "built", "已生成，待复核"
    APPROVED = "approved", "已复核，待下载发放文件"
    SENT = "sent", "已下载发放文件（已报送银行）"
    CANCELLED = "cancelled", "已作废"


#: The version of the 冻结内容摘要 formula new batches are frozen with (``rewards.payments.digest``).
DIGEST_VERSION = 2


class PaymentBatch(models.Model):
    batch_no = models.CharField("批次号", max_length=20, unique=True)
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="payment_batches", verbose_name="年度")
    union = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="限定工会")
    status = models.CharField("状态", max_length=20, choices=BatchStatus.choices, default=BatchStatus.BUILT)
    count = models.PositiveIntegerField("笔数")
    total_amount = models.DecimalField("总金额（元）", max_digits=14, decimal_places=2)
    content_digest = models.CharField("冻结内容摘要", max_length=64)
    #: The formula ``content_digest`` was made with (``rewards.payments.digest``): the batches
    #: frozen before 卡已变更 was covered keep 1 and verify with it (payments 0005).
    digest_version = models.PositiveSmallIntegerField("冻结内容摘要版本", default=DIGEST_VERSION)
    built_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="生成人")
    built_at = models.DateTimeField("生成时间")
    idempotency_key = models.CharField(max_length=100, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="复核人"
    )
    approved_at = models.DateTimeField("复核时间", null=True, blank=True)
    sent_at = models.DateTimeField("首次下载发放文件时间", null=True, blank=True)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    cancelled_at = models.DateTimeField("作废时间", null=True, blank=True)
    cancelled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "核发批次"
        verbose_name_plural = "核发批次"
        ordering = ["-built_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["built_by", "idempotency_key"], condition=~Q(idempotency_key=""), name="payment_batch_idempotency"
            ),
            models.CheckConstraint(condition=Q(total_amount__gte=0), name="payment_batch_total_not_negative"),
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=models.F("built_by")), name="payment_batch_four_eyes"
            ),
        ]

    def __str__(self) -> str:
        return self.batch_no


class LineStatus(models.TextChoices):
    BUILT = "built", "待复核"
    APPROVED = "approved", "待发放"
    SENT = "sent", "已报送银行"
    PAID = "paid", "已发放"
    FAILED = "failed", "发放失败"
    CANCELLED = "cancelled", "已作废"
    REVERSED = "reversed", "已退汇"


#: A line that still stands for its application: while one exists, no other may be built.
LIVE_LINE_STATUSES = (LineStatus.BUILT, LineStatus.APPROVED, LineStatus.SENT, LineStatus.PAID)


class PaymentLine(models.Model):
    """One payment in a batch, frozen at build time: who, which card, how much, which reference."""

    batch = models.ForeignKey(PaymentBatch, on_delete=models.PROTECT, related_name="lines", verbose_name="批次")
    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="payment_lines", verbose_name="申请")
    reference = models.CharField("付款参考号", max_length=30, unique=True)
    name = models.CharField("户名", max_length=40)
    bank_card_no = EncryptedTextField("银行卡号")
    bank_card_hash = models.CharField(max_length=64)
    bank_branch = models.CharField("开户行", max_length=100)
    amount = models.DecimalField("金额（元）", max_digits=10, decimal_places=2)
    status = models.CharField("状态", max_length=20, choices=LineStatus.choices, default=LineStatus.BUILT)
    live = models.BooleanField(default=True)
    result_reason = MaskedCharField("银行反馈", max_length=200, blank=True)
    #: When the bank's return file answered the line (paid or failed); a reversal keeps it.
    result_at = models.DateTimeField("结果时间", null=True, blank=True)
    reversal_reason = MaskedCharField("退汇原因", max_length=200, blank=True)
    reversed_at = models.DateTimeField("退汇时间", null=True, blank=True)
    #: Frozen with the card: whether the card the line carries had been changed after the
    #: application's approval (审核通过后更改了银行卡) when the batch was built, and when the last
    #: such change was. ``None``: unknown (a line built before this was recorded, whose
    #: application's history does not tell; payments 0004).
    card_changed = models.BooleanField("审核通过后更改了银行卡", null=True, blank=True)
    card_changed_at = models.DateTimeField("银行卡更改时间", null=True, blank=True)

    class Meta:
        verbose_name = "核发明细"
        verbose_name_plural = "核发明细"
        constraints = [
            # 不重复发放: one live line per application, one paid line per application.
            models.UniqueConstraint(fields=["application"], condition=Q(live=True), name="one_live_payment_line"),
            models.UniqueConstraint(fields=["application"], condition=Q(status="paid"), name="one_paid_payment_line"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_line_amount_positive"),
            models.CheckConstraint(
                condition=(Q(live=True) & Q(status__in=["built", "approved", "sent", "paid"]))
                | (Q(live=False) & Q(status__in=["failed", "cancelled", "reversed"])),
                name="payment_line_live_matches_status",
            ),
            models.CheckConstraint(
                condition=Q(card_changed_at__isnull=True) | Q(card_changed=True), name="payment_line_card_changed_at_only_if_changed"
            ),
        ]
        indexes = [models.Index(fields=["batch", "status"])]

    def __str__(self) -> str:
        return self.reference


class ResultImport(models.Model):
    """A bank return file that was applied (its digest makes re-importing it a no-op)."""

    batch = models.ForeignKey(PaymentBatch, on_delete=models.PROTECT, related_name="result_imports")
    sha256 = models.CharField(max_length=64)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    imported_at = models.DateTimeField()
    paid = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    #: When the SMS of the lines this file settled were all in the outbox. They are queued after
    #: the import commits, by a background task (``sms_flush`` finishes what a lost task left):
    #: empty until then (decision 262).
    sms_queued_at = models.DateTimeField("短信登记完成时间", null=True, blank=True)

    class Meta:
        verbose_name = "银行回单导入"
        verbose_name_plural = "银行回单导入"

    def __str__(self) -> str:
        return f"{self.batch_id} {self.sha256[:8]}"
