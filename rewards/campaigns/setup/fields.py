"""The settings of 年度活动设置 a save may change, their labels, and those the lock rule fixes once a
campaign has an application (see :mod:`.services`)."""

from __future__ import annotations

from decimal import Decimal

from rewards.campaigns.models import Campaign
from rewards.core.vocab import LEVEL_GRADE, Level

#: Levels a campaign may reward (DOMAIN.md §3 rule 2: 高级工 and above), lowest first.
AWARD_LEVELS: tuple[str, ...] = tuple(level.value for level in Level if LEVEL_GRADE[level] <= 3)
MAX_AMOUNT = Decimal("100000")
MAX_GRACE_DAYS = 90
MAX_DECLARATION_LIMIT = 20

#: The settings a save may change, with their labels (the model's own words).
SETTING_FIELDS: tuple[str, ...] = (
    "title",
    "document_no",
    "opens_on",
    "application_deadline",
    "resubmission_grace_days",
    "main_window_start",
    "main_window_end",
    "makeup_window_start",
    "makeup_window_end",
    "previous_year",
    "declaration_deadline",
    "declaration_limit",
    "counted_issuers",
    "occupation_issuers",
)
LEVEL_AMOUNTS = "level_amounts"
SMS_TEMPLATES = "sms_templates"
LABELS: dict[str, str] = {
    name: str(getattr(Campaign._meta.get_field(name), "verbose_name", name)) for name in (*SETTING_FIELDS, SMS_TEMPLATES)
}
LABELS[LEVEL_AMOUNTS] = "奖励标准（等级和金额）"

#: What decided applications: fixed once a campaign has one.
LOCKED_FIELDS: tuple[str, ...] = (
    "opens_on",
    "main_window_start",
    "main_window_end",
    "makeup_window_start",
    "makeup_window_end",
    "previous_year",
    "counted_issuers",
    "occupation_issuers",
    LEVEL_AMOUNTS,
)
LOCK_REASON = (
    "已受理的申请是按这项设置判定资格和核定金额的，修改会使已作出的审核结论与设置不符"
    "（如确需调整，须先由市总工会决定如何处理已受理的申请）。"
)
