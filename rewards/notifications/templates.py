"""短信内容：每种短信的默认中文文本、渲染和脱敏检查（SECURITY.md 15、DOMAIN.md §6）。

A text names its parameters as ``{application_no}``, ``{reason}``, ``{amount}``, ``{code}`` …;
a campaign may replace any text through ``Campaign.sms_templates`` (code → text), passed here as
``overrides``. Only plain ``{name}`` placeholders are substituted (no attribute access or format
specs), so a text typed into the admin cannot reach into Python objects.

查询密码（query password）从不通过短信发送。It is shown once on the page that answers the
submission (API.md) and stored only as a keyed hash; the outbox keeps every text and its parameters,
so a password in an SMS would sit in the database in clear. Hence no default text carries it, and a
text or override with a ``{query_password}`` placeholder is refused — in particular the submission
SMS (``submitted``) never carries the password. A caller that wants a password in an SMS must
change this module explicitly, not pass a parameter.

Every rendered text is checked: an 18-digit ID-like number or a 16–19 digit card-like number
makes :func:`render` raise ``ValueError`` (SMS texts are masked, SECURITY.md 15). Pass masked
values (``622202*********0016``) or a card's last four digits instead.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping

from django.db import models

from rewards.core.masking import mask_bank_card, mask_id_number
from rewards.core.text import fold_width

#: Every text begins with the sender's signature (operators require it at the start).
SIGNATURE = "【杭州市总工会】"


class SmsTemplate(models.TextChoices):
    OTP = "otp", "短信验证码"
    SUBMITTED = "submitted", "申请已提交"
    RETURNED = "returned", "申请被退回"
    APPROVED = "approved", "审核通过"
    PAID = "paid", "奖励已发放"
    PAYMENT_FAILED = "payment_failed", "发放失败"
    BANK_CHANGED = "bank_changed", "银行卡已变更"
    BATCH_ENTERED = "batch_entered", "单位已代为申报"
    RETURNED_TO_UNION = "returned_to_union", "退回单位工会修改"
    REJECTED = "rejected", "不予奖励"


DEFAULT_TEXTS: dict[str, str] = {
    SmsTemplate.OTP: SIGNATURE + "您的验证码为{code}，{minutes}分钟内有效，用于登录高技能人才奖励平台，请勿告诉他人。",
    # No query password here, on purpose: see the module docstring.
    SmsTemplate.SUBMITTED: SIGNATURE + "您的高技能人才奖励申请（编号{application_no}）已提交，请等待审核。",
    # {deadline}: the last day to resubmit (12月15日), that day included; an SMS read alone must
    # say there is one. {materials}: a sentence of its own (需重新上传身份证、银行卡。), empty
    # when the return named no material (see OPTIONAL_PARAMS).
    SmsTemplate.RETURNED: SIGNATURE
    + "您的高技能人才奖励申请（编号{application_no}）被退回，原因：{reason}。{materials}请最迟于{deadline}登录平台修改后重新提交。",
    SmsTemplate.APPROVED: SIGNATURE + "您的高技能人才奖励申请（编号{application_no}）已审核通过，奖励金额{amount}元，发放后将另行通知。",
    SmsTemplate.PAID: SIGNATURE + "您的高技能人才奖励（编号{application_no}）{amount}元已发放至您尾号{card_tail}的银行卡，请注意查收。",
    SmsTemplate.PAYMENT_FAILED: SIGNATURE
    + "您的高技能人才奖励（编号{application_no}）发放未成功，原因：{reason}。请登录平台核对并更正银行卡信息。",
    SmsTemplate.BANK_CHANGED: SIGNATURE
    + "您的高技能人才奖励申请（编号{application_no}）的收款银行卡已变更为尾号{card_tail}的卡。如非本人操作，请立即联系所在工会。",
    SmsTemplate.BATCH_ENTERED: SIGNATURE + "{union_name}已为您申报高技能人才奖励（编号{application_no}），可用手机验证码登录平台查看。",
    # 单位统一申报: the union corrects it, not the worker.
    SmsTemplate.RETURNED_TO_UNION: SIGNATURE
    + "您的高技能人才奖励申请（编号{application_no}）被退回{union_name}修改，原因：{reason}。{materials}如需补充材料，请与单位工会联系。",
    SmsTemplate.REJECTED: SIGNATURE
    + "您的高技能人才奖励申请（编号{application_no}）经审核不予奖励，原因：{reason}。如有疑问请联系所在工会。",
}

#: Parameters that are secrets: masked in the outbox once the message is settled.
SECRET_PARAMS: dict[str, tuple[str, ...]] = {SmsTemplate.OTP: ("code",)}

#: A message not delivered within this time is dropped rather than sent late (an OTP code is
#: useless once it has expired; its ``minutes`` parameter, when given, is the code's validity).
LIFETIMES: dict[str, dt.timedelta] = {SmsTemplate.OTP: dt.timedelta(minutes=10)}

FORBIDDEN_PARAMS = frozenset({"query_password", "password"})

#: Parameters a default text names that a campaign's own text may leave out. ``materials`` came
#: after campaigns had stored texts of their own, which stay valid without it; its value is a
#: whole sentence with its own full stop (需重新上传技能等级证书、银行卡。), or empty when the
#: return named no material, so a text reads the same either way wherever a sentence may begin.
OPTIONAL_PARAMS = frozenset({"materials"})
#: What each return text's ``materials`` sentence begins with; the kinds' names follow.
MATERIALS_LEAD = "需重新上传"

REDACTED = "******"

_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")
# A run of digits (half- or full-width), possibly written in groups ("6222 0212 3456 7890 016"),
# possibly ending in the X of an ID number.
_NUMBER = re.compile(r"(?<![0-9０-９])[0-9０-９]+(?:[\s\-－][0-9０-９]+)*[XxＸｘ]?")
_SEPARATORS = re.compile(r"[\s\-－]")


def placeholders(text: str) -> list[str]:
    return _PLACEHOLDER.findall(text)


def template_text(template: str, overrides: Mapping[str, str] | None = None) -> str:
    """The campaign's text for ``template`` when it has one, otherwise the default."""
    if template not in DEFAULT_TEXTS:
        raise ValueError(f"未知的短信类型：{template}")
    text = (overrides or {}).get(template) or DEFAULT_TEXTS[template]
    text = str(text).strip()
    if not text.startswith(SIGNATURE):
        text = SIGNATURE + text
    if FORBIDDEN_PARAMS.intersection(placeholders(text)):
        raise ValueError("短信内容不得包含查询密码。")
    return text


