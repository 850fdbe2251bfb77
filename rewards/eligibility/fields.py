"""Field checks of an Annex 3 form (DOMAIN.md §3 "Field checks before any rule").

``clean_annex3`` returns the typed input or a dict of field errors in Chinese; a form with
field errors is answered 400 and no rule runs.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from rewards.core import validators
from rewards.core.tabular import FORMULA_MESSAGE, starts_like_a_formula
from rewards.core.text import certificate_number, clean, fold_width
from rewards.core.vocab import Issuer, Level, parse_gender, parse_issuer, parse_level, parse_yes_no

from .facts import ApplicantInput

#: What an issuer that cannot be read may be written as.
ISSUER_HINT = (
    "请填写" + "、".join(str(label) for _, label in Issuer.choices) + "之一（从下拉列表选择），"
    "人社部门也可照证书写全称，例如“杭州市人力资源和社会保障局”。"
)
#: Needed by the rules; the self-check asks only these.
RULE_FIELDS = ("id_number", "name", "new_level", "certificate_issue_date", "issuer", "occupation")
#: Needed on a submitted application as well.
SUBMISSION_FIELDS = (*RULE_FIELDS, "certificate_no", "phone", "bank_card_no", "bank_branch", "employer", "education")
#: Every field of the form (API.md "Field names (Annex 3)").
ANNEX3_FIELDS = (
    *SUBMISSION_FIELDS,
    "gender",
    "previous_level",
    "previous_level_date",
    "is_migrant",
    "hukou_place",
    "years_in_hangzhou",
    "union",
)
NOT_ONE_VALUE = "此项应为一个值（文字、数字或是否），不能是列表或对象。"


def _text(value: str, limit: int) -> tuple[str, str | None]:
    if len(value) > limit:
        return value, f"最多{limit}个字。"
    if starts_like_a_formula(value):
        return value, FORMULA_MESSAGE
    return value, None


def clean_annex3(
    data: dict[str, Any], *, today: dt.date, required: tuple[str, ...] = RULE_FIELDS
) -> tuple[ApplicantInput | None, dict[str, list[str]]]:
    errors: dict[str, list[str]] = {}

    def fail(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    # A JSON list or object answers no box of the form: str() would keep its Python spelling
    # (['大专']) as the education on file. A number or true/false is read as it is written.
    malformed = [field for field in ANNEX3_FIELDS if isinstance(data.get(field), list | dict)]
    for field in malformed:
        fail(field, NOT_ONE_VALUE)
    data = {field: value for field, value in data.items() if field not in malformed}

    cleaned: dict[str, str] = {}

    def text(field: str) -> str:
        """``clean(data.get(field))``, worked out once per field."""
        value = cleaned.get(field)
        if value is None:
            value = cleaned[field] = clean(data.get(field))
        return value

    def present(field: str) -> bool:
        return text(field) != ""

    for field in required:
        if not present(field) and field not in malformed:
            fail(field, "此项必填。")

    id_number = name = ""
    birth_date = dt.date.min
    gender = ""
    if present("id_number"):
        value, error = validators.check_id_number(data.get("id_number"))
        if error:
            fail("id_number", error)
        else:
            id_number = value or ""
            facts = validators.id_facts(id_number)
            birth_date, gender = facts.birth_date, facts.gender
            if birth_date > today:
                fail("id_number", "身份证号码中的出生日期晚于今天，请核对。")
    if present("name"):
        value, error = validators.check_name(data.get("name"))
        if error:
            fail("name", error)
        name = value or ""
    if present("gender"):
        given = parse_gender(data.get("gender"))
        if given is None:
            fail("gender", "性别应为“男”或“女”。")
        elif gender and given != gender:
            fail("gender", "性别与身份证号码不符（身份证号码第17位单数为男、双数为女）。")

    new_level = parse_level(data.get("new_level")) if present("new_level") else None
    if present("new_level") and new_level is None:
        fail("new_level", f"无法识别的技能等级“{text('new_level')[:30]}”：请填写高级工、技师或高级技师（也可写作三级、二级、一级）。")
    previous_level = parse_level(data.get("previous_level")) if present("previous_level") else None
    if present("previous_level") and previous_level is None:
        fail("previous_level", f"无法识别的技能等级“{text('previous_level')[:30]}”：请填写初级工、中级工、高级工、技师或高级技师。")

    issue_date = None
    if present("certificate_issue_date"):
        issue_date, error = validators.check_date(data.get("certificate_issue_date"), today=today, label="发证时间")
        if error:
            fail("certificate_issue_date", error)
    previous_date = None
    if present("previous_level_date"):
        previous_date, error = validators.check_date(data.get("previous_level_date"), today=today, label="原有技能等级取得时间")
        if error:
            fail("previous_level_date", error)
        elif not previous_level:
            fail("previous_level", "填写了原有技能等级取得时间，请同时填写原有最高技能等级。")
        elif issue_date and previous_date and previous_date > issue_date:
            fail("previous_level_date", "原有技能等级取得时间不能晚于现等级证书的发证时间。")
    if issue_date and birth_date != dt.date.min and issue_date < birth_date:
        fail("certificate_issue_date", "发证时间早于出生日期，请核对。")

    issuer = parse_issuer(data.get("issuer")) if present("issuer") else None
    if present("issuer") and issuer is None:
        fail("issuer", f"无法识别的发证机关“{text('issuer')[:40]}”：{ISSUER_HINT}")

    phone = bank_card = bank_branch = ""
    if present("phone"):
        value, error = validators.check_mobile(data.get("phone"))
        if error:
            fail("phone", error)
        phone = value or ""
    if present("bank_card_no"):
        value, error = validators.check_bank_card(data.get("bank_card_no"))
        if error:
            fail("bank_card_no", error)
        bank_card = value or ""
    if present("bank_branch"):
        value, error = validators.check_bank_branch(data.get("bank_branch"))
        if not error and starts_like_a_formula(value or ""):
            error = FORMULA_MESSAGE
        if error:
            fail("bank_branch", error)
        bank_branch = value or ""

    # The certificate number as the HR registry keeps it (widths folded, no spaces, upper case),
    # before its length is checked: ２０２０… typed in full-width digits is the registry's 2020….
    cleaned["certificate_no"] = certificate_number(text("certificate_no"))
    texts = {}
    for field, limit in (
        ("occupation", 100),
        ("certificate_no", 60),
        ("education", 40),
        ("employer", 200),
        ("hukou_place", 100),
        ("union", 120),
    ):
        value, error = _text(text(field), limit)
        if error:
            fail(field, error)
        texts[field] = value

    is_migrant = False
    if present("is_migrant"):
        parsed = parse_yes_no(data.get("is_migrant"))
        if parsed is None:
            fail("is_migrant", "请选择是或否。")
        is_migrant = bool(parsed)
    years = None
    if present("years_in_hangzhou"):
        # 5, ５ and 5年 (as the form's own label, 来杭年限（年）, invites) are five years.
        typed = fold_width(text("years_in_hangzhou")).replace(" ", "").removesuffix("年")
        if typed.isascii() and typed.isdigit() and int(typed) <= 100:
            years = int(typed)
        else:
            fail("years_in_hangzhou", f"来杭年限“{text('years_in_hangzhou')[:20]}”应为0至100之间的整数（年数，例如 5）。")
    if is_migrant:
        if not texts["hukou_place"]:
            fail("hukou_place", "外来务工人员请填写户籍地。")
        if years is None and "years_in_hangzhou" not in errors:
            fail("years_in_hangzhou", "外来务工人员请填写来杭年限。")

    if errors:
        return None, errors
    return (
        ApplicantInput(
            id_number=id_number,
            name=name,
            gender=gender,
            birth_date=birth_date,
            new_level=new_level or Level.SENIOR_WORKER,
            certificate_issue_date=issue_date or today,
            issuer=issuer or "",
            occupation=texts["occupation"],
            previous_level=previous_level,
            previous_level_date=previous_date,
            certificate_no=texts["certificate_no"],
            education=texts["education"],
            phone=phone,
            bank_card_no=bank_card,
            bank_branch=bank_branch,
            employer=texts["employer"],
            is_migrant=is_migrant,
            hukou_place=texts["hukou_place"] if is_migrant else "",
            years_in_hangzhou=years if is_migrant else None,
            union=texts["union"],
        ),
        {},
    )
