"""The SMS texts a campaign may change (短信内容), and the check of an edited text.

Each text may use the parameters its sender passes (``rewards/applications/notify.py``,
``rewards/batches``, ``rewards/payments``) and must keep those the default text carries: a
return without its reason or an approval without its amount would tell the worker nothing.
A parameter added to a default text after campaigns had stored their own (``OPTIONAL_PARAMS``:
the materials a return asks for again) may be used and need not be: a stored text stays valid.
The sign-in code (``otp``) is not a campaign's text: signing in belongs to no campaign, so it
is not offered here. A query password is never a parameter (``rewards.notifications.templates``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from rewards.notifications.templates import (
    DEFAULT_TEXTS,
    FORBIDDEN_PARAMS,
    OPTIONAL_PARAMS,
    SIGNATURE,
    SmsTemplate,
    contains_personal_number,
    materials_sentence,
    placeholders,
)

#: The texts a campaign may change, in the order of an application's life.
CAMPAIGN_TEXTS: tuple[str, ...] = (
    SmsTemplate.SUBMITTED,
    SmsTemplate.BATCH_ENTERED,
    SmsTemplate.RETURNED,
    SmsTemplate.RETURNED_TO_UNION,
    SmsTemplate.REJECTED,
    SmsTemplate.APPROVED,
    SmsTemplate.PAID,
    SmsTemplate.PAYMENT_FAILED,
    SmsTemplate.BANK_CHANGED,
)

#: What each parameter means, for the page.
PARAMETER_LABELS = {
    "application_no": "申请编号",
    "name": "职工姓名",
    "reason": "退回、不予奖励或发放失败的原因",
    "amount": "奖励金额（元）",
    "card_tail": "银行卡尾号（4位）",
    "union_name": "代为申报（并负责修改）的基层工会名称",
    "deadline": "重新提交的最后一天（如12月15日，当天仍可提交；在下一年的写明年份，如2027年1月4日）",
    "materials": "审核人要求重新上传的材料，自成一句（如“需重新上传身份证、银行卡。”），没有要求时为空",
}

#: The parameters each sender passes (every one also passes ``application_no`` and ``name``).
AVAILABLE: dict[str, frozenset[str]] = {
    SmsTemplate.SUBMITTED: frozenset({"application_no", "name"}),
    SmsTemplate.BATCH_ENTERED: frozenset({"application_no", "name", "union_name"}),
    SmsTemplate.RETURNED: frozenset({"application_no", "name", "reason", "deadline", "materials"}),
    SmsTemplate.RETURNED_TO_UNION: frozenset({"application_no", "name", "reason", "union_name", "materials"}),
    SmsTemplate.REJECTED: frozenset({"application_no", "name", "reason"}),
    SmsTemplate.APPROVED: frozenset({"application_no", "name", "amount"}),
    SmsTemplate.PAID: frozenset({"application_no", "name", "amount", "card_tail"}),
    SmsTemplate.PAYMENT_FAILED: frozenset({"application_no", "name", "amount", "card_tail", "reason"}),
    SmsTemplate.BANK_CHANGED: frozenset({"application_no", "name", "card_tail"}),
}

#: Longest text accepted (the operator splits a long text into several messages).
MAX_LENGTH = 300

_BRACES = re.compile(r"\{[a-z_][a-z0-9_]*\}")


def required(template: str) -> list[str]:
    """The parameters a text must keep: those of the default text, in their order, but for
    :data:`OPTIONAL_PARAMS` (a text stored before one was added stays valid)."""
    return [name for name in dict.fromkeys(placeholders(DEFAULT_TEXTS[template])) if name not in OPTIONAL_PARAMS]


def optional(template: str) -> list[str]:
    needed = set(required(template))
    return [name for name in PARAMETER_LABELS if name in AVAILABLE[template] and name not in needed]


#: What the length of a text is counted with: typical values of its parameters (the reason is
#: counted apart: a reviewer may write up to 500 characters of it; the materials as the most
#: common return asks, one material: :data:`MATERIALS_LONGEST` says how many more three take).
SAMPLE_VALUES = {
    "application_no": "2020000123",
    "name": "王小明",
    "amount": "800.00",
    "card_tail": "1234",
    "union_name": "杭州西湖精密机械有限公司工会",
    "deadline": "12月15日",
    "reason": "",
    "materials": materials_sentence("技能等级证书"),
}
MATERIALS_LONGEST = materials_sentence("身份证、技能等级证书、银行卡")
#: One SMS holds 70 characters; a longer one is sent in parts of 67.
SINGLE, PART = 70, 67


def typical_length(text: str) -> int:
    """Characters of ``text`` as sent with :data:`SAMPLE_VALUES` (the signature included)."""
    text = " ".join(text.split())
    if text and not text.startswith(SIGNATURE):
        text = SIGNATURE + text
    return len(re.sub(r"\{(\w+)\}", lambda match: SAMPLE_VALUES.get(match.group(1), match.group(0)), text))


def _braced(name: str) -> str:
    return "{" + name + "}"


def check_text(template: str, text: str) -> tuple[str, list[str]]:
    """The text as it will be stored (trimmed, signature first) and the problems with it."""
    label = SmsTemplate(template).label
    text = " ".join(text.split())
    if not text:
        return "", []
    if not text.startswith(SIGNATURE):
        text = SIGNATURE + text
    problems: list[str] = []
    used = placeholders(text)
    if FORBIDDEN_PARAMS.intersection(used):
        problems.append(f"“{label}”短信不得包含查询密码：查询密码只在提交成功的页面上显示一次，不通过短信发送。")
    unknown = [name for name in dict.fromkeys(used) if name not in AVAILABLE[template] and name not in FORBIDDEN_PARAMS]
    if unknown:
        allowed = "、".join(_braced(name) for name in PARAMETER_LABELS if name in AVAILABLE[template])
        problems.append(f"“{label}”短信中的 {'、'.join(_braced(name) for name in unknown)} 不是可用的参数；可用的参数：{allowed}。")
    missing = [name for name in required(template) if name not in used]
    if missing:
        names = "、".join(f"{_braced(name)}（{PARAMETER_LABELS[name]}）" for name in missing)
        problems.append(f"“{label}”短信必须保留参数 {names}，否则职工收到的短信缺少这项内容。")
    if "{" in _BRACES.sub("", text) or "}" in _BRACES.sub("", text):
        problems.append(f"“{label}”短信中有不成对的花括号：参数须写成 {{参数名}}，例如 {{application_no}}。")
    if contains_personal_number(_BRACES.sub("", text)):
        problems.append(f"“{label}”短信中含有像身份证号或银行卡号的长数字，短信内容不得含有完整的个人号码。")
    if _runs_on_after_reason(text):
        problems.append(
            f"“{label}”短信中 {{reason}}（原因）后面请加标点，例如“原因：{{reason}}。请……”："
            "原因末尾的标点会被去掉，否则原因会和后面的文字连在一起。"
        )
    if _misplaced_materials(text):
        problems.append(
            f"“{label}”短信中的 {{materials}}（需重新上传的材料）是自带句号的一整句，没有要求重新上传时为空："
            "请把它放在两句之间（前面是句号或逗号，后面不加标点），例如“原因：{reason}。{materials}请最迟于……”。"
        )
    if len(text) > MAX_LENGTH:
        problems.append(f"“{label}”短信共 {len(text)} 个字，超过了 {MAX_LENGTH} 个字的上限。")
    return text, problems


#: What may follow {reason}: a reason loses its own closing punctuation (templates.sms_reason).
_AFTER_REASON = frozenset("。，；！？、.,;!?）)」”")


def _runs_on_after_reason(text: str) -> bool:
    """True when a text continues right after ``{reason}`` without a punctuation mark."""
    marker = "{reason}"
    start = text.find(marker)
    while start != -1:
        after = text[start + len(marker) : start + len(marker) + 1]
        if after and after not in _AFTER_REASON:
            return True
        start = text.find(marker, start + 1)
    return False


#: What may stand before {materials}: the end of a sentence or a clause (its value is a sentence).
_BEFORE_MATERIALS = frozenset("。！？；，!?;,】")
#: What may not follow it: punctuation, which would double its own full stop (“……银行卡。。”).
_NOT_AFTER_MATERIALS = frozenset("。．.！!？?；;，,、：:")


def _misplaced_materials(text: str) -> bool:
    """True when ``{materials}`` stands inside a sentence (“请重新上传{materials}”) or before a
    punctuation mark: the sentence it becomes would read twice, or its stop twice."""
    marker = "{materials}"
    start = text.find(marker)
    while start != -1:
        before = text[start - 1 : start]
        after = text[start + len(marker) : start + len(marker) + 1]
        if (before and before not in _BEFORE_MATERIALS) or (after and after in _NOT_AFTER_MATERIALS):
            return True
        start = text.find(marker, start + 1)
    return False


@dataclass(frozen=True)
class SmsTextsResult:
    overrides: dict[str, str]
    errors: dict[str, list[str]]


def clean_texts(texts: Mapping[str, str]) -> SmsTextsResult:
    """The campaign's ``sms_templates`` from the texts typed on the page (code → text).

    An empty text, or one equal to the default, means the default: only texts that differ are
    stored. Codes outside :data:`CAMPAIGN_TEXTS` are refused.
    """
    overrides: dict[str, str] = {}
    errors: dict[str, list[str]] = {}
    for template, raw in texts.items():
        if template not in CAMPAIGN_TEXTS:
            errors[f"sms_{template}"] = [f"“{template}”不是可以按年度修改的短信。"]
            continue
        text, problems = check_text(template, raw or "")
        if problems:
            errors[f"sms_{template}"] = problems
        elif text and text != DEFAULT_TEXTS[template]:
            overrides[template] = text
    return SmsTextsResult(overrides=overrides, errors=errors)


def effective_text(template: str, overrides: Mapping[str, str] | None) -> str:
    return (overrides or {}).get(template) or DEFAULT_TEXTS[template]
