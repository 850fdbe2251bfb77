"""The registries the rules read: members (会员库), HR certificates (证书库), past rosters.

Personal numbers are encrypted; ``*_hash`` columns are their blind indexes, used for every
look-up and duplicate check. ``row_digest`` is a keyed hash of the imported row, so that
re-importing the same file can tell "unchanged" without decrypting anything.
"""

from __future__ import annotations

from django.db import models

from rewards.core.fields import EncryptedTextField
from rewards.core.vocab import Issuer, Level
from rewards.organisations.models import Organisation


class Member(models.Model):
    """A trade-union member of the member registry (实名认证会员)."""

    id_hash = models.CharField(max_length=64, unique=True)
    id_number = EncryptedTextField("身份证号码")
    name = models.CharField("姓名", max_length=40)
    phone_hash = models.CharField(max_length=64, db_index=True, blank=True)
    phone = EncryptedTextField("手机号码", blank=True)
    union = models.ForeignKey(Organisation, verbose_name="所属区县市（产业）工会", on_delete=models.PROTECT, related_name="members")
    grassroots_union = models.ForeignKey(
        Organisation, verbose_name="基层工会", null=True, blank=True, on_delete=models.PROTECT, related_name="grassroots_members"
    )
    employer = models.CharField("工作单位", max_length=200, blank=True)
    verified = models.BooleanField("已实名认证", default=False)
    row_digest = models.CharField(max_length=64, editable=False)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "会员"
        verbose_name_plural = "会员库"

    def __str__(self) -> str:
        return self.name


class Certificate(models.Model):
    """A certificate of the HR department's registry (人社部门证书库)."""

    certificate_no = models.CharField("证书编号", max_length=60, unique=True)
    id_hash = models.CharField(max_length=64, db_index=True)
    id_number = EncryptedTextField("身份证号码")
    name = models.CharField("姓名", max_length=40)
    occupation = models.CharField("职业（工种）", max_length=100)
    level = models.CharField("技能等级", max_length=30, choices=Level.choices)
    issue_date = models.DateField("发证时间")
    issuer = models.CharField("发证机关", max_length=30, choices=Issuer.choices)
    row_digest = models.CharField(max_length=64, editable=False)

    class Meta:
        verbose_name = "证书"
        verbose_name_plural = "证书库"

    def __str__(self) -> str:
        return self.certificate_no


class AwardStatus(models.TextChoices):
    APPLIED = "applied", "已申请"
    PAID = "paid", "已发放"


class PastAward(models.Model):
    """One line of a past campaign's roster (imported; the make-up window reads it)."""

    year = models.PositiveSmallIntegerField("年度", db_index=True)
    id_hash = models.CharField(max_length=64)
    id_number = EncryptedTextField("身份证号码")
    name = models.CharField("姓名", max_length=40)
    level = models.CharField("技能等级", max_length=30, choices=Level.choices)
    amount = models.DecimalField("金额（元）", max_digits=10, decimal_places=2)
    status = models.CharField("状态", max_length=10, choices=AwardStatus.choices)
    row_digest = models.CharField(max_length=64, editable=False)

    class Meta:
        verbose_name = "往年名单"
        verbose_name_plural = "往年名单"
        constraints = [models.UniqueConstraint(fields=["year", "id_hash"], name="past_award_once_per_year")]

    def __str__(self) -> str:
        return f"{self.year} {self.name}"


class ImportKind(models.TextChoices):
    MEMBERS = "members", "会员库"
    CERTIFICATES = "certificates", "证书库"
    AWARDS = "awards", "往年名单"


class ImportRun(models.Model):
    """One run of an importer: what it read and what it did."""

    kind = models.CharField("导入类型", max_length=20, choices=ImportKind.choices)
    year = models.PositiveSmallIntegerField("年度", null=True, blank=True)
    file_name = models.CharField("文件名", max_length=255)
    file_sha256 = models.CharField(max_length=64)
    started_at = models.DateTimeField("开始时间")
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    total = models.PositiveIntegerField("行数", default=0)
    created = models.PositiveIntegerField("新增", default=0)
    updated = models.PositiveIntegerField("更新", default=0)
    unchanged = models.PositiveIntegerField("未变化", default=0)
    rejected = models.PositiveIntegerField("拒绝", default=0)

    class Meta:
        verbose_name = "导入记录"
        verbose_name_plural = "导入记录"
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.file_name}"
