"""The worker's forms. They only render the fields and keep what was typed: every check is
the domain's own (``clean_annex3`` and the rules), whose Chinese messages are put back next to
the fields with :meth:`WorkerForm.add_domain_errors`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django import forms

from rewards.applications.materials import FIELD_FOR_KIND
from rewards.applications.services import ASKED_AGAIN, LOST_FILE
from rewards.core import clock
from rewards.core.vocab import Issuer, Level

FILE_FIELDS = tuple(FIELD_FOR_KIND.values())


def _material(label: str, *, help_text: str = "") -> forms.FileField:
    """A material's field: it only carries the file. An empty one is the domain's to say (in
    its own words, once), not Django's "提交的是空文件。" beside it."""
    return forms.FileField(
        label=label,
        required=False,
        allow_empty_file=True,
        help_text=help_text,
        widget=forms.FileInput(attrs={"accept": FILE_ACCEPT, "data-preview": "1"}),
    )


FILE_ACCEPT = "image/jpeg,image/png,application/pdf"
EDUCATION_SUGGESTIONS = ("初中及以下", "高中", "中专", "技校", "大专", "本科", "硕士研究生", "博士研究生")
BANK_BRANCH_HINT = "写到支行，例如“中国工商银行杭州西湖支行”（××银行××支行，也可以是分行、营业部、分理处、营业所或储蓄所；农村信用社写到信用社或分社）。须为本人名下的银行卡。"


def _text(label: str, *, required: bool = True, help_text: str = "", **attrs: Any) -> forms.CharField:
    if required:
        attrs["required"] = True
    return forms.CharField(label=label, required=False, help_text=help_text, widget=forms.TextInput(attrs=attrs))


def _date(label: str, *, required: bool = True, help_text: str = "") -> forms.CharField:
    attrs: dict[str, Any] = {"type": "date", "min": "1950-01-01"}
    if required:
        attrs["required"] = True
    return forms.CharField(label=label, required=False, help_text=help_text, widget=forms.DateInput(attrs=attrs))


def _select(label: str, choices: list[tuple[str, str]], *, required: bool = True, help_text: str = "") -> forms.CharField:
    attrs = {"required": True} if required else {}
    return forms.CharField(label=label, required=False, help_text=help_text, widget=forms.Select(choices=choices, attrs=attrs))


def level_choices(*, blank: str = "请选择") -> list[tuple[str, str]]:
    """Highest first, as a worker reads a certificate."""
    return [("", blank)] + [(code, str(label)) for code, label in reversed(Level.choices)]


def issuer_choices() -> list[tuple[str, str]]:
    return [("", "请选择")] + [(code, str(label)) for code, label in Issuer.choices]


