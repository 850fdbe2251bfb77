"""工作进度: Annex 1 (任务分解表) with live figures, and the dashboard's breakdowns.

Every figure counts applications of one campaign, scoped to the caller: the city union's
staff see every Annex 1 unit; a district/industry union's reviewer its own unit; a grassroots
clerk the row of its district/industry union, counting only the applications in the clerk's
own subtree (those it entered, as on its review queue). How the statuses count
(docs/decisions.md):

- **submitted** (已申报): every status but ``withdrawn`` (a returned, rejected or not yet
  初审'd application was submitted and stays counted);
- **under_review** (审核中): ``pending_*`` and ``returned``;
- **approved** (审核通过): ``approved``, ``paid`` and ``payment_failed`` (the city approved it;
  a failed payment is paid again after the card is corrected);
- **paid** (已发放): ``paid``; **amount**: the sum of the paid applications' amounts (a
  reversed payment, 退汇, makes the application ``payment_failed`` and leaves the sum);
- **completion** (完成率): submitted ÷ guidance, in per cent (guidance numbers are not caps).

The Annex 1 figures are one aggregate query, counts grouped by status, union and amount, that
reads the index ``app_progress`` (campaign, status, union, amount) alone, in its own order: no
row is touched and nothing sorted. The city reads the campaign's whole range of it (withdrawn lines are
skipped when adding up); a union's read seeks it per status and union. The dashboard's charts
(level, channel, migrant workers, occupation, week) are one more grouped query, over the rows.
``make bench`` times both with 1 000 000 applications (bench/progress.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, DateField, Func, QuerySet

from rewards.applications.models import Application
from rewards.campaigns.models import Campaign, CampaignUnit
from rewards.campaigns.selectors import campaign_units
from rewards.core import clock
from rewards.core.errors import Forbidden
from rewards.core.vocab import AWARDED_STATUSES, LEVEL_GRADE, PENDING_STATUSES, Channel, Level, Status
from rewards.organisations.models import Organisation, OrgKind, Role, StaffUser
from rewards.organisations.selectors import scope_to_subtree, visible_organisations

ZERO = Decimal("0.00")
#: Who may read the progress (API.md "Roles"): every staff role; what each sees is scoped.
PROGRESS_ROLES = frozenset(Role)
#: Counted as submitted: everything but a withdrawn application.
SUBMITTED_STATUSES = tuple(status for status in Status if status != Status.WITHDRAWN)
#: The levels that carry an award (高级工, 技师, 高级技师), lowest first.
AWARD_LEVELS = [level for level in Level if LEVEL_GRADE[level] <= 3]
#: Occupations shown one by one in the dashboard; the rest are added up as 其他.
TOP_OCCUPATIONS = 10
OTHER_UNITS = "其他（不在本年度附件1中的工会）"


@dataclass
class Tally:
    """What a set of applications adds up to (see the module's definitions)."""

    submitted: int = 0
    under_review: int = 0
    approved: int = 0
    paid: int = 0
    payment_failed: int = 0
    rejected: int = 0
    #: 已发放金额: the paid applications' amounts.
    amount: Decimal = ZERO
    #: 核定金额: the amounts of every approved application (paid, waiting or failed).
    approved_amount: Decimal = ZERO

    def add(self, status: str, count: int, amount: Decimal | None = None) -> None:
        if status == Status.WITHDRAWN:
            return
        self.submitted += count
        if status in PENDING_STATUSES:
            self.under_review += count
        elif status == Status.REJECTED:
            self.rejected += count
        if status in AWARDED_STATUSES:
            self.approved += count
            self.approved_amount += amount or ZERO
        if status == Status.PAID:
            self.paid += count
            self.amount += amount or ZERO
        elif status == Status.PAYMENT_FAILED:
            self.payment_failed += count

    def merge(self, other: Tally) -> None:
        self.submitted += other.submitted
        self.under_review += other.under_review
        self.approved += other.approved
        self.paid += other.paid
        self.payment_failed += other.payment_failed
        self.rejected += other.rejected
        self.amount += other.amount
        self.approved_amount += other.approved_amount


def percent(part: int, whole: int) -> Decimal | None:
    """``part`` of ``whole`` in per cent with one decimal; None when there is no whole."""
    if whole <= 0:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass
class ProgressRow:
    """One line of Annex 1: a unit, its guidance number and its live figures."""

    #: 附件1序号 (None for a line that is not in this campaign's Annex 1).
    position: int | None
    union: str
    organisation_id: int | None
    guidance: int
    tally: Tally = field(default_factory=Tally)
    #: The line's name on the page and in the xlsx (the union's, or for a grassroots clerk the
    #: union's with whose applications it counts); the API's ``union`` stays the union's name.
    shown: str = ""
    #: For a grassroots clerk's line: the grassroots union whose applications alone it counts
    #: (the API's ``filed_by``); empty for a whole union's line.
    partial_of: str = ""

    @property
    def label(self) -> str:
        return self.shown or self.union

    @property
    def completion(self) -> Decimal | None:
        return percent(self.tally.submitted, self.guidance)

    def as_api(self) -> dict[str, Any]:
        """The contract's names (``union``, ``guidance``, ``submitted``, ``approved``, ``paid``,
        ``amount``) and a few more."""
        t = self.tally
        return {
            "position": self.position,
            "union": self.union,
            "guidance": self.guidance,
            "submitted": t.submitted,
            "approved": t.approved,
            "paid": t.paid,
            "amount": f"{t.amount:.2f}",
            "under_review": t.under_review,
            "rejected": t.rejected,
            "payment_failed": t.payment_failed,
            "approved_amount": f"{t.approved_amount:.2f}",
            "completion": None if self.completion is None else f"{self.completion:.1f}",
            "filed_by": self.partial_of or None,
        }


@dataclass
class Scope:
    """What one caller sees of a campaign: which Annex 1 units, and which of their applications."""

    #: The units shown, in Annex 1 order (the city: all of them).
    units: list[CampaignUnit]
    #: May hold withdrawn applications: every sum goes through :class:`Tally`, which skips them.
    applications: QuerySet[Application]
    #: The city sees everything: applications of unions outside Annex 1 get a line of their own.
    whole_city: bool
    #: Shown above the tables: 全市, or the union (and the grassroots union for a clerk).
    label: str
    #: A grassroots clerk's figures count only the applications in its own subtree.
    partial_of: Organisation | None = None


@dataclass
class Progress:
    campaign: Campaign
    scope: Scope
    rows: list[ProgressRow]
    total: ProgressRow


def require_progress_role(user: StaffUser) -> None:
    if user.role not in PROGRESS_ROLES:
        raise Forbidden("您的角色不能查看工作进度。")


def progress_scope(user: StaffUser, campaign: Campaign) -> Scope:
    """The caller's part of ``campaign``, through the one scoping function."""
    require_progress_role(user)
    units = campaign_units(campaign)
    base = Application.objects.filter(campaign=campaign)
    organisation: Organisation | None = user.organisation
    if organisation is None:
        return Scope(units=[], applications=base.none(), whole_city=False, label="")
    if organisation.kind == OrgKind.CITY and organisation.parent_id is None:
        return Scope(units=units, applications=scope_to_subtree(base, user, org_field="union"), whole_city=True, label="全市")
    base = base.filter(status__in=SUBMITTED_STATUSES)  # (campaign, status, union): sought, not scanned
    district = organisation.district_union
    own = [unit for unit in units if district is not None and unit.organisation_id == district.pk]
    if not own and district is not None:  # a union that is not in this campaign's Annex 1
        own = [CampaignUnit(campaign=campaign, organisation=district, guidance=0, position=0)]
    # The caller's subtree as a list of unions (scope_to_subtree's rule, path prefix): the query
    # then seeks the index for each of them instead of joining every application to its union.
    if organisation.kind == OrgKind.GRASSROOTS:
        applications = base.filter(submitting_org__in=visible_organisations(user))
        label = f"{district.name if district else ''} · {organisation.name}（本单位填报）"
        return Scope(units=own, applications=applications, whole_city=False, label=label, partial_of=organisation)
    return Scope(units=own, applications=base.filter(union__in=visible_organisations(user)), whole_city=False, label=organisation.name)


def status_totals(applications: QuerySet[Application]) -> Any:
    """The one aggregate query: applications counted by status, union and amount, the index's
    own order (no sort). Counting by amount instead of adding amounts up spares the database a
    decimal sum per row (some 15 % of the query's CPU on PostgreSQL); there are as many amounts as
    levels, so :func:`amounts` multiplies a handful of lines."""
    return applications.order_by().values("status", "union_id", "amount").annotate(n=Count("*"))


def amounts(lines: Iterable[Mapping[str, Any]]) -> Iterable[tuple[Mapping[str, Any], Decimal]]:
    """Each aggregate line with the sum of its amounts (``amount`` × ``n``)."""
    for line in lines:
        yield line, (line["amount"] or ZERO) * line["n"]


def progress(user: StaffUser, campaign: Campaign) -> Progress:
    """Annex 1 with live figures, in the campaign's Annex 1 order, scoped to the caller."""
    scope = progress_scope(user, campaign)
    return annex1(campaign, scope, status_totals(scope.applications))


def annex1(campaign: Campaign, scope: Scope, lines: Iterable[Mapping[str, Any]]) -> Progress:
    """The Annex 1 lines from aggregate lines that carry ``union_id``, ``status``, ``amount`` and ``n``."""
    # A grassroots clerk's line counts its own applications only: its name says so, so that the
    # row (on the page and in the xlsx) does not read as the whole district's figures.
    suffix = f"（仅{scope.partial_of.name}填报）" if scope.partial_of is not None else ""
    rows = {
        unit.organisation_id: ProgressRow(
            unit.position or None,
            unit.organisation.name,
            unit.organisation_id,
            unit.guidance,
            shown=unit.organisation.name + suffix,
            partial_of=scope.partial_of.name if scope.partial_of is not None else "",
        )
        for unit in scope.units
    }
    other = ProgressRow(None, OTHER_UNITS, None, 0)
    for line, total_amount in amounts(lines):
        row = rows.get(line["union_id"])
        if row is None:
            if not scope.whole_city:
                continue  # never outside the caller's units
            row = other
        row.tally.add(line["status"], line["n"], total_amount)
    shown = list(rows.values()) + ([other] if other.tally.submitted else [])
    total = ProgressRow(None, "合计", None, sum(row.guidance for row in shown))
    for row in shown:
        total.tally.merge(row.tally)
    return Progress(campaign=campaign, scope=scope, rows=shown, total=total)


# --- the dashboard's breakdowns ------------------------------------------------------------------


@dataclass
class Breakdown:
    """One chart's table: a label column and its tallies, with the total."""

    key: str
    title: str
    first: str
    rows: list[tuple[str, Tally]]
    total: Tally


@dataclass
class WeekRow:
    start: dt.date
    submitted: int
    cumulative: int

    @property
    def end(self) -> dt.date:
        return self.start + dt.timedelta(days=6)

    @property
    def label(self) -> str:
        return f"{self.start:%m-%d}～{self.end:%m-%d}"


def week_labels(weeks: list[WeekRow]) -> dict[str, list[Any]]:
    """The weekly chart's axis labels (``ticks``, each week's Monday), tooltips (``labels``,
    Monday to Sunday) and the first week of each new year (``year_starts``, indices).

    MM-DD while every Monday is in one year (the campaign's, named by the page). When they run
    into the next year (a grace period into January) every label gives its year — 2026-12-28,
    2027-01-04 — so whichever labels the axis has room for read right, and the chart always
    labels the first week of the new year; a last week that alone runs into January gives both
    years in its tooltip. The data table and the workbook always write the whole date."""
    every_year = len({week.start.year for week in weeks}) > 1
    return {
        "ticks": [f"{week.start:%Y-%m-%d}" if every_year else f"{week.start:%m-%d}" for week in weeks],
        "labels": [
            f"{week.start:%Y-%m-%d}～{week.end:%Y-%m-%d}" if every_year or week.start.year != week.end.year else week.label
            for week in weeks
        ],
        "year_starts": [index for index in range(1, len(weeks)) if weeks[index].start.year != weeks[index - 1].start.year],
    }


@dataclass
class Dashboard:
    progress: Progress
    levels: Breakdown
    channels: Breakdown
    migrants: Breakdown
    occupations: Breakdown
    weeks: list[WeekRow]


def _breakdown(key: str, title: str, first: str, order: list[tuple[Any, str]], tallies: dict[Any, Tally]) -> Breakdown:
    rows = [(label, tallies.get(value, Tally())) for value, label in order]
    known = {value for value, _ in order}
    rows += [(str(value), tally) for value, tally in tallies.items() if value not in known]
    total = Tally()
    for _, tally in rows:
        total.merge(tally)
    return Breakdown(key=key, title=title, first=first, rows=rows, total=total)


class ShanghaiMonday(Func):
    """The Monday (Asia/Shanghai) of a timestamp's week, worked out by the database itself.

    Django's ``TruncDate`` with a time zone runs a Python function for every row on SQLite
    (seconds for a million rows); Asia/Shanghai has kept UTC+8 all year since 1991, so eight
    hours added is exact for every date this system holds.
    """

    output_field = DateField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        # 'weekday 0' moves to the coming Sunday (or stays on one); six days back is its Monday.
        return self.as_sql(compiler, connection, template="date(%(expressions)s, '+8 hours', 'weekday 0', '-6 days')", **extra)

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler, connection, template="(date_trunc('week', %(expressions)s AT TIME ZONE 'Asia/Shanghai'))::date", **extra
        )


