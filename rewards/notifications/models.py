"""The SMS outbox (短信发件箱): one row per business event, written in the event's transaction."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from rewards.core.fields import EncryptedTextField

from .templates import SmsTemplate


class SmsStatus(models.TextChoices):
    PENDING = "pending", "待发送"
    SENDING = "sending", "发送中"
    SENT = "sent", "已发送"
    FAILED = "failed", "发送失败"


class SmsMessage(models.Model):
    phone = EncryptedTextField("手机号码")
    phone_hash = models.CharField(max_length=64, db_index=True)
    template = models.CharField("短信类型", max_length=30, choices=SmsTemplate.choices)
    #: The values the text names, as strings; never a full ID or card number.
    params = models.JSONField("参数", default=dict, blank=True)
    text = models.TextField("短信内容")
    #: One message per business event, e.g. ``app:2020000123:submitted:1``; no personal numbers.
    event_key = models.CharField("业务事件", max_length=150, unique=True)
    status = models.CharField("状态", max_length=10, choices=SmsStatus.choices, default=SmsStatus.PENDING)
    attempts = models.PositiveSmallIntegerField("发送次数", default=0)
    next_attempt_at = models.DateTimeField("下次发送时间", default=timezone.now)
    expires_at = models.DateTimeField("有效期至", null=True, blank=True)
    claimed_at = models.DateTimeField("开始发送时间", null=True, blank=True)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)
    #: The gateway's answer or our own diagnosis; never a personal number.
    last_error = models.CharField("最近错误", max_length=300, blank=True)
    provider_message_id = models.CharField("短信平台回执号", max_length=100, blank=True)
    created_at = models.DateTimeField("登记时间", default=timezone.now, db_index=True)

    class Meta:
        verbose_name = "短信"
        verbose_name_plural = "短信发件箱"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="sms_due")]

    def __str__(self) -> str:
        return f"{self.get_template_display()} #{self.pk}"
