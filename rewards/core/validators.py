"""Field checks of DOMAIN.md §3 as pure functions.

Each ``check_*`` takes the raw value and returns ``(normalised, None)`` or ``(None, reason)``
where ``reason`` is a Chinese sentence for the person who typed it. Nothing here touches
the database, so importers, the API and the pages share them.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass

import phonenumbers
from stdnum import luhn
from stdnum.cn import ric
from stdnum.exceptions import ValidationError

from .text import clean, clean_name, digits_only, fold_width

Result = tuple[str | None, str | None]

#: 港澳台居民居住证 numbers begin with these codes instead of a mainland area code.
RESIDENCE_PERMIT_PREFIXES = ("810000", "820000", "830000")
#: GB/T 2260 province-level codes, plus 81/82/83 of the residence permits.
PROVINCE_CODES = frozenset(
    [
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "81",
        "82",
        "83",
    ]
)


@dataclass(frozen=True)
class IdFacts:
    """What an 18-digit ID number says about its holder."""

    number: str
    birth_date: dt.date
    gender: str  # "male" / "female"


#: The check digit rarely is the wrong one: a digit typed wrong or two swapped anywhere make it
#: disagree, so the message says so instead of naming the 校验位 alone.
WRONG_ID_CHECK_DIGIT = "身份证号码校验位不正确：号码中有一位数字输错或前后颠倒，请对照身份证逐位核对。"


def check_id_number(value: object) -> Result:
    text = digits_only(value).upper()
    if not text:
        return None, "请填写身份证号码。"
    if len(text) == 15 and text.isdigit():
        return None, "这是旧的15位身份证号码，请填写18位身份证号码。"
    if len(text) != 18 or not re.fullmatch(r"[0-9]{17}[0-9X]", text):
        return None, "身份证号码应为18位（最后一位可以是X）。"
    # stdnum's full validate() also demands that the area code existed at the birth date,
    # which refuses real people (330108 滨江 was created in 1996) and residence permits;
    # GB 11643 itself asks for a province code, a real birth date and the check digit.
    if text[:2] not in PROVINCE_CODES:
        return None, "身份证号码前两位（省份代码）不正确。"
    # stdnum's calc_check_digit() takes the whole number and ignores its last character.
    if text[-1] != ric.calc_check_digit(text):
        return None, WRONG_ID_CHECK_DIGIT
    try:
        birth = ric.get_birth_date(text)
    except ValidationError:
        return None, "身份证号码中的出生日期不正确。"
    if birth < dt.date(1900, 1, 1):
        return None, "身份证号码中的出生日期不正确。"
    return text, None


def id_facts(number: str) -> IdFacts:
    """Birth date and gender derived from a valid 18-digit number (odd 17th digit: male)."""
    return IdFacts(
        number=number,
        birth_date=ric.get_birth_date(number),
        gender="male" if int(number[16]) % 2 == 1 else "female",
    )


def check_name(value: object) -> Result:
    text = clean_name(value)
    if not text:
        return None, "请填写姓名。"
    if len(text) > 40:
        return None, "姓名过长（最多40个字）。"
    if not re.fullmatch(r"[\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003134fA-Za-z·. ]+", text) or text.startswith("·") or text.endswith("·"):
        return None, "姓名只能包含汉字、字母和间隔号“·”。"
    return text, None


def check_mobile(value: object) -> Result:
    text = digits_only(value)
    if text.startswith("+86"):
        text = text[3:]
    elif text.startswith("86") and len(text) == 13:
        text = text[2:]
    if not text:
        return None, "请填写手机号码。"
    if not re.fullmatch(r"1[0-9]{10}", text):
        return None, "手机号码应为11位数字，以1开头。"
    if not _mobile_prefix_valid(text[:5]):
        return None, "这不是有效的中国大陆手机号码。"
    return text, None


@functools.cache
def _mobile_prefix_valid(prefix: str) -> bool:
    """Whether the 11-digit mobile numbers beginning with this 5-digit block are valid.

    phonenumbers' Chinese mobile patterns decide validity and type by the first five digits
    (checked exhaustively for every 5-digit prefix; tests/core/test_validators.py keeps a
    sampled check against the full parse so that an upgrade that changes this is caught).
    Asking once per block instead of once per number saves seconds per 100 000-row import.
    """
    try:
        parsed = phonenumbers.parse(prefix + "000000", "CN")
    except phonenumbers.NumberParseException:
        return False
    kind = phonenumbers.number_type(parsed)
    mobile_kinds = (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)
    return phonenumbers.is_valid_number(parsed) and kind in mobile_kinds


def check_bank_card(value: object) -> Result:
    text = digits_only(value)
    if not text:
        return None, "请填写银行卡号。"
    if not text.isdigit() or not 16 <= len(text) <= 19:
        return None, "银行卡号应为16至19位数字。"
    if not luhn.is_valid(text):
        return None, "银行卡号校验不通过，请核对卡号是否抄错。"
    return text, None


#: Where a card is opened, as banks name their outlets: 支行, 分行, 营业部, 分理处, and the Postal
#: Savings Bank's and the big banks' 营业所 and 储蓄所 (邮储银行的网点多称营业所), which a worker
#: copies from the card's papers (decision 183).
_OUTLETS = "支行|分行|营业部|分理处|营业所|储蓄所"
_BRANCH = re.compile(rf"^.{{1,40}}银行.{{1,40}}({_OUTLETS})$")
#: A rural credit co-operative that has not become a bank (a migrant worker's card from home:
#: ××县农村信用合作联社××信用社, ××信用联社营业部), down to its outlet (decision 188).
_COOPERATIVE = "信用合作联社|信用联社|信用合作社|信用社"
_COOPERATIVE_BRANCH = re.compile(rf"^.{{1,40}}({_COOPERATIVE}).{{0,40}}({_OUTLETS}|信用社|信用分社|分社)$")
#: The longest name ``_BRANCH`` takes: 40 + 银行 + 40 + 分理处 (every outlet word is 2 or 3 characters).
BRANCH_MAX = 85
_BRANCH_END = re.compile(rf"({_OUTLETS})$")


def check_bank_branch(value: object) -> Result:
    text = fold_width(clean(value)).replace(" ", "")
    if not text:
        return None, "请填写银行卡开户行。"
    if len(text) > BRANCH_MAX:
        return None, f"开户行名称过长（{len(text)} 个字，最多 {BRANCH_MAX} 个字），请只写银行和支行的名称。"
    if _BRANCH.match(text) or _COOPERATIVE_BRANCH.match(text):
        return text, None
    if _BRANCH_END.search(text) and "银行" not in text and not re.search(_COOPERATIVE, text):
        # Written down to the branch, but without the bank (工行西湖支行): "写到支行" would send
        # the worker looking for what is already there.
        return None, "开户行请写上银行的全称，例如“中国工商银行杭州西湖支行”，不要简写为“工行”“农行”等。"
    return (
        None,
        "开户行请写到支行，例如“中国工商银行杭州西湖支行”（××银行××支行、分行、营业部、分理处、营业所或储蓄所；农村信用社写到信用社或分社）。",
    )


_DATE_FORMATS = (
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$"),
    re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$"),
    # 20200630, as dates are often typed in Chinese forms (a number cell reads the same).
    re.compile(r"^((?:19|20)\d{2})(\d{2})(\d{2})$"),
)


def parse_date(value: object) -> dt.date | None:
    """A date cell, ``YYYY-MM-DD``, ``YYYY/M/D``, ``YYYY年M月D日``, ``YYYY.M.D`` or ``YYYYMMDD``; else None."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = re.sub(r"[ T]00:00:00$", "", fold_width(clean(value))).replace(" ", "")
    for pattern in _DATE_FORMATS:
        match = pattern.match(text)
        if match:
            try:
                return dt.date(int(match[1]), int(match[2]), int(match[3]))
            except ValueError:
                return None
    return None


