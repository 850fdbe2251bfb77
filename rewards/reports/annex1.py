"""附件1 任务分解表 with the live progress columns, and the dashboard's other tables, as xlsx.

The notice's Annex 1 has two columns after the unit (系统) and its number: the guidance number
(高技能人才奖励指导数（上不封顶）). The workbook keeps that layout (序号, 系统, 指导数) and appends
the live columns, then the 合计 line and the definitions. Scoped like the page (a union sees
its own line); the figures carry no personal information, but every download is an audited
export all the same (``report.annex1``, ``report.progress``), like the payment report.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from rewards.campaigns.models import Campaign
from rewards.campaigns.selectors import campaign_for_year
from rewards.core import clock
from rewards.core.audit import audit
from rewards.core.errors import InvalidInput

from .progress import Breakdown, Dashboard, Progress, ProgressRow, Scope, Tally, WeekRow, dashboard, progress
from .renderers import XLSX_CONTENT_TYPE, Column, Generated, Percent, Sheet, xlsx

if TYPE_CHECKING:
    from rewards.organisations.models import StaffUser

LABEL = "附件1"
#: Annex 1's own columns, then the live ones, in this order.
COLUMNS = (
    Column("序号", 6),
    Column("系统（单位）", 24, align="left"),
    Column("高技能人才奖励指导数（上不封顶）", 16, count=True),
    Column("已申报（人）", 12, count=True),
    Column("其中审核中（人）", 12, count=True),
    Column("审核通过（人）", 12, count=True),
    Column("已发放（人）", 12, count=True),
    Column("已发放金额（元）", 16, align="right"),
    Column("完成率（已申报÷指导数）", 14),
)
HEADERS = tuple(column.header for column in COLUMNS)
NOTES = (
    "说明：已申报含审核中（含已退回待补正的）、不予奖励和审核通过的申请，不含已撤回的；审核通过含已发放和发放失败待重新发放的；",
    "　　　已发放金额为已发放申请的奖励金额之和（发放后退汇的不计）；指导数上不封顶，完成率可超过100%。",
)
#: The dashboard's tables that can be downloaded, besides Annex 1 itself.
TABLES = ("annex1", "level", "channel", "migrant", "occupation", "week", "all")
#: Each table by its Chinese name (download file names, the audit log's 说明).
TABLE_NAMES = {
    "annex1": "汇总表（附件1）",
    "level": "按技能等级",
    "channel": "按申报方式",
    "migrant": "外来务工人员",
    "occupation": "按职业",
    "week": "按周",
    "all": "全部表格",
}


def title(year: int) -> str:
    return f"{year}年杭州市职工高技能人才奖励工作任务分解表（工作进度）"


def date_line() -> str:
    today = clock.today()
    return f"统计日期：{today.year}年{today.month}月{today.day}日"


def completion_text(value: Decimal | None) -> Percent | str:
    """A rate for the sheets: a :class:`Percent` (“12.5%” printed, a number in Excel), “—” without one."""
    return "—" if value is None else Percent(value)


def annex1_row(row: ProgressRow) -> list[Any]:
    t = row.tally
    return [
        row.position if row.position is not None else "",
        row.label,
        row.guidance,
        t.submitted,
        t.under_review,
        t.approved,
        t.paid,
        t.amount,
        completion_text(row.completion),
    ]


def annex1_sheet(board: Progress) -> Sheet:
    scope = board.scope
    notes = list(NOTES)
    if scope.partial_of is not None:
        notes.append(f"　　　本表只统计{scope.partial_of.name}填报的申请；指导数为所属区县（产业）工会的指导数。")
    return Sheet(
        name="任务分解表",
        label=LABEL,
        title=title(board.campaign.year),
        unit_line=f"统计范围：{scope.label}",
        date_line=date_line(),
        columns=COLUMNS,
        rows=[annex1_row(row) for row in [*board.rows, board.total]],
        notes=notes,
    )


def _tally_columns(first: str) -> list[Column]:
    return [
        Column(first, 26, align="left"),
        Column("已申报（人）", 12, count=True),
        Column("其中审核中（人）", 12, count=True),
        Column("审核通过（人）", 12, count=True),
        Column("已发放（人）", 12, count=True),
        Column("已发放金额（元）", 16, align="right"),
        Column("占已申报比例", 12),
    ]


def _tally_values(label: str, tally: Tally, whole: int) -> list[Any]:
    share = None if whole <= 0 else Decimal(tally.submitted) * 100 / Decimal(whole)
    return [label, tally.submitted, tally.under_review, tally.approved, tally.paid, tally.amount, completion_text(share)]


def breakdown_sheet(board: Dashboard, breakdown: Breakdown, *, name: str) -> Sheet:
    whole = breakdown.total.submitted
    return Sheet(
        name=name,
        title=f"{board.progress.campaign.year}年度高技能人才奖励工作进度（{breakdown.title}）",
        unit_line=f"统计范围：{board.progress.scope.label}",
        date_line=date_line(),
        columns=_tally_columns(breakdown.first),
        rows=[_tally_values(label, tally, whole) for label, tally in breakdown.rows] + [_tally_values("合计", breakdown.total, whole)],
        notes=NOTES,
    )


def week_sheet(board: Dashboard) -> Sheet:
    weeks: list[WeekRow] = board.weeks
    return Sheet(
        name="按周",
        title=f"{board.progress.campaign.year}年度高技能人才奖励每周申报量",
        unit_line=f"统计范围：{board.progress.scope.label}",
        date_line=date_line(),
        columns=[Column("周（周一至周日）", 26), Column("本周提交（人）", 14, count=True), Column("累计（人）", 12, count=True)],
        rows=[[f"{week.start:%Y-%m-%d}～{week.end:%Y-%m-%d}", week.submitted, week.cumulative] for week in weeks]
        + [["合计", sum(week.submitted for week in weeks), weeks[-1].cumulative if weeks else 0]],
        notes=("说明：按提交时间（北京时间）统计，不含已撤回的申请。",),
    )


def _generated(content: bytes, *, filename: str, ascii_filename: str) -> Generated:
    return Generated(filename=filename, ascii_filename=ascii_filename, content_type=XLSX_CONTENT_TYPE, content=content)


def _scope_names(user: StaffUser, scope: Scope) -> tuple[str, str]:
    """What a union's file is named after (its own lines only): ``-西湖区总工会`` and ``-16``; the
    city's whole table keeps the plain name, as Annex 5 and the training plans are named."""
    organisation = user.organisation
    if scope.whole_city or organisation is None:
        return "", ""
    return f"-{organisation.name}", f"-{organisation.pk}"


