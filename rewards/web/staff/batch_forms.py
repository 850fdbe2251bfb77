"""Forms of the batch pages (单位统一申报): a paper Annex 3 entered by the clerk, and the
correction of a returned batch application. They reuse the worker's Annex 3 form (the same
fields, labels and hints) and, like it, only keep what was typed: every check is the domain's."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rewards.applications.models import Application
from rewards.applications.selectors import materials_label, requested_again
from rewards.applications.services import current_values, missing_again
from rewards.campaigns.selectors import level_amounts
from rewards.core.vocab import Channel, Gender, Status
from rewards.organisations.models import Role, StaffUser
from rewards.web.worker.forms import EDUCATION_SUGGESTIONS, FILE_FIELDS, ApplyForm, _select, _text

MATERIALS_OPTIONAL = "可不上传：纸质材料随汇总表（附件4）报送。"
#: Under a file field of a resubmission that the clerk may leave empty.
KEEPS_ORIGINAL = "不重新选择的，保留原来的材料。"
#: Under one that must come again: the return asked for it, or storage has lost the file.
NEEDED_AGAIN = "须重新选择文件：原来的材料不再使用。"


class EntryForm(ApplyForm):
    """附件3 from paper: the worker's identity is typed too (name, ID number, gender)."""

    shown_elsewhere = {"union": "所属工会："}
    #: File fields that must bring a file (a resubmission's materials asked for again); the
    #: materials' heading says 可不上传 only when there is none.
    files_needed: tuple[str, ...] = ()
    education_options = EDUCATION_SUGGESTIONS
    #: The order of the paper form (and so of the error summary).
    field_order = [
        "name",
        "id_number",
        "gender",
        "education",
        "phone",
        "employer",
        "occupation",
        "new_level",
        "certificate_no",
        "certificate_issue_date",
        "issuer",
        "previous_level",
        "previous_level_date",
        "bank_card_no",
        "bank_branch",
        "is_migrant",
        "hukou_place",
        "years_in_hangzhou",
        *FILE_FIELDS,
    ]

    name = _text("姓名", maxlength=40, autocomplete="off")
    id_number = _text(
        "身份证号码", help_text="18位，最后一位可以是X。", autocomplete="off", maxlength=24, autocapitalize="characters", spellcheck="false"
    )
    gender = _select("性别", [("", "按身份证号码自动判断"), *((code, str(label)) for code, label in Gender.choices)], required=False)

    def __init__(self, *args: Any, amounts: dict[str, Decimal] | None = None, employer: str = "", **kwargs: Any) -> None:
        super().__init__(*args, amounts=amounts, **kwargs)
        self.fields["phone"].widget.attrs["required"] = True
        self.fields["phone"].help_text = "职工本人手机：录入后以短信告知申请编号，审核结果也以短信通知。"
        self.fields["employer"].help_text = (
            f"须为“{employer}”：受奖励人员所在单位必须建立工会组织。" if employer else "须为本基层工会所在的单位。"
        )
        self.fields["bank_card_no"].help_text = "16至19位，须为职工本人名下的银行卡。"
        for name in FILE_FIELDS:
            self.fields[name].widget.attrs.pop("required", None)
            self.fields[name].help_text = MATERIALS_OPTIONAL


class ResubmitForm(EntryForm):
    """修改后重新提交: every field of the returned application, the ID number excepted."""

    return_opinion = ""
    #: 银行卡、身份证: the materials the return asked to upload again, beside its opinion.
    materials_again_label = ""
    id_number_shown = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["id_number"]
        for name in FILE_FIELDS:
            self.fields[name].help_text = KEEPS_ORIGINAL

    def values(self) -> dict[str, str]:
        values = super().values()
        values.pop("id_number", None)
        return values


def initial_of(application: Application) -> dict[str, Any]:
    """The form's starting values: the application as it stands (the ID number is not editable)."""
    values = current_values(application)
    values.pop("id_number", None)
    return values


def can_resubmit(user: StaffUser, application: Application) -> bool:
    """The submitting grassroots clerk corrects its returned batch application."""
    return (
        user.role == Role.GRASSROOTS_CLERK
        and application.channel == Channel.BATCH
        and application.status == Status.RETURNED
        and application.submitting_org_id == user.organisation_id
    )


def resubmit_form_for(user: StaffUser, application: Application, data: Any = None, files: Any = None) -> ResubmitForm | None:
    org = user.organisation
    if org is None or not can_resubmit(user, application):
        return None
    form = ResubmitForm(
        data,
        files,
        initial=initial_of(application),
        amounts=level_amounts(application.campaign),
        employer=org.employer or org.name.removesuffix("工会"),
    )
    form.id_number_shown = application.id_number  # the clerk sees it in full on the same page
    # A material the return asked for again (or whose file storage lost) is not kept if left
    # empty: the resubmission is refused without it, so its hint says so.
    form.files_needed = tuple(missing_again(application, {}))
    for name in form.files_needed:
        form.fields[name].help_text = NEEDED_AGAIN
        form.fields[name].widget.attrs["required"] = True
    form.materials_again_label = materials_label(requested_again(application))
    form.return_opinion = (
        application.events.filter(decision="return").order_by("-at", "-id").values_list("opinion", flat=True).first() or ""
    )
    return form


def resubmit_form_name(application_no: str) -> str:
    """The name a refused resubmission is kept under for the application's page (refusals.keep)."""
    return f"resubmit:{application_no}"
