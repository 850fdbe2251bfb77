"""The words of the notice as codes: skill levels, issuers, channels, statuses (API.md)."""

from __future__ import annotations

import functools
import re

from django.db import models

from .text import clean, fold_width


class Level(models.TextChoices):
    """技能等级, lowest to highest: 初级工 (5) < 中级工 (4) < 高级工 (3) < 技师 (2) < 高级技师 (1)."""

    JUNIOR_WORKER = "junior_worker", "初级工"
    INTERMEDIATE_WORKER = "intermediate_worker", "中级工"
    SENIOR_WORKER = "senior_worker", "高级工"
    TECHNICIAN = "technician", "技师"
    SENIOR_TECHNICIAN = "senior_technician", "高级技师"


#: 国家职业资格等级: 1 is the highest. A promotion is a strictly smaller number.
LEVEL_GRADE = {
    Level.JUNIOR_WORKER: 5,
    Level.INTERMEDIATE_WORKER: 4,
    Level.SENIOR_WORKER: 3,
    Level.TECHNICIAN: 2,
    Level.SENIOR_TECHNICIAN: 1,
}
_LEVEL_ALIASES = {
    "五级": Level.JUNIOR_WORKER,
    "四级": Level.INTERMEDIATE_WORKER,
    "三级": Level.SENIOR_WORKER,
    "二级": Level.TECHNICIAN,
    "一级": Level.SENIOR_TECHNICIAN,
}


_LEVEL_ALIAS_PAIRS = tuple((alias, str(code)) for alias, code in _LEVEL_ALIASES.items())


class Issuer(models.TextChoices):
    """发证机关."""

    HR_ZHEJIANG = "hr_zhejiang", "浙江省人社部门"
    HR_HANGZHOU = "hr_hangzhou", "杭州市人社部门"
    HR_DISTRICT = "hr_district", "区县（市）人社部门"
    INDUSTRY_AUTHORITY = "industry_authority", "国家行业主管部门"
    EVALUATION_ORG = "evaluation_org", "社会培训评价组织"
    EMPLOYER = "employer", "用人单位"
    OTHER = "other", "其他"


class Gender(models.TextChoices):
    MALE = "male", "男"
    FEMALE = "female", "女"


@functools.lru_cache(maxsize=16)
def _table(choices: type[models.TextChoices], aliases: tuple[tuple[str, str], ...] = ()) -> dict[str, str]:
    """Every accepted spelling (code, code in any case, folded label, alias) → code."""
    table = {fold_width(alias): code for alias, code in aliases}
    for code, label in choices.choices:
        table[fold_width(str(label))] = code
        table[code] = code
    return table


def _lookup(choices: type[models.TextChoices], value: object, aliases: tuple[tuple[str, str], ...] = ()) -> str | None:
    text = fold_width(clean(value))
    if not text:
        return None
    table = _table(choices, aliases)
    # Spaces typed inside a Chinese label (技　师, 高级 工) are not part of it.
    return table.get(text) or table.get(text.lower()) or table.get(re.sub(r"\s+", "", text))


#: Words before a level that say what kind of level it is (国家职业资格三级, 职业技能等级二级).
_LEVEL_PREFIX = re.compile(r"^(?:国家职业资格|职业资格|职业技能等级|技能等级)")


def parse_level(value: object) -> str | None:
    """A level written as its code or its Chinese label (full- or half-width); else None.

    Also as a certificate prints it, the grade beside the name: ``三级/高级工``, ``高级工（三级）``,
    ``国家职业资格二级``, when every part names the same level (``二级/高级工`` is None)."""
    code = _lookup(Level, value, _LEVEL_ALIAS_PAIRS)
    if code is not None:
        return code
    text = _LEVEL_PREFIX.sub("", re.sub(r"\s+", "", fold_width(clean(value))))
    parts = [_LEVEL_PREFIX.sub("", part) for part in re.split(r"[/、()\\|-]+", text) if part]
    if not parts or len(parts) > 2:
        return None
    codes = {_lookup(Level, part, _LEVEL_ALIAS_PAIRS) for part in parts}
    return codes.pop() if len(codes) == 1 and None not in codes else None


#: Hangzhou's districts and counties (区、县（市）): their HR bureaus issue 区县（市）人社部门 certificates.
HANGZHOU_DISTRICTS = (
    "上城",
    "下城",
    "江干",
    "拱墅",
    "西湖",
    "滨江",
    "萧山",
    "余杭",
    "临平",
    "钱塘",
    "富阳",
    "临安",
    "桐庐",
    "淳安",
    "建德",
)
_HR_BUREAU = re.compile(r"(?P<where>.*?)(?:人力资源(?:和|与)?社会保障|人力社保|人社)(?:厅|局)")
_DISTRICT = re.compile(r"(?:杭州市?)?(?:" + "|".join(HANGZHOU_DISTRICTS) + r")(?:区|县|市)?")


def parse_issuer(value: object) -> str | None:
    """An issuer written as its code or its label; else the HR bureau as the certificate names
    it (浙江省人力资源和社会保障厅, 杭州市人社局, 杭州市西湖区人力资源和社会保障局, 建德市人社局);
    else None."""
    code = _lookup(Issuer, value)
    if code is not None:
        return code
    bureau = _HR_BUREAU.fullmatch(re.sub(r"\s+", "", fold_width(clean(value))))
    if bureau is None:
        return None
    where = bureau["where"]
    if where in ("浙江省", "浙江"):
        return Issuer.HR_ZHEJIANG.value
    if where in ("杭州市", "杭州"):
        return Issuer.HR_HANGZHOU.value
    return Issuer.HR_DISTRICT.value if _DISTRICT.fullmatch(where) else None


def parse_gender(value: object) -> str | None:
    return _lookup(Gender, value)


def parse_yes_no(value: object) -> bool | None:
    text = fold_width(clean(value)).lower()
    if text in ("是", "yes", "y", "true", "1"):
        return True
    if text in ("否", "no", "n", "false", "0"):
        return False
    return None


class Channel(models.TextChoices):
    ONLINE = "online", "个人网上申报"
    BATCH = "batch", "单位统一申报"


class Status(models.TextChoices):
    """An application's stage (DOMAIN.md §5)."""

    PENDING_GRASSROOTS = "pending_grassroots", "待基层工会初审"
    PENDING_DISTRICT = "pending_district", "待区县（产业）工会审核"
    PENDING_CITY = "pending_city", "待市总工会终审"
    APPROVED = "approved", "已审核通过，待发放"
    PAID = "paid", "奖励已发放"
    PAYMENT_FAILED = "payment_failed", "发放失败，请更正银行卡"
    RETURNED = "returned", "已退回，请修改后重新提交"
    REJECTED = "rejected", "不予奖励"
    WITHDRAWN = "withdrawn", "已撤回"


#: Still under review: a second application of the same person is ``already_pending``.
PENDING_STATUSES = frozenset({Status.PENDING_GRASSROOTS, Status.PENDING_DISTRICT, Status.PENDING_CITY, Status.RETURNED})
#: Awarded: a further application in the same campaign is ``already_awarded``.
AWARDED_STATUSES = frozenset({Status.APPROVED, Status.PAID, Status.PAYMENT_FAILED})
