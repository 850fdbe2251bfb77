"""培训计划 as an xlsx, made on demand with the annexes' renderer: the totals per union (Annex 1
order) and every plan line; scoped like the page, and every download an audited export."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rewards.campaigns.models import Campaign
from rewards.core import clock
from rewards.core.audit import audit
from rewards.core.vocab import Level
from rewards.organisations.models import Organisation, StaffUser
from rewards.reports.renderers import XLSX_CONTENT_TYPE, Column, Generated, Percent, Sheet, xlsx

from .models import TrainingMode, TrainingPlan
from .selectors import Totals, plan_list, plan_totals, union_totals

TOTAL_COLUMNS = (
    Column("区县（市）、产业工会", 26, align="left"),
    Column("计划条数", 10, count=True),
    Column("计划培训人数", 13, count=True),
    Column("已培训人数", 12, count=True),
    Column("已取证人数", 12, count=True),
    Column("培训完成率", 12),
    Column("专项资金预算（元）", 18, align="right"),
    Column("已支出（元）", 16, align="right"),
)
PLAN_COLUMNS = (
    Column("序号", 6),
    Column("工会", 22, align="left"),
    Column("培训职业（工种）", 22, align="left"),
    Column("培训等级", 10),
    Column("培训方式", 14),
    Column("计划培训人数", 13, count=True),
    Column("专项资金预算（元）", 18, align="right"),
    Column("已培训人数", 12, count=True),
    Column("已取证人数", 12, count=True),
    Column("已支出（元）", 16, align="right"),
    Column("更新时间", 18),
)
#: Said as the training page says it: the 2020 notice (its part one) is where it was read, and a
#: later year's workbook must not cite that notice as its own.
NOTES = ("注：市总不下达培训任务指标数，本表只汇总各单位自定的计划和进度。",)


def _total_values(row: Totals) -> list[Any]:
    # A number formatted as a percentage, as the progress workbooks write their rates (decision 104).
    rate = Percent(Decimal(row.trained * 100) / row.planned) if row.planned else "—"
    return [row.label, row.plans, row.planned, row.trained, row.certified, rate, row.budget, row.spent]


def _plan_values(number: int, plan: TrainingPlan) -> list[Any]:
    return [
        number,
        plan.union.name,
        plan.occupation,
        Level(plan.level).label,
        TrainingMode(plan.mode).label,
        plan.planned_trainees,
        plan.budget,
        plan.trained,
        plan.certified,
        plan.spent,
        plan.updated_at.astimezone(clock.SHANGHAI).strftime("%Y-%m-%d %H:%M"),
    ]


def training_sheets(*, user: StaffUser, campaign: Campaign, union: Organisation | None = None) -> tuple[list[Sheet], int]:
    plans = plan_list(user, campaign=campaign, union=union)
    if union is None:
        rows, total = union_totals(user, campaign=campaign)
    else:
        rows, total = [plan_totals(plans, label=union.name)], plan_totals(plans)
    today = clock.today()
    date_line = f"统计日期：{today.year}年{today.month}月{today.day}日"
    year = campaign.year
    scope = union.name if union is not None else "各区县（市）、产业工会"
    sheets = [
        Sheet(
            name="按工会汇总",
            title=f"{year}年度职工高技能人才培训计划汇总表",
            columns=TOTAL_COLUMNS,
            rows=[_total_values(row) for row in [*rows, total]],
            unit_line=f"范围：{scope}",
            date_line=date_line,
            notes=NOTES,
        ),
        Sheet(
            name="培训计划明细",
            title=f"{year}年度职工高技能人才培训计划及进度",
            columns=PLAN_COLUMNS,
            rows=[_plan_values(number, plan) for number, plan in enumerate(plans, start=1)],
            unit_line=f"范围：{scope}",
            date_line=date_line,
            notes=NOTES,
        ),
    ]
    return sheets, len(plans)


def training_export(*, user: StaffUser, campaign: Campaign, union: Organisation | None = None, request: Any = None) -> Generated:
    """The training plans the caller may see as an xlsx; one ``report.training_plans`` audit entry."""
    sheets, count = training_sheets(user=user, campaign=campaign, union=union)
    content = xlsx(sheets)
    audit(
        "report.training_plans",
        actor=user,
        request=request,
        obj=union,
        object_type="" if union is not None else "campaigns.campaign",
        object_id="" if union is not None else campaign.pk,
        detail={"year": campaign.year, "union": union.pk if union else None, "plans": count, "format": "xlsx"},
    )
    suffix = f"-{union.name}" if union is not None else ""
    return Generated(
        filename=f"{campaign.year}年度高技能人才培训计划{suffix}.xlsx",
        ascii_filename=f"training-plans-{campaign.year}{'-' + str(union.pk) if union else ''}.xlsx",
        content_type=XLSX_CONTENT_TYPE,
        content=content,
    )