def weekly(counts: dict[dt.date, int], campaign: Campaign, *, today: dt.date) -> list[WeekRow]:
    """Submissions per week (Monday to Sunday, Asia/Shanghai; ``counts`` by Monday) from the
    opening to today or the end of the grace period, whichever comes first, every week shown (a
    week without any is a 0)."""
    first_day = campaign.opens_on
    last_day = min(max(today, campaign.opens_on), campaign.application_deadline + dt.timedelta(days=campaign.resubmission_grace_days))
    if counts:
        first_day, last_day = min(first_day, *counts), max(last_day, *counts)
    start = first_day - dt.timedelta(days=first_day.weekday())
    weeks: list[WeekRow] = []
    cumulative = 0
    while start <= last_day:
        submitted = counts.get(start, 0)
        cumulative += submitted
        weeks.append(WeekRow(start=start, submitted=submitted, cumulative=cumulative))
        start += dt.timedelta(days=7)
    return weeks


def dashboard(user: StaffUser, campaign: Campaign, *, today: dt.date | None = None) -> Dashboard:
    """Annex 1 and the charts' tables: by level, channel, migrant workers, occupation and week."""
    board = progress(user, campaign)
    scope = board.scope
    applications = scope.applications
    if not scope.whole_city:
        applications = applications.filter(union_id__in=[row.organisation_id for row in board.rows])  # as on its lines
    # The charts: one more grouped query, by every dimension they show at once.
    lines = (
        applications.order_by()
        .annotate(monday=ShanghaiMonday("submitted_at"))
        .values("status", "new_level", "channel", "is_migrant", "occupation", "monday", "amount")
        .annotate(n=Count("*"))
    )
    levels: dict[Any, Tally] = {}
    channels: dict[Any, Tally] = {}
    migrants: dict[Any, Tally] = {}
    occupations: dict[Any, Tally] = {}
    per_week: dict[dt.date, int] = {}
    for line, total_amount in amounts(lines):
        for table, value in (
            (levels, line["new_level"]),
            (channels, line["channel"]),
            (migrants, line["is_migrant"]),
            (occupations, line["occupation"]),
        ):
            table.setdefault(value, Tally()).add(line["status"], line["n"], total_amount)
        monday = line["monday"]
        if isinstance(monday, str):  # SQLite answers text
            monday = dt.date.fromisoformat(monday)
        if monday is not None and line["status"] != Status.WITHDRAWN:
            per_week[monday] = per_week.get(monday, 0) + line["n"]
    ranked = sorted(occupations.items(), key=lambda item: (-item[1].submitted, item[0]))
    top = [(name, tally) for name, tally in ranked[:TOP_OCCUPATIONS]]
    rest = Tally()
    for _, tally in ranked[TOP_OCCUPATIONS:]:
        rest.merge(tally)
    if rest.submitted:
        top.append((f"其他 {len(ranked) - TOP_OCCUPATIONS} 个职业（工种）", rest))
    occupation_total = Tally()
    for _, tally in top:
        occupation_total.merge(tally)
    return Dashboard(
        progress=board,
        levels=_breakdown("level", "按技能等级", "技能等级", [(level.value, str(level.label)) for level in AWARD_LEVELS], levels),
        channels=_breakdown("channel", "按申报方式", "申报方式", [(c.value, str(c.label)) for c in Channel], channels),
        migrants=_breakdown("migrant", "外来务工人员与本地职工", "职工类别", [(True, "外来务工人员"), (False, "本地职工")], migrants),
        occupations=Breakdown(
            key="occupation",
            title=f"按职业（工种），申报人数前{TOP_OCCUPATIONS}位",
            first="职业（工种）",
            rows=top,
            total=occupation_total,
        ),
        weeks=weekly(per_week, campaign, today=today or clock.today()),
    )