class WorkerForm(forms.Form):
    """Every field is optional to Django: the domain says what is missing, in its own words."""

    error_css_class = "has-error"
    #: Domain field names that this form shows elsewhere (read-only), mapped to a sentence prefix.
    shown_elsewhere: dict[str, str] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A date box offers no day after the business date (a certificate or a level from the
        # future is refused anyway). ``DateInput`` keeps ``type`` as its ``input_type``, not in
        # ``attrs``, where this once looked, so no box ever had its ``max``.
        today = clock.today().isoformat()
        for field in self.fields.values():
            if getattr(field.widget, "input_type", None) == "date":
                field.widget.attrs["max"] = today

    def add_domain_errors(self, errors: dict[str, list[str]]) -> None:
        if not hasattr(self, "cleaned_data"):
            self.is_valid()
        for name, messages in errors.items():
            target = name if name in self.fields else None
            for message in messages:
                text = message if target else self.shown_elsewhere.get(name, "") + message
                self.add_error(target, text)
            if target:
                self.fields[target].widget.attrs["aria-invalid"] = "true"

    def values(self) -> dict[str, str]:
        """What was typed, as the domain reads it (files excluded)."""
        return {name: str(self.data.get(name, "") or "").strip() for name in self.fields if name not in FILE_FIELDS}


class CheckForm(WorkerForm):
    """资格自测: only the fields the rules read."""

    shown_elsewhere = {}

    name = _text("姓名", autocomplete="name", maxlength=40)
    id_number = _text(
        "身份证号码", help_text="18位，最后一位可以是X。", autocomplete="off", maxlength=24, inputmode="text", autocapitalize="characters"
    )
    new_level = _select("现晋升的技能等级", level_choices())
    certificate_issue_date = _date("发证时间", help_text="见证书上的发证日期。")
    issuer = _select("发证机关", issuer_choices(), help_text="见证书上的盖章单位。")
    occupation = _text("职业（工种）", help_text="与证书上一致，例如“车工”“电工”。", maxlength=100)
    previous_level = _select("原有最高技能等级（没有可不选）", level_choices(blank="无（首次取得技能等级证书）"), required=False)
    previous_level_date = _date("原有技能等级取得时间（没有可不填）", required=False)


class SigninForm(WorkerForm):
    id_number = _text("身份证号码", help_text="18位，最后一位可以是X。", autocomplete="off", maxlength=24, autocapitalize="characters")
    name = _text("姓名", help_text="与工会会员实名认证时的姓名一致。", autocomplete="name", maxlength=40)


class CodeForm(WorkerForm):
    code = _text(
        "短信验证码",
        help_text="6位数字，10分钟内有效。",
        autocomplete="one-time-code",
        inputmode="numeric",
        pattern="[0-9]{6}",
        maxlength=6,
        autofocus=True,
    )


class StatusForm(WorkerForm):
    id_number = _text("身份证号码", autocomplete="off", maxlength=24, autocapitalize="characters")
    query_password = _text(
        "查询密码",
        help_text="提交申请时页面显示的10位字母和数字。忘记了？请登录后在“我的申请”中重新生成。",
        autocomplete="off",
        autocapitalize="characters",
        spellcheck="false",
        maxlength=20,
    )


class ApplyForm(WorkerForm):
    """附件3 申请表. Name, ID number, gender, birth date and union come from the sign-in and the
    member registry and are shown read-only; the rest is typed here."""

    shown_elsewhere = {
        "name": "姓名：",
        "id_number": "身份证号码：",
        "gender": "性别：",
        "union": "所属工会：",
    }

    education = _text("学历", maxlength=40, list="education-options", help_text="例如 高中、中专、大专、本科。")
    employer = _text("工作单位", maxlength=200, autocomplete="organization", help_text="已按会员库填好，如有变动可修改。")
    phone = _text("手机号码", required=False, inputmode="tel", autocomplete="tel", maxlength=13, help_text="用于接收审核结果短信。")
    occupation = _text("申报奖励工种", maxlength=100, help_text="与证书上的职业（工种）一致，例如“车工”。")
    new_level = _select("现晋升的技能等级", level_choices())
    certificate_no = _text("等级证书编号", maxlength=60, autocapitalize="characters", spellcheck="false")
    certificate_issue_date = _date("发证时间")
    issuer = _select("发证机关", issuer_choices())
    previous_level = _select("原有最高技能等级（没有可不选）", level_choices(blank="无（首次取得技能等级证书）"), required=False)
    previous_level_date = _date("原有技能等级取得时间（没有可不填）", required=False)
    bank_card_no = _text("银行卡号", inputmode="numeric", autocomplete="off", maxlength=23, help_text="16至19位，须为本人名下的银行卡。")
    bank_branch = _text("银行卡开户行", maxlength=100, placeholder="××银行××支行", help_text=BANK_BRANCH_HINT)
    is_migrant = forms.CharField(
        label="是否外来务工人员",
        required=False,
        widget=forms.RadioSelect(choices=[("否", "否"), ("是", "是")], attrs={"data-migrant": "1"}),
    )
    hukou_place = _text("户籍地", required=False, maxlength=100, help_text="外来务工人员必填，例如“安徽省阜阳市”。")
    years_in_hangzhou = _text("来杭年限（年）", required=False, inputmode="numeric", maxlength=3, help_text="外来务工人员必填，整数。")
    id_card_file = _material("身份证正反面（拍在一张照片上）")
    certificate_file = _material("技能等级证书")
    bank_card_file = _material("银行卡（卡号一面）")

    def __init__(
        self,
        *args: Any,
        amounts: dict[str, Decimal] | None = None,
        editing: bool = False,
        phone_on_file: str = "",
        card_tail: str = "",
        again: Iterable[str] = (),
        lost: Iterable[str] = (),
        **kwargs: Any,
    ):
        """``again``: the file fields a return asked to upload again, required on this page (the
        script says so before sending; the service refuses a resubmission without them); ``lost``:
        those whose stored file is gone, likewise."""
        super().__init__(*args, **kwargs)
        self.editing = editing
        if amounts:
            # Only the levels this campaign rewards, each with its amount.
            self.fields["new_level"].widget.choices = [("", "请选择")] + [
                (code, f"{label}（奖励{amounts[code]:.0f}元）") for code, label in reversed(Level.choices) if code in amounts
            ]
        for name in FILE_FIELDS:
            widget = self.fields[name].widget
            if not editing:
                widget.attrs["required"] = True
        for name in lost:  # the file storage lost: as required as a material a return named
            self.fields[name].widget.attrs.update({"required": True, "data-missing": LOST_FILE})
        for name in again:
            self.fields[name].widget.attrs.update({"required": True, "data-missing": ASKED_AGAIN})
        if editing:
            self.fields["phone"].help_text = f"现为 {phone_on_file}；不修改请留空。" if phone_on_file else "不修改请留空。"
            self.fields["bank_card_no"].widget.attrs.pop("required", None)
            if card_tail:
                self.fields["bank_card_no"].help_text = f"现为尾号 {card_tail} 的银行卡；不修改请留空。"
        elif phone_on_file:
            self.fields["phone"].help_text = f"留空则使用会员库登记的手机号 {phone_on_file}；审核结果会以短信通知。"

    def values(self) -> dict[str, str]:
        values = super().values()
        values["is_migrant"] = values.get("is_migrant") or "否"
        if values["is_migrant"] != "是":
            values["hukou_place"] = values["years_in_hangzhou"] = ""
        if self.editing:
            # Left empty: keep the number on file (never shown in full here).
            for name in ("phone", "bank_card_no"):
                if not values[name]:
                    values.pop(name)
        return values


class BankFixForm(WorkerForm):
    """After a failed payment only the bank card changes (no deadline)."""

    bank_card_no = _text(
        "更正后的银行卡号", inputmode="numeric", autocomplete="off", maxlength=23, help_text="16至19位，须为本人名下的银行卡。"
    )
    bank_branch = _text("银行卡开户行", maxlength=100, placeholder="××银行××支行", help_text=BANK_BRANCH_HINT)
    bank_card_file = _material("银行卡照片（卡号一面）", help_text="换了银行卡时请上传新卡的照片。")


def initial_from(application: Any) -> dict[str, Any]:
    """The edit form pre-filled from an application; phone and card number stay empty (masked in the hint)."""
    issue: dt.date = application.certificate_issue_date
    previous: dt.date | None = application.previous_level_date
    return {
        "education": application.education,
        "employer": application.employer,
        "occupation": application.occupation,
        "new_level": application.new_level,
        "certificate_no": application.certificate_no,
        "certificate_issue_date": issue.isoformat(),
        "issuer": application.issuer,
        "previous_level": application.previous_level,
        "previous_level_date": previous.isoformat() if previous else "",
        "bank_branch": application.bank_branch,
        "is_migrant": "是" if application.is_migrant else "否",
        "hukou_place": application.hukou_place,
        "years_in_hangzhou": "" if application.years_in_hangzhou is None else str(application.years_in_hangzhou),
    }