#: Excel counts days from 1899-12-30: a date cell copied as a number shows as 43986 (2020-06-04).
_EXCEL_EPOCH = dt.date(1899, 12, 30)


def _not_a_date(value: object, label: str) -> str:
    """Why ``value`` is not a date, echoing what was read (an Excel day number said as its date)."""
    shown = clean(value)[:30]
    number = fold_width(shown).replace(" ", "")
    if re.fullmatch(r"[0-9]{5}(?:\.0+)?", number) and 20000 <= float(number) <= 80000:
        day = _EXCEL_EPOCH + dt.timedelta(days=int(float(number)))
        return f"{label}“{shown}”是 Excel 的日期序号（即 {day.isoformat()}）：请把单元格设为日期格式，或写成 {day.isoformat()}。"
    return f"{label}“{shown}”不是有效的日期，请写成 2020-06-30、2020/6/30 或 2020年6月30日。"


def check_date(value: object, *, today: dt.date, label: str, required: bool = True) -> tuple[dt.date | None, str | None]:
    if value in (None, ""):
        return (None, f"请填写{label}。") if required else (None, None)
    day = parse_date(value)
    if day is None:
        return None, _not_a_date(value, label)
    if day > today:
        return None, f"{label}不能晚于今天（{today.isoformat()}）。"
    if day.year < 1950:
        return None, f"{label}不正确。"
    return day, None