def annex1_export(*, user: StaffUser, year: str | int | None = None, request: Any = None) -> Generated:
    """Annex 1 with live progress as xlsx, scoped to the caller; one ``report.annex1`` audit entry."""
    campaign = campaign_for_year(year)
    board = progress(user, campaign)
    content = xlsx([annex1_sheet(board)])
    _audit("report.annex1", user=user, request=request, campaign=campaign, detail={"rows": len(board.rows)})
    name, ascii_name = _scope_names(user, board.scope)
    return _generated(
        content,
        filename=f"附件1-{campaign.year}年任务分解表（工作进度）{name}.xlsx",
        ascii_filename=f"annex1-{campaign.year}{ascii_name}.xlsx",
    )


def progress_table_export(*, user: StaffUser, table: str, year: str | int | None = None, request: Any = None) -> Generated:
    """One of the dashboard's tables (or ``all`` of them, a worksheet each) as xlsx."""
    if table == "annex1":
        return annex1_export(user=user, year=year, request=request)
    if table not in TABLES:
        raise InvalidInput(fields={"table": ["没有这张表。"]})
    campaign = campaign_for_year(year)
    board = dashboard(user, campaign)
    sheets = {
        "level": lambda: breakdown_sheet(board, board.levels, name="按技能等级"),
        "channel": lambda: breakdown_sheet(board, board.channels, name="按申报方式"),
        "migrant": lambda: breakdown_sheet(board, board.migrants, name="外来务工人员"),
        "occupation": lambda: breakdown_sheet(board, board.occupations, name="按职业（工种）"),
        "week": lambda: week_sheet(board),
    }
    chosen = [annex1_sheet(board.progress), *(make() for make in sheets.values())] if table == "all" else [sheets[table]()]
    content = xlsx(chosen)
    _audit("report.progress", user=user, request=request, campaign=campaign, detail={"table": table})
    name, ascii_name = _scope_names(user, board.progress.scope)
    return _generated(
        content,
        filename=f"{campaign.year}年度工作进度-{TABLE_NAMES[table]}{name}.xlsx",
        ascii_filename=f"progress-{campaign.year}-{table}{ascii_name}.xlsx",
    )


def _audit(action: str, *, user: StaffUser, request: Any, campaign: Campaign, detail: dict[str, Any]) -> None:
    audit(action, actor=user, request=request, obj=campaign, detail={"year": campaign.year, "format": "xlsx", **detail})
