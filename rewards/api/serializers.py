"""Request and response shapes for the schema (views validate through the domain's own field checks)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import inline_serializer
from rest_framework import serializers

from rewards.applications.models import AttachmentKind
from rewards.core.vocab import Gender, Issuer, Level

# A field named like an attribute every serializer has (``fields``, ``errors``, ``label``) is
# declared through ``inline_serializer``: DRF's metaclass takes declared fields off the class,
# which a type checker cannot tell from overriding the attribute. The components keep their names.


class ErrorCheckSerializer(serializers.Serializer):
    rule = serializers.CharField()
    passed = serializers.BooleanField()
    message = serializers.CharField()


class ErrorSerializer(serializers.Serializer):
    error = inline_serializer(
        "ErrorDetail",
        {
            "code": serializers.CharField(),
            "message": serializers.CharField(),
            "fields": serializers.DictField(
                child=serializers.ListField(child=serializers.CharField()), required=False, help_text="字段 → 该字段的问题（400）"
            ),
            "checks": ErrorCheckSerializer(
                many=True, required=False, help_text="每条规则的结果：422 ineligible、409 already_pending / already_awarded 时给出"
            ),
            "reasons": serializers.ListField(
                child=serializers.CharField(), required=False, help_text="银行结果文件被整体拒绝（400 invalid_result_file）时逐行的原因"
            ),
        },
    )


class HealthSerializer(serializers.Serializer):
    status = serializers.CharField()
    database = serializers.CharField(required=False)
    storage = serializers.CharField(required=False)


class CampaignSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    title = serializers.CharField()
    opens_on = serializers.DateField()
    application_deadline = serializers.DateField()
    declaration_deadline = serializers.DateField(allow_null=True)
    resubmission_grace_days = serializers.IntegerField()
    levels = inline_serializer(
        "Level",
        {
            "code": serializers.CharField(),
            "label": serializers.CharField(),
            "amount": serializers.DecimalField(max_digits=10, decimal_places=2),
        },
        many=True,
    )
    windows = serializers.DictField()
    issuers = serializers.DictField()
    today = serializers.DateField()


class Annex3Serializer(serializers.Serializer):
    """申请表（附件3）字段。"""

    name = serializers.CharField(help_text="姓名")
    id_number = serializers.CharField(help_text="身份证号码（18位）")
    gender = serializers.ChoiceField(choices=Gender.choices, required=False, help_text="性别；不填时按身份证号码推定")
    education = serializers.CharField(required=False, help_text="学历")
    occupation = serializers.CharField(help_text="申报奖励工种")
    previous_level = serializers.ChoiceField(choices=Level.choices, required=False, help_text="原有最高技能等级")
    previous_level_date = serializers.DateField(required=False, help_text="原有技能等级取得时间")
    new_level = serializers.ChoiceField(choices=Level.choices, help_text="现晋升的技能等级")
    certificate_no = serializers.CharField(required=False, help_text="等级证书编号")
    certificate_issue_date = serializers.DateField(help_text="发证时间")
    issuer = serializers.ChoiceField(choices=Issuer.choices, help_text="发证机关")
    phone = serializers.CharField(required=False, help_text="手机号码")
    bank_card_no = serializers.CharField(required=False, help_text="银行卡号")
    bank_branch = serializers.CharField(required=False, help_text="银行卡开户行（写到支行）")
    employer = serializers.CharField(required=False, help_text="工作单位")
    is_migrant = serializers.BooleanField(required=False, help_text="是否外来务工人员")
    hukou_place = serializers.CharField(required=False, help_text="户籍地")
    years_in_hangzhou = serializers.IntegerField(required=False, help_text="来杭年限")
    union = serializers.CharField(required=False, help_text="所属区县市（产业）工会；填写时须与会员库一致")


class CheckSerializer(serializers.Serializer):
    rule = serializers.CharField()
    passed = serializers.BooleanField()
    message = serializers.CharField()
    judged = serializers.BooleanField(required=False, help_text="资格自测：false 表示须先核对会员信息、本项未作判断（passed 同为 false）")


class EligibilityResultSerializer(serializers.Serializer):
    eligible = serializers.BooleanField()
    amount = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)
    is_makeup = serializers.BooleanField()
    checks = CheckSerializer(many=True)


class HistorySerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    stage = serializers.CharField()
    decision = serializers.CharField()
    opinion = serializers.CharField()
    opinion_label = serializers.CharField(help_text="opinion 的称呼：审核意见为“意见”，银行说明的发放失败、退汇原因为“原因”")
    materials = serializers.ListField(child=serializers.ChoiceField(choices=AttachmentKind.choices), help_text="退回时要求重新上传的材料")
    materials_label = serializers.CharField(help_text="同上，中文，如“身份证、银行卡”；没有时为空")


class StatusSerializer(serializers.Serializer):
    application_no = serializers.CharField()
    year = serializers.IntegerField()
    channel = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    amount = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)
    amount_fixed = serializers.BooleanField()
    can_resubmit = serializers.BooleanField()
    can_withdraw = serializers.BooleanField()
    next_step = serializers.CharField()
    materials_again = serializers.ListField(
        child=serializers.ChoiceField(choices=AttachmentKind.choices),
        help_text="退回修改中：最近一次退回要求重新上传的材料（重新提交时必须附上）",
    )
    history = HistorySerializer(many=True)


class SubmissionSerializer(Annex3Serializer):
    """A new application: every field the server requires (eligibility.fields.SUBMISSION_FIELDS)
    marked required; 手机号码 may be left out (the mobile on file in the member registry)."""

    education = serializers.CharField(help_text="学历")
    certificate_no = serializers.CharField(help_text="等级证书编号")
    bank_card_no = serializers.CharField(help_text="银行卡号")
    bank_branch = serializers.CharField(help_text="银行卡开户行（写到支行）")
    employer = serializers.CharField(help_text="工作单位")
    phone = serializers.CharField(required=False, help_text="手机号码；不填时使用会员库登记的手机号")
    id_card_file = serializers.FileField(help_text="身份证正反面（同一张图片），JPEG/PNG/PDF，不超过 5 MB")
    certificate_file = serializers.FileField(help_text="等级证书")
    bank_card_file = serializers.FileField(help_text="银行卡")


class ResubmissionSerializer(SubmissionSerializer):
    """A correction or resubmission: only what changes (fields and files); the rest stays. The ID
    number is the application's own and cannot be corrected."""

    id_number = None  # type: ignore[assignment]  # DRF: None removes an inherited field

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False


