"""A campaign (年度奖励活动) is data: next year's notice is new rows, never new code."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db import models

from rewards.core import clock
from rewards.core.text import org_key
from rewards.core.vocab import Issuer, Level
from rewards.organisations.models import Organisation


def default_counted_issuers() -> list[str]:
    return [Issuer.HR_ZHEJIANG, Issuer.HR_HANGZHOU, Issuer.HR_DISTRICT]


def default_occupation_issuers() -> list[str]:
    return [Issuer.INDUSTRY_AUTHORITY]


class Campaign(models.Model):
    year = models.PositiveSmallIntegerField("年度", unique=True)
    title = models.CharField("通知标题", max_length=200)
    document_no = models.CharField("文号", max_length=60, blank=True)
    opens_on = models.DateField("发文日期（开始受理）")
    application_deadline = models.DateField("奖励申报截止日（含当日）")
    resubmission_grace_days = models.PositiveSmallIntegerField("退回后补正期限（天）", default=15)
    main_window_start = models.DateField("发证时间起")
    main_window_end = models.DateField("发证时间止（含）")
    makeup_window_start = models.DateField("补申报发证时间起", null=True, blank=True)
    makeup_window_end = models.DateField("补申报发证时间止（含）", null=True, blank=True)
    previous_year = models.PositiveSmallIntegerField(
        "补申报所参照的上一年度", null=True, blank=True, help_text="补申报须无该年度的申请和奖励记录。"
    )
    declaration_deadline = models.DateField("非通用性职业申报截止日（含当日）", null=True, blank=True)
    declaration_limit = models.PositiveSmallIntegerField("每个工会可申报的非通用性职业数", default=3)
    counted_issuers = models.JSONField(
        "直接认可的发证机关", default=default_counted_issuers, help_text="这些发证机关核发的证书直接符合职业范围。"
    )
    occupation_issuers = models.JSONField(
        "需经备案同意职业的发证机关",
        default=default_occupation_issuers,
        help_text="这些发证机关的证书，仅当其职业为市总备案同意的该工会非通用性职业时才符合。",
    )
    retention_years = models.PositiveSmallIntegerField("个人信息保存年限（活动结束后）", default=5)
    sms_templates = models.JSONField("短信内容", default=dict, blank=True)

    class Meta:
        verbose_name = "年度奖励活动"
        verbose_name_plural = "年度奖励活动"
        ordering = ["-year"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(main_window_start__lte=models.F("main_window_end")), name="campaign_main_window_order"
            ),
            models.CheckConstraint(
                condition=models.Q(opens_on__lte=models.F("application_deadline")), name="campaign_open_before_deadline"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year}年度"

    @property
    def has_makeup_window(self) -> bool:
        return bool(self.makeup_window_start and self.makeup_window_end and self.previous_year)

    def resubmission_until(self, returned_on: dt.date) -> dt.date:
        return returned_on + dt.timedelta(days=self.resubmission_grace_days)


class LevelAward(models.Model):
    """奖励标准: the amount for a level in one campaign."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="level_awards", verbose_name="年度")
    level = models.CharField("技能等级", max_length=30, choices=Level.choices)
    amount = models.DecimalField("奖励金额（元）", max_digits=10, decimal_places=2)

    class Meta:
        verbose_name = "奖励标准"
        verbose_name_plural = "奖励标准"
        constraints = [
            models.UniqueConstraint(fields=["campaign", "level"], name="level_award_once"),
            models.CheckConstraint(condition=models.Q(amount__gt=Decimal("0")), name="level_award_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.get_level_display()} {self.amount} 元"


class CampaignUnit(models.Model):
    """A district/industry union taking part in a campaign, with its guidance number (指导数, not a cap)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="units", verbose_name="年度")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="campaign_units", verbose_name="工会")
    guidance = models.PositiveIntegerField("指导数（上不封顶）", default=0)
    position = models.PositiveSmallIntegerField("附件1序号")

    class Meta:
        verbose_name = "任务分解（指导数）"
        verbose_name_plural = "任务分解（指导数）"
        ordering = ["campaign", "position"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "organisation"], name="campaign_unit_once"),
            models.UniqueConstraint(fields=["campaign", "position"], name="campaign_unit_position"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} {self.guidance}"


class DeclarationStatus(models.TextChoices):
    PENDING = "pending", "待审核"
    APPROVED = "approved", "已备案同意"
    REJECTED = "rejected", "不同意"
    WITHDRAWN = "withdrawn", "已撤回"


class OccupationDeclaration(models.Model):
    """附件5: a non-generic occupation a district/industry union declares for a campaign."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="declarations", verbose_name="年度")
    union = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="declarations", verbose_name="申报工会")
    occupation = models.CharField("职业（工种）名称", max_length=100)
    occupation_key = models.CharField(max_length=100, editable=False)
    reason = models.TextField("申报理由")
    status = models.CharField("状态", max_length=20, choices=DeclarationStatus.choices, default=DeclarationStatus.PENDING)
    opinion = models.TextField("经济部意见", blank=True)
    decided_at = models.DateTimeField("审核时间", null=True, blank=True)
    #: The campaign's time (decision 84): with APP_TODAY, a declaration is made on the business date.
    created_at = models.DateTimeField("申报时间", default=clock.business_now, editable=False)
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="申报人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="审核人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "非通用性职业申报"
        verbose_name_plural = "非通用性职业申报"
        indexes = [models.Index(fields=["campaign", "union", "status"])]
        constraints = [
            # A union declares an occupation once while it counts; a rejected one may be declared again.
            models.UniqueConstraint(
                fields=["campaign", "union", "occupation_key"],
                condition=models.Q(status__in=["pending", "approved"]),
                name="declaration_live_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.union} · {self.occupation}"

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        self.occupation_key = occupation_key(self.occupation)
        super().save(*args, **kwargs)


def occupation_key(name: str) -> str:
    """Occupation names compared with widths folded and spaces removed."""
    return org_key(name)
