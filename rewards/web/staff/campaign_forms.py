"""Forms of the 年度活动设置 pages. They only turn what was typed into typed values (dates,
numbers, issuer codes); every rule about a campaign is the service's
(``rewards.campaigns.setup``), whose refusals are shown on the fields they concern."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms

from rewards.campaigns.models import Campaign
from rewards.campaigns.setup import sms
from rewards.campaigns.setup.fields import AWARD_LEVELS, LEVEL_AMOUNTS, LOCKED_FIELDS, SETTING_FIELDS
from rewards.campaigns.setup.units import MAX_GUIDANCE, UnitRow
from rewards.core.vocab import Issuer, Level
from rewards.notifications.templates import DEFAULT_TEXTS, SmsTemplate


def _date(label: str, *, required: bool = True, help_text: str = "") -> forms.DateField:
    return forms.DateField(
        label=label, required=required, help_text=help_text, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )


def _number(label: str, *, min_value: int, max_value: int, required: bool = True, help_text: str = "") -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        required=required,
        min_value=min_value,
        max_value=max_value,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"class": "short"}),
    )


def _issuers(label: str, help_text: str) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label, required=False, choices=Issuer.choices, widget=forms.CheckboxSelectMultiple, help_text=help_text
    )


def amount_field(level: str) -> str:
    return f"amount_{level}"


class CampaignSettingsForm(forms.Form):
    """基本设置: the notice, its dates, the windows, the amounts and the issuers.

    The fields are declared in the order the page shows them (settings.html), which is the
    order of the error summary above the form."""

    title = forms.CharField(label="通知标题", max_length=200, widget=forms.TextInput(attrs={"class": "wide"}))
    document_no = forms.CharField(label="文号", max_length=60, required=False)
    opens_on = _date("发文日期（开始受理）", help_text="自这一天起受理申请。")
    application_deadline = _date("奖励申报截止日（含当日）", help_text="当天23:59:59前提交的申请均受理。")
    resubmission_grace_days = _number(
        "退回后补正期限（天）", min_value=0, max_value=90, help_text="申请被退回后，职工在这么多天内可修改后重新提交，即使已过申报截止日。"
    )
    main_window_start = _date("发证时间起")
    main_window_end = _date("发证时间止（含）")
    makeup_window_start = _date("补申报发证时间起", required=False)
    makeup_window_end = _date("补申报发证时间止（含）", required=False)
    previous_year = _number(
        "补申报所参照的上一年度", min_value=2000, max_value=2100, required=False, help_text="补申报须无该年度的申请和奖励记录。"
    )
    # The amounts (奖励标准) come here, added in ``__init__``.
    counted_issuers = _issuers("直接认可的发证机关", "这些发证机关核发的证书直接符合职业范围（人社部门）。")
    occupation_issuers = _issuers(
        "需经备案同意职业的发证机关", "这些发证机关的证书，仅当其职业为市总备案同意的该工会非通用性职业时才符合。"
    )
    declaration_limit = _number("每个工会可申报的非通用性职业数", min_value=0, max_value=20)
    declaration_deadline = _date("非通用性职业申报截止日（含当日）", required=False)

    def __init__(self, *args: Any, campaign: Campaign, amounts: dict[str, Any], locked: bool, readonly: bool, **kwargs: Any) -> None:
        initial = {name: getattr(campaign, name) for name in SETTING_FIELDS}
        initial.update({amount_field(level): amounts.get(level) for level in AWARD_LEVELS})
        kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        amounts_after = list(self.fields).index("previous_year") + 1
        declared = list(self.fields.items())
        self.fields = dict(declared[:amounts_after])
        for level in AWARD_LEVELS:
            self.fields[amount_field(level)] = forms.DecimalField(
                label=f"{Level(level).label}（元）",
                required=False,
                max_digits=10,
                decimal_places=2,
                widget=forms.NumberInput(attrs={"class": "short", "step": "0.01", "min": "0"}),
            )
        self.fields.update(declared[amounts_after:])
        self.locked_names = {name for name in LOCKED_FIELDS if name != LEVEL_AMOUNTS}
        if locked:
            self.locked_names |= {amount_field(level) for level in AWARD_LEVELS}
        for name, field in self.fields.items():
            # A disabled field keeps its initial value whatever is posted; the service checks again.
            if readonly or (locked and name in self.locked_names):
                field.disabled = True

    def values(self) -> dict[str, Any]:
        """What the service takes: the settings the form could read and the amounts it could
        (the whole table when the form is valid)."""
        data = self.cleaned_data
        values = {name: data[name] for name in SETTING_FIELDS if name in data}
        for name in ("title", "document_no"):
            if name in values:
                values[name] = values[name] or ""
        values[LEVEL_AMOUNTS] = {level: data[amount_field(level)] for level in AWARD_LEVELS if data.get(amount_field(level)) is not None}
        return values

    def unread(self) -> set[str]:
        """The service's names of the settings this form refused (it says why on each field):
        the service leaves out the checks that would read them."""
        names = {name for name in self.errors if name in SETTING_FIELDS}
        if any(amount_field(level) in self.errors for level in AWARD_LEVELS):
            names.add(LEVEL_AMOUNTS)
        return names

    def error_summary(self, amount_errors: list[str]) -> list[dict[str, str]]:
        """Every error of a refused save, in the order of the page: those about the whole form,
        then each field's with its label (the service's about the amount table with the amounts),
        each linking to its field."""
        summary = [{"label": "", "text": str(error), "anchor": ""} for error in self.non_field_errors()]
        for name in self.fields:
            bound = self[name]
            summary += [{"label": str(bound.label), "text": str(error), "anchor": bound.auto_id or ""} for error in bound.errors]
            if name == amount_field(AWARD_LEVELS[-1]):
                summary += [{"label": "奖励标准", "text": text, "anchor": "amounts-title"} for text in amount_errors]
        return summary

    def field_for(self, name: str) -> str | None:
        """The form field where a service error about ``name`` is shown (None: above the form)."""
        if name in self.fields:
            return name
        return None


@dataclass
class SmsText:
    code: str
    label: str
    text: str
    default: str
    is_default: bool
    required: list[dict[str, str]]
    optional: list[dict[str, str]]
    errors: list[str]
    #: Characters as sent with typical values (sms.typical_length), and SMS parts that makes.
    typical: int = 0
    has_reason: bool = False
    #: For a text naming {materials}: how many characters more when all three are asked for
    #: (counted with one).
    materials_extra: int = 0

    @property
    def parts(self) -> int:
        return 1 if self.typical <= sms.SINGLE else -(-self.typical // sms.PART)


def sms_rows(overrides: dict[str, str], posted: dict[str, str] | None = None, errors: dict[str, list[str]] | None = None) -> list[SmsText]:
    """One row per text a campaign may change, with what it must and may contain."""
    rows = []
    for code in sms.CAMPAIGN_TEXTS:
        default = DEFAULT_TEXTS[code]
        text = (posted.get(code) or default) if posted is not None else sms.effective_text(code, overrides)
        rows.append(
            SmsText(
                code=code,
                label=str(SmsTemplate(code).label),
                text=text,
                default=default,
                is_default=code not in overrides,
                required=[{"name": "{" + name + "}", "label": sms.PARAMETER_LABELS[name]} for name in sms.required(code)],
                optional=[{"name": "{" + name + "}", "label": sms.PARAMETER_LABELS[name]} for name in sms.optional(code)],
                errors=(errors or {}).get(f"sms_{code}", []),
                typical=sms.typical_length(text),
                has_reason="reason" in sms.AVAILABLE[code],
                materials_extra=len(sms.MATERIALS_LONGEST) - len(sms.SAMPLE_VALUES["materials"]) if "{materials}" in text else 0,
            )
        )
    return rows


def posted_sms(data: Any) -> dict[str, str]:
    """The texts posted on the SMS page (``reset_<code>`` means the default)."""
    texts = {}
    for code in sms.CAMPAIGN_TEXTS:
        texts[code] = "" if data.get(f"reset_{code}") else str(data.get(f"sms_{code}") or "")[:2000]
    return texts


# --- the Annex 1 table ---------------------------------------------------------------------

KEEP, REMOVE, INTO = "keep", "remove", "into:"
MAX_ROWS = 200


@dataclass
class PostedUnit:
    """One row of the Annex 1 table as posted (kept as typed, to show again on a refusal)."""

    organisation_id: int | None
    name: str
    guidance: str
    action: str
    order: float
    is_new: bool

    def merge_into(self) -> int | None:
        if self.action.startswith(INTO) and self.action[len(INTO) :].isdecimal():
            return int(self.action[len(INTO) :])
        return None


def _int(value: Any) -> int | None:
    text = str(value or "").strip()
    # isdecimal, not isdigit: "²" and "①" are digits that int() refuses (a 500); full-width
    # digits are decimal and read as the number they spell.
    return int(text) if text.isdecimal() else None


def posted_units(data: Any) -> list[PostedUnit]:
    """The table's rows in the order the administrator left them, then the row being added."""
    count = min(_int(data.get("unit-count")) or 0, MAX_ROWS)
    rows: list[PostedUnit] = []
    for index in range(count):
        prefix = f"unit-{index}-"
        organisation_id = _int(data.get(prefix + "org"))
        name = str(data.get(prefix + "name") or "").strip()[:120]
        if organisation_id is None and not name:
            continue
        order_text = str(data.get(prefix + "position") or "").strip()
        try:
            order = float(order_text)
        except ValueError:
            order = float(index + 1)
        rows.append(
            PostedUnit(
                organisation_id=organisation_id,
                name=name,
                guidance=str(data.get(prefix + "guidance") or "").strip()[:12],
                action=str(data.get(prefix + "action") or KEEP)[:20],
                order=order + index / 10000,  # equal numbers keep the table's order
                is_new=organisation_id is None,
            )
        )
    rows.sort(key=lambda row: row.order)
    added_org = _int(data.get("add-org"))
    added_name = str(data.get("add-name") or "").strip()[:120]
    if added_org is not None or added_name:
        rows.append(
            PostedUnit(
                organisation_id=added_org,
                name="" if added_org is not None else added_name,
                guidance=str(data.get("add-guidance") or "0").strip()[:12] or "0",
                action=KEEP,
                order=float(len(rows) + 1),
                is_new=added_org is None,
            )
        )
    return rows