class SubmittedSerializer(serializers.Serializer):
    application_no = serializers.CharField()
    query_password = serializers.CharField(help_text="查询密码，仅显示这一次")
    status = serializers.CharField()
    amount = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)


class QueueRowSerializer(serializers.Serializer):
    application_no = serializers.CharField()
    name = serializers.CharField()
    id_number = serializers.CharField(help_text="已脱敏")
    status = serializers.CharField()
    status_label = serializers.CharField()
    channel = serializers.CharField()
    union = serializers.CharField()
    new_level = serializers.CharField()
    amount = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)
    submitted_at = serializers.DateTimeField()
    flags = serializers.ListField(child=serializers.CharField())


class QueueSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    page = serializers.IntegerField()
    page_size = serializers.IntegerField()
    counts = serializers.DictField(child=serializers.IntegerField())
    results = QueueRowSerializer(many=True)


FLAG_OUT: dict[str, serializers.Field] = {
    "code": serializers.CharField(),
    "label": serializers.CharField(),
    "hard": serializers.BooleanField(help_text="须处理后方可终审"),
    "message": serializers.CharField(
        help_text="说明；与他人共用银行卡号或证书编号时列出对方的申请编号，调用者管辖范围以外的只说份数（“另有其他单位的申请 1 份”）"
    ),
    "resolved": serializers.BooleanField(),
    "resolved_at": serializers.DateTimeField(allow_null=True),
    "resolved_by": serializers.CharField(allow_null=True),
    "resolution_note": serializers.CharField(help_text="处理说明；其中调用者管辖范围以外的申请编号读作“其他单位的申请”"),
}

ATTACHMENT_OUT: dict[str, serializers.Field] = {
    "id": serializers.IntegerField(),
    "kind": serializers.CharField(),
    "label": serializers.CharField(),
    "content_type": serializers.CharField(),
    "size": serializers.IntegerField(),
    "processing": serializers.CharField(),
    "file_state": serializers.ChoiceField(
        choices=["available", "missing", "purged"],
        help_text="available 可查看；purged 保存期满已依规销毁（见 purged_at）；missing 记录在而文件缺失（请系统管理员从备份找回）",
    ),
    "purged_at": serializers.DateTimeField(allow_null=True, help_text="保存期满后文件被销毁的时间；未销毁时为空"),
    "url": serializers.CharField(help_text="须带令牌访问；仅管辖范围内的审核人员"),
}


class DetailSerializer(serializers.Serializer):
    """One application in full (numbers in full for reviewers in scope, masked for other roles)."""

    application_no = serializers.CharField()
    year = serializers.IntegerField()
    channel = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    union = serializers.CharField()
    grassroots_union = serializers.CharField(allow_null=True)
    name = serializers.CharField()
    gender = serializers.CharField()
    birth_date = serializers.DateField(allow_null=True, help_text="出生日期；号码打码显示时为空（出生日期即身份证号码中间八位）")
    id_number = serializers.CharField()
    education = serializers.CharField()
    occupation = serializers.CharField()
    previous_level = serializers.CharField(allow_null=True)
    previous_level_date = serializers.DateField(allow_null=True)
    new_level = serializers.CharField()
    certificate_no = serializers.CharField()
    certificate_issue_date = serializers.DateField()
    issuer = serializers.CharField()
    phone = serializers.CharField()
    bank_card_no = serializers.CharField()
    bank_branch = serializers.CharField()
    employer = serializers.CharField()
    is_migrant = serializers.BooleanField()
    hukou_place = serializers.CharField()
    years_in_hangzhou = serializers.IntegerField(allow_null=True)
    amount = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)
    is_makeup = serializers.BooleanField()
    checks = CheckSerializer(
        many=True, help_text="提交时保存的资格审核结果，说的是该职工；调用者管辖范围以外的申请不给编号，读作“其他单位的申请”"
    )
    flags = inline_serializer("FlagOut", FLAG_OUT, many=True)
    history = HistorySerializer(many=True)
    attachments = inline_serializer("AttachmentOut", ATTACHMENT_OUT, many=True)


class BatchResultSerializer(serializers.Serializer):
    accepted = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    rejected = inline_serializer(
        "BatchRejectedRow",
        {"row": serializers.IntegerField(help_text="工作表中的行号"), "errors": serializers.ListField(child=serializers.CharField())},
        many=True,
    )
    applications = serializers.ListField(child=serializers.DictField())
    notes = serializers.ListField(child=serializers.CharField())