def _masked_number(written: str) -> str | None:
    """The masked form of an ID-like (18) or card-like (16 or more digits) number, else ``None``.

    16–19 digits is a card; a longer run may hide one, so it is masked too.
    """
    digits = fold_width(_SEPARATORS.sub("", written)).upper()
    if re.fullmatch(r"[0-9]{17}[0-9X]", digits):
        return mask_id_number(digits)
    core = digits.rstrip("X")
    if len(core) >= 16:
        return mask_bank_card(core) + digits[len(core) :]
    return None


#: Fewer characters than this cannot hold a personal number: an ID has 18, a card at least 16
#: digits, and :func:`_masked_number` only removes characters (separators) before counting.
_SHORTEST_NUMBER = 16


def contains_personal_number(text: str) -> bool:
    """True when ``text`` holds an ID-like (18 digits) or card-like (16–19 digits) number."""
    return any(len(match.group()) >= _SHORTEST_NUMBER and _masked_number(match.group()) for match in _NUMBER.finditer(text))


_UNMASKED = "短信内容含有完整的身份证号或银行卡号，请改用脱敏后的号码。"


def ensure_masked(text: str) -> None:
    if contains_personal_number(text):
        raise ValueError(_UNMASKED)


def render(template: str, params: Mapping[str, object], overrides: Mapping[str, str] | None = None) -> tuple[str, dict[str, str]]:
    """The text of one message and the parameters it uses (as strings).

    Parameters the text does not name are dropped, so they are neither stored nor sent to the
    gateway; one of :data:`OPTIONAL_PARAMS` not given is empty. Raises ``ValueError`` for an unknown template, a missing parameter, a password, or
    a full ID or card number in the result.
    """
    text = template_text(template, overrides)
    if FORBIDDEN_PARAMS.intersection(params):
        raise ValueError("短信参数不得包含查询密码。")
    used: dict[str, str] = {}
    for name in placeholders(text):
        value = params.get(name)
        if value is None and name in OPTIONAL_PARAMS:
            value = ""  # nothing to say: the sentence is left out
        if value is None:
            raise ValueError(f"短信“{SmsTemplate(template).label}”缺少参数 {name}。")
        used[name] = str(value)
    rendered = _PLACEHOLDER.sub(lambda match: used[match.group(1)], text)
    ensure_masked(rendered)
    return rendered, used


#: A character that can belong to a number as :data:`_NUMBER` reads it (a digit of either width,
#: a separator, the X of an ID number).
_NUMBER_CHAR = re.compile(r"[0-9０-９\s\-－XxＸｘ]")