def unit_rows(posted: list[PostedUnit]) -> tuple[list[UnitRow], dict[str, list[str]]]:
    """The service's rows, or the rows whose guidance number is not a whole number."""
    rows: list[UnitRow] = []
    errors: dict[str, list[str]] = {}
    for index, row in enumerate(posted, start=1):
        guidance = _int(row.guidance)
        if guidance is None and (row.action == KEEP or row.merge_into() is not None):
            line = f"第{index}行（{row.name}）" if row.name else f"第{index}行"
            problem = "请填写指导数（不小于0的整数，可为0）" if not row.guidance else f"指导数须是不小于0的整数（现为“{row.guidance}”）"
            errors.setdefault(f"unit-{index}", []).append(f"{line}：{problem}。")
            guidance = 0
        elif guidance is not None and guidance > MAX_GUIDANCE:  # said with the others, not on the next try
            line = f"第{index}行（{row.name}）" if row.name else f"第{index}行"
            errors.setdefault(f"unit-{index}", []).append(f"{line}：指导数须是0至{MAX_GUIDANCE:,}之间的整数（现为“{row.guidance}”）。")
        rows.append(
            UnitRow(
                organisation_id=row.organisation_id,
                new_name=row.name if row.is_new else "",
                guidance=guidance or 0,
                remove=row.action == REMOVE,
                merge_into=row.merge_into(),
            )
        )
    return rows, errors
