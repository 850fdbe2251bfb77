"""核发统计 as an xlsx: the page's two tables (per union in Annex 1 order, per level), made on
demand with the annexes' renderer; every download is an audited export."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rewards.campaigns.models import Campaign
from rewards.core import clock
from rewards.core.audit import audit
from rewards.reports.renderers import XLSX_CONTENT_TYPE, Column, Generated, Sheet, xlsx

from .selectors import PaymentReport, ReportRow, payment_report

if TYPE_CHECKING:
    from rewards.organisations.models import StaffUser

NOTES = (
    "说明：按付款明细统计，每笔明细只计入已发放、发放失败、退汇、待银行回单中的一项。",
    "已发放：银行发放成功、款项未被退回的明细。其中重发成功：此前发放失败或退汇、职工更正银行卡后在后续批次发放成功的明细；"
    "该申请此前的那笔明细仍计入发放失败或退汇。",
    "退汇：银行发放成功后又退回款项的明细，不计入已发放或发放失败。",
    "待银行回单：发放文件已报送银行、尚未导入银行回单的明细。",
)


def _columns(first: str) -> list[Column]:
    return [
        Column(first, 26, align="left"),
        Column("已发放笔数", 12, count=True),
        Column("已发放金额（元）", 16, align="right"),
        Column("其中重发成功笔数", 14, count=True),
        Column("发放失败笔数", 12, count=True),
        Column("发放失败金额（元）", 16, align="right"),
        Column("退汇笔数", 10, count=True),
        Column("退汇金额（元）", 14, align="right"),
        Column("待银行回单笔数", 14, count=True),
        Column("待银行回单金额（元）", 18, align="right"),
    ]


def _values(row: ReportRow) -> list[Any]:
    return [
        row.label,
        row.paid.count,
        row.paid.amount,
        row.repaid.count,
        row.failed.count,
        row.failed.amount,
        row.reversed.count,
        row.reversed.amount,
        row.pending.count,
        row.pending.amount,
    ]


def report_sheets(report: PaymentReport) -> list[Sheet]:
    today = clock.today()
    date_line = f"统计日期：{today.year}年{today.month}月{today.day}日"
    year = report.campaign.year
    return [
        Sheet(
            name="按工会",
            title=f"{year}年度高技能人才奖励核发统计（按区县市、产业工会）",
            columns=_columns("区县市、产业工会"),
            rows=[_values(row) for row in [*report.unions, report.total]],
            unit_line="填报单位：杭州市总工会职工服务中心",
            date_line=date_line,
            notes=NOTES,
        ),
        Sheet(
            name="按等级",
            title=f"{year}年度高技能人才奖励核发统计（按技能等级）",
            columns=_columns("技能等级"),
            rows=[_values(row) for row in [*report.levels, report.total]],
            unit_line="填报单位：杭州市总工会职工服务中心",
            date_line=date_line,
            notes=NOTES,
        ),
    ]


def payment_report_export(*, user: StaffUser, campaign: Campaign, request: Any = None) -> Generated:
    """The report as an xlsx; one ``report.payments`` audit entry per download."""
    report = payment_report(campaign)
    content = xlsx(report_sheets(report))
    audit(
        "report.payments",
        actor=user,
        request=request,
        obj=campaign,
        detail={
            "year": campaign.year,
            "format": "xlsx",
            "paid": report.total.paid.count,
            "failed": report.total.failed.count,
            "reversed": report.total.reversed.count,
        },
    )
    return Generated(
        filename=f"{campaign.year}年度奖励核发统计.xlsx",
        ascii_filename=f"payments-{campaign.year}.xlsx",
        content_type=XLSX_CONTENT_TYPE,
        content=content,
    )