class CompiledText:
    """One text cut at its placeholders, to render many messages at the cost of a join.

    :meth:`render` answers exactly as :func:`render` does (same text, same parameters, same
    ``ValueError``) for the text it was made from. When every placeholder stands between
    characters that cannot belong to a number (the ``（编号{application_no}）`` of every default
    text), no number of the result can run across a placeholder's edge: the mask check of the
    whole text is then the check of each literal part (done once, here) and of each value (a
    value shorter than 16 characters cannot hold one). Otherwise the whole text is checked, as
    :func:`render` does.
    """

    def __init__(self, template: str, text: str) -> None:
        pieces = _PLACEHOLDER.split(text)
        self.template = template
        self.literals: tuple[str, ...] = tuple(pieces[0::2])
        self.names: tuple[str, ...] = tuple(pieces[1::2])
        last = len(self.literals) - 1
        self.separated = all(
            (index == 0 or (literal and not _NUMBER_CHAR.fullmatch(literal[0])))
            and (index == last or (literal and not _NUMBER_CHAR.fullmatch(literal[-1])))
            for index, literal in enumerate(self.literals)
        )
        self.literal_number = any(contains_personal_number(literal) for literal in self.literals)

    def render(self, params: Mapping[str, object]) -> tuple[str, dict[str, str]]:
        if FORBIDDEN_PARAMS.intersection(params):
            raise ValueError("短信参数不得包含查询密码。")
        used: dict[str, str] = {}
        values: list[str] = []
        for name in self.names:
            if name not in used:
                value = params.get(name)
                if value is None and name in OPTIONAL_PARAMS:
                    value = ""
                if value is None:
                    raise ValueError(f"短信“{SmsTemplate(self.template).label}”缺少参数 {name}。")
                used[name] = str(value)
            values.append(used[name])
        literals = self.literals
        rendered = literals[0] + "".join(value + literal for value, literal in zip(values, literals[1:], strict=True))
        if not self.separated:
            ensure_masked(rendered)
        elif self.literal_number or any(len(value) >= _SHORTEST_NUMBER and contains_personal_number(value) for value in used.values()):
            raise ValueError(_UNMASKED)
        return rendered, used


def compile_text(template: str, overrides: Mapping[str, str] | None = None) -> CompiledText:
    """The text of ``template`` (the campaign's or the default) ready for :meth:`CompiledText.render`;
    raises ``ValueError`` as :func:`template_text` does."""
    return CompiledText(template, template_text(template, overrides))


def lifetime(template: str, params: Mapping[str, str]) -> dt.timedelta | None:
    """How long a message stays worth sending; ``None`` for no limit."""
    default = LIFETIMES.get(template)
    minutes = params.get("minutes")
    if default is not None and minutes and str(minutes).isdecimal() and int(minutes) > 0:
        return dt.timedelta(minutes=int(minutes))
    return default


def mask_personal_numbers(text: str) -> str:
    """Free text (a reviewer's reason) with ID- and card-like numbers masked, fit for an SMS.

    :func:`render` refuses such numbers rather than guess; a caller passing text typed by people
    masks it here first: ``330106199001011234`` → ``330106********1234``.
    """
    return _NUMBER.sub(lambda match: _masked_number(match.group()) or match.group(), text)


#: Sentence ends that a reason may close with; every text that names {reason} closes it itself.
_CLOSING = " \t\r\n。．.！!？?；;，,、"
#: The longest reason an SMS carries (characters).
REASON_LIMIT = 60
#: A character of a number or of a masked one (digits of either width, the mask's stars, an ID's X).
_IN_NUMBER = re.compile(r"[0-9０-９*＊XxＸｘ]")
_NUMBER_TAIL = re.compile(r"[0-9０-９*＊XxＸｘ]+$")


def sms_reason(text: str, *, default: str = "详见平台上的审核意见") -> str:
    """A reviewer's opinion or a bank's reason as the ``{reason}`` of an SMS: personal numbers
    masked, cut to :data:`REASON_LIMIT` characters, without the full stop the text adds after it
    (“……请重新上传。。” otherwise); ``default`` when nothing but punctuation is left."""
    masked = mask_personal_numbers(text.strip())
    cut = masked[:REASON_LIMIT]
    if len(masked) > REASON_LIMIT and _IN_NUMBER.fullmatch(masked[REASON_LIMIT]):
        cut = _NUMBER_TAIL.sub("", cut)  # never half a number ("联系电话139***"): the whole of it left out
    return cut.rstrip(_CLOSING) or default


def redact(template: str, params: Mapping[str, str], text: str) -> tuple[dict[str, str], str]:
    """Params and text with the template's secrets (the OTP code) replaced by ``******``."""
    kept = dict(params)
    for name in SECRET_PARAMS.get(template, ()):
        value = kept.get(name)
        if value:
            text = text.replace(value, REDACTED)
            kept[name] = REDACTED
    return kept, text


def materials_sentence(labels: str) -> str:
    """The ``{materials}`` of a return SMS: 需重新上传身份证、银行卡。, or empty for no material.

    ``labels`` are the kinds' Chinese names, already joined (``materials_label``): fixed words,
    never a number, so the sentence cannot carry one."""
    labels = labels.strip()
    return f"{MATERIALS_LEAD}{labels}。" if labels else ""
