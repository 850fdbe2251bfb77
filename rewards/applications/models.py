"""An application (申请表, Annex 3) and its history."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from rewards.campaigns.models import Campaign
from rewards.core.fields import EncryptedTextField, MaskedTextField
from rewards.core.vocab import Channel, Gender, Issuer, Level, Status
from rewards.organisations.models import Organisation


class Application(models.Model):
    application_no = models.CharField("申请编号", max_length=20, unique=True)
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="applications", verbose_name="年度", db_index=False)
    channel = models.CharField("申报方式", max_length=10, choices=Channel.choices)
    status = models.CharField("状态", max_length=20, choices=Status.choices)

    # Annex 3 fields
    name = models.CharField("姓名", max_length=40)
    id_hash = models.CharField(max_length=64)  # indexed by app_person (with the campaign)
    id_number = EncryptedTextField("身份证号码")
    gender = models.CharField("性别", max_length=10, choices=Gender.choices)
    birth_date = models.DateField("出生日期")
    education = models.CharField("学历", max_length=40, blank=True)
    occupation = models.CharField("申报奖励工种", max_length=100)
    previous_level = models.CharField("原有最高技能等级", max_length=30, choices=Level.choices, blank=True)
    previous_level_date = models.DateField("原有技能等级取得时间", null=True, blank=True)
    new_level = models.CharField("现晋升的技能等级", max_length=30, choices=Level.choices)
    certificate_no = models.CharField("等级证书编号", max_length=60)  # indexed by app_certificate
    certificate_issue_date = models.DateField("发证时间")
    issuer = models.CharField("发证机关", max_length=30, choices=Issuer.choices)
    phone_hash = models.CharField(max_length=64)
    phone = EncryptedTextField("手机号码")
    bank_card_hash = models.CharField(max_length=64)
    bank_card_no = EncryptedTextField("银行卡号")
    bank_branch = models.CharField("银行卡开户行", max_length=100)
    employer = models.CharField("工作单位", max_length=200)
    is_migrant = models.BooleanField("是否外来务工人员", default=False)
    hukou_place = models.CharField("户籍地", max_length=100, blank=True)
    years_in_hangzhou = models.PositiveSmallIntegerField("来杭年限", null=True, blank=True)

    union = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="applications", verbose_name="所属区县市（产业）工会", db_index=False
    )
    grassroots_union = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="基层工会"
    )
    #: The grassroots union that entered a batch row (returns go back to it).
    submitting_org = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="填报单位",
        db_index=False,  # app_submitter_scope starts with it
    )
    amount = models.DecimalField("奖励金额（元）", max_digits=10, decimal_places=2, null=True, blank=True)
    is_makeup = models.BooleanField("补申报", default=False)
    checks = models.JSONField("资格审核结果", default=list)
    query_password_hash = models.CharField(max_length=64, blank=True)
    has_decision = models.BooleanField("已有审核决定", default=False)
    #: When the fraud and error signals were last worked out (None: not yet, after a submission).
    signals_at = models.DateTimeField("风险信号核查时间", null=True, blank=True)
    returned_at = models.DateTimeField("退回时间", null=True, blank=True)
    #: The business date of the return: the resubmission grace counts from it (APP_TODAY aware).
    returned_on = models.DateField("退回日期", null=True, blank=True)
    submitted_at = models.DateTimeField("提交时间")
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    #: When the retention period ended and the personal data was anonymised (``purge_expired``).
    purged_at = models.DateTimeField("个人信息清除时间", null=True, blank=True)

    class Meta:
        verbose_name = "奖励申请"
        verbose_name_plural = "奖励申请"
        ordering = ["-submitted_at"]
        constraints = [
            # 仅限一次: one live application per person and campaign (withdrawn ones free the place).
            models.UniqueConstraint(
                fields=["campaign", "id_hash"], condition=~Q(status=Status.WITHDRAWN), name="one_live_application_per_person"
            ),
            models.CheckConstraint(condition=Q(amount__isnull=True) | Q(amount__gt=0), name="application_amount_positive"),
        ]
        # Every index is written by every submission (20 indexes cost a third of a submission's
        # time on SQLite): the single-column indexes of campaign, union, status, mobile and card
        # are left out because a composite index below starts with the same column.
        indexes = [
            # 工作进度 (rewards/reports/progress.py): the Annex 1 figures (counts and paid sums by
            # status and union) read this index alone, in its order (1 000 000 applications: the
            # city's figures 5.8 s → 0.4 s on SQLite, make bench). It starts with (campaign,
            # status), the index it replaced, which serves what that one did.
            models.Index(fields=["campaign", "status", "union", "amount"], name="app_progress"),
            models.Index(fields=["union", "status"]),
            # The submission's reads of one campaign by person, card, certificate and mobile
            # (eligibility history, signals). With only the single-column indexes, SQLite
            # (no ANALYZE statistics) chose the campaign_id index and read every application
            # of the campaign: 60-130 ms per query at 100 000 applications (make bench).
            # A person's and a certificate's applications are also read across campaigns (my
            # applications, the status query, earlier awards): those two indexes start with
            # the person or the certificate and serve both reads, one index each instead of two.
            models.Index(fields=["id_hash", "campaign"], name="app_person"),
            models.Index(fields=["campaign", "bank_card_hash"], name="app_campaign_card"),
            models.Index(fields=["certificate_no", "campaign"], name="app_certificate"),
            models.Index(fields=["campaign", "phone_hash"], name="app_campaign_phone"),
            # The review queue (rewards/review/selectors.py): the counts per status of the
            # caller's subtree read this index alone instead of every row (150 → 20 ms at
            # 100 000 applications), and a page of one status, or of all, in submission order
            # stops after its 50 rows instead of sorting the whole status (65-200 → 1-2 ms).
            models.Index(fields=["status", "union", "submitting_org"], name="app_status_scope"),
            # The other part of a district's counts, what its units submitted for a union outside
            # it (decision 263), read from this index alone; it replaces the foreign key's own.
            models.Index(fields=["submitting_org", "union", "status"], name="app_submitter_scope"),
            models.Index(fields=["status", "submitted_at"], name="app_status_submitted"),
            models.Index(fields=["submitted_at"], name="app_submitted"),
        ]

    def __str__(self) -> str:
        return self.application_no


class ApplicationEvent(models.Model):
    """One step in an application's history: submission, each review decision, resubmission…"""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="events", verbose_name="申请")
    at = models.DateTimeField("时间")
    stage = models.CharField("环节", max_length=30)
    decision = models.CharField("决定", max_length=20, blank=True)
    opinion = MaskedTextField("意见", blank=True)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    actor = models.ForeignKey(
        "organisations.StaffUser", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="操作人"
    )
    organisation = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    #: A return's materials to upload again (``AttachmentKind`` values, in the form's order);
    #: NULL on every other step. Nullable, without a database default: the payment steps are
    #: written with plain SQL that names its columns (rewards/payments/results.py).
    materials = models.JSONField("需重新上传的材料", null=True, blank=True)

    class Meta:
        verbose_name = "申请历程"
        verbose_name_plural = "申请历程"
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.stage} {self.decision}"


class AttachmentKind(models.TextChoices):
    ID_CARD = "id_card", "身份证（正反面）"
    CERTIFICATE = "certificate", "等级证书"
    BANK_CARD = "bank_card", "银行卡"


class Processing(models.TextChoices):
    """What the background task made of an uploaded material (SECURITY.md 13)."""

    PENDING = "pending", "待处理"
    REENCODED = "reencoded", "已重新编码（元数据已去除）"
    ORIGINAL = "original", "PDF，保留原件"
    UNREADABLE = "unreadable", "图片无法完整读取"


class Attachment(models.Model):
    """A scanned material, stored under a random name outside any public URL."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="attachments", verbose_name="申请")
    kind = models.CharField("材料", max_length=20, choices=AttachmentKind.choices)
    storage_name = models.CharField(max_length=200, unique=True)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField("大小（字节）")
    sha256 = models.CharField(max_length=64)
    current = models.BooleanField("当前有效", default=True)
    uploaded_at = models.DateTimeField("上传时间")
    #: The file was deleted when the retention period ended (``purge_expired``); the row stays.
    purged_at = models.DateTimeField("文件清除时间", null=True, blank=True)
    #: Images are decoded and written again without their metadata (EXIF: place, device, time)
    #: by a background task after the upload commits; until then the original is served.
    processing = models.CharField("处理", max_length=20, choices=Processing.choices, default=Processing.PENDING)

    class Meta:
        verbose_name = "申请材料"
        verbose_name_plural = "申请材料"
        constraints = [
            models.UniqueConstraint(fields=["application", "kind"], condition=Q(current=True), name="one_current_attachment_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.application_id} {self.get_kind_display()}"


class FlagCode(models.TextChoices):
    """Fraud and error signals of DOMAIN.md §4 (避免漏报、多报、瞒报、虚报)."""

    CARD_SHARED = "card_shared", "银行卡号与他人申请相同"
    CERTIFICATE_SHARED = "certificate_shared", "证书编号与他人申请相同"
    NOT_IN_REGISTRY = "not_in_registry", "人社证书库中查无此证书"
    REGISTRY_MISMATCH = "registry_mismatch", "与人社证书库记录不符"
    NO_REAL_PROMOTION = "no_real_promotion", "证书库已有同级或更高等级的更早证书"
    PHONE_SHARED = "phone_shared", "手机号码用于多份申请"
    UNDER_16 = "under_16", "发证时未满16周岁"
    BANK_CHANGED = "bank_changed", "审核通过后更改了银行卡"


HARD_FLAGS = frozenset(
    {FlagCode.CARD_SHARED, FlagCode.CERTIFICATE_SHARED, FlagCode.NOT_IN_REGISTRY, FlagCode.REGISTRY_MISMATCH, FlagCode.NO_REAL_PROMOTION}
)


class Flag(models.Model):
    """A signal shown to every reviewer; a hard one blocks final approval until resolved with a note."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="flags", verbose_name="申请")
    code = models.CharField("信号", max_length=30, choices=FlagCode.choices)
    hard = models.BooleanField("须处理后方可终审", default=False)
    message = models.CharField("说明", max_length=300)
    raised_at = models.DateTimeField("发现时间")
    resolved_at = models.DateTimeField("处理时间", null=True, blank=True)
    resolved_by = models.ForeignKey(
        "organisations.StaffUser", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="处理人"
    )
    resolution_note = MaskedTextField("处理说明", blank=True)

    class Meta:
        verbose_name = "风险信号"
        verbose_name_plural = "风险信号"
        constraints = [models.UniqueConstraint(fields=["application", "code"], name="one_flag_per_code")]

    def __str__(self) -> str:
        return f"{self.application_id} {self.code}"


class ApplicationCounter(models.Model):
    """The last application number given out in a campaign (locked while numbering)."""

    campaign = models.OneToOneField(Campaign, on_delete=models.CASCADE, primary_key=True, related_name="+")
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "申请编号计数器"
        verbose_name_plural = "申请编号计数器"

    def __str__(self) -> str:
        return f"{self.campaign_id}:{self.last}"
