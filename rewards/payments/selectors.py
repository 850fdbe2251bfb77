"""Reads of 核发 for the finance pages: batches, their totals and lines, what is payable now,
the lines whose card changed after approval, and the paid/failed report.

Payment data belongs to the city union (finance officers, auditors and city reviewers all
work there), so the reads are not narrowed to a subtree; the views decide who may read.
Card numbers leave here only masked (SECURITY.md 15)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum

from rewards.applications.models import Application, Flag, FlagCode
from rewards.campaigns.models import Campaign
from rewards.campaigns.selectors import campaign_units, level_amounts
from rewards.core.masking import mask_bank_card
from rewards.core.vocab import LEVEL_GRADE, Level

from .models import LineStatus, PaymentBatch, PaymentLine
from .services import payable

ZERO = Decimal("0.00")
#: The levels that carry an award (高级工, 技师, 高级技师), lowest first.
AWARD_LEVELS = [level for level in Level if LEVEL_GRADE[level] <= 3]
#: What the bank answered: paid, failed in its return file, or paid and sent back later (退汇).
#: A reversed line is neither a success nor a plain failure: the pages count it on its own.
ANSWERED_STATUSES = (LineStatus.PAID, LineStatus.FAILED, LineStatus.REVERSED)


@dataclass
class Tally:
    """A count and an amount."""

    count: int = 0
    amount: Decimal = ZERO

    def add(self, count: int, amount: Decimal | None) -> None:
        self.count += count
        self.amount += amount or ZERO


# --- batches -----------------------------------------------------------------------------------


def batches() -> QuerySet[PaymentBatch]:
    return PaymentBatch.objects.select_related("campaign", "union", "built_by", "approved_by", "sent_by", "cancelled_by").order_by(
        "-built_at", "-pk"
    )


def batches_with_results() -> QuerySet[PaymentBatch]:
    """The batches with how many of their lines the bank paid (and kept paid), failed, paid and
    then sent back (退汇), and has not answered: each line in one count."""
    return batches().annotate(
        paid_count=Count("lines", filter=Q(lines__status=LineStatus.PAID)),
        failed_count=Count("lines", filter=Q(lines__status=LineStatus.FAILED)),
        reversed_count=Count("lines", filter=Q(lines__status=LineStatus.REVERSED)),
        waiting_count=Count("lines", filter=Q(lines__status=LineStatus.SENT)),
    )


def batch_by_no(batch_no: str) -> PaymentBatch | None:
    return batches().filter(batch_no=(batch_no or "")[:20]).first()


def line_status_totals(batch: PaymentBatch) -> dict[str, Tally]:
    """Count and sum of the batch's lines per line status (every status present, zero or not)."""
    totals = {str(status): Tally() for status in LineStatus}
    for row in batch.lines.order_by().values("status").annotate(n=Count("pk"), s=Sum("amount")):
        totals[row["status"]].add(row["n"], row["s"])
    return totals


@dataclass
class UnionLevelRow:
    union: str
    levels: list[Tally] = field(default_factory=lambda: [Tally() for _ in AWARD_LEVELS])
    total: Tally = field(default_factory=Tally)


def _unit_order(campaign: Campaign) -> list[tuple[int, str]]:
    return [(unit.organisation_id, unit.organisation.name) for unit in campaign_units(campaign)]


def _union_level_table(campaign: Campaign, rows: Iterable[dict[str, Any]]) -> tuple[list[UnionLevelRow], UnionLevelRow]:
    """Rows of ``{"union_id", "union_name", "level", "n", "s"}`` folded into Annex 1 order."""
    order = _unit_order(campaign)
    table = {union_id: UnionLevelRow(name) for union_id, name in order}
    extra: dict[int, UnionLevelRow] = {}
    total = UnionLevelRow("合计")
    positions = {level.value: index for index, level in enumerate(AWARD_LEVELS)}
    for row in rows:
        target = table.get(row["union_id"]) or extra.setdefault(row["union_id"], UnionLevelRow(row["union_name"] or "其他"))
        index = positions.get(row["level"])
        for tally_row in (target, total):
            if index is not None:
                tally_row.levels[index].add(row["n"], row["s"])
            tally_row.total.add(row["n"], row["s"])
    ordered = [table[union_id] for union_id, _ in order if table[union_id].total.count]
    return ordered + sorted(extra.values(), key=lambda item: item.union), total


def batch_union_level_totals(batch: PaymentBatch) -> tuple[list[UnionLevelRow], UnionLevelRow]:
    """The batch's lines (cancelled ones too: a cancelled batch still shows what it held) per
    union, in Annex 1 order, and per level."""
    rows = (
        batch.lines.order_by()
        .values("application__union_id", "application__union__name", "application__new_level")
        .annotate(n=Count("pk"), s=Sum("amount"))
    )
    return _union_level_table(
        batch.campaign,
        (
            {
                "union_id": row["application__union_id"],
                "union_name": row["application__union__name"],
                "level": row["application__new_level"],
                "n": row["n"],
                "s": row["s"],
            }
            for row in rows
        ),
    )


def batch_lines(batch: PaymentBatch, *, q: str = "", status: str = "") -> QuerySet[PaymentLine]:
    """The batch's lines, searched by reference, name (its beginning) or application number."""
    queryset = batch.lines.select_related("application", "application__union")
    q = (q or "").strip()[:40]
    if q:
        queryset = queryset.filter(Q(reference__icontains=q) | Q(name__startswith=q) | Q(application__application_no__startswith=q))
    if status in LineStatus.values:
        queryset = queryset.filter(status=status)
    return queryset.order_by("reference")


def line_rows(lines: Iterable[PaymentLine]) -> list[dict[str, Any]]:
    """What a page shows of each line: the card number masked (first 6, last 4)."""
    rows = []
    for line in lines:
        app = line.application
        rows.append(
            {
                "reference": line.reference,
                "application_no": app.application_no,
                "name": line.name,
                "union": app.union.name if app.union_id else "",
                "level_label": Level(app.new_level).label if app.new_level in Level.values else app.new_level,
                "card": mask_bank_card(line.bank_card_no),
                "bank_branch": line.bank_branch,
                "amount": line.amount,
                "status": line.status,
                "status_label": LineStatus(line.status).label,
                "reason": line.reversal_reason if line.status == LineStatus.REVERSED else line.result_reason,
                "result_at": line.result_at,
                "results": bank_results(line),
                # Frozen at the build (payments 0004): a later correction changes neither.
                "bank_changed": line.card_changed is True,
                "bank_changed_at": line.card_changed_at,
                "bank_change_unknown": line.card_changed is None,
            }
        )
    return rows


@dataclass(frozen=True)
class BankResult:
    """One thing the bank did to a line: 成功 or 失败 (its return file), 退汇 (later)."""

    label: str
    at: Any
    reason: str = ""
    css: str = ""


def bank_results(line: PaymentLine) -> list[BankResult]:
    """What the bank did to ``line``, in order: a reversed line was paid first, and keeps both
    the time of that success and the reversal's own time and reason."""
    if line.status == LineStatus.FAILED:
        return [BankResult("失败", line.result_at, line.result_reason, "bad")]
    if line.status == LineStatus.PAID:
        return [BankResult("成功", line.result_at, css="ok")]
    if line.status == LineStatus.REVERSED:
        return [BankResult("成功", line.result_at, css="ok"), BankResult("退汇", line.reversed_at, line.reversal_reason, "bad")]
    return []


def application_lines(application: Application) -> list[dict[str, Any]]:
    """发放记录 of one application: each of its lines, oldest first, as :func:`line_rows` shows
    them, with the batch's number and when it was built."""
    lines = list(application.payment_lines.select_related("batch", "application", "application__union").order_by("pk"))
    rows = line_rows(lines)
    for row, line in zip(rows, lines, strict=True):
        row["batch_no"], row["built_at"] = line.batch.batch_no, line.batch.built_at
    return rows


@dataclass
class BankChanges:
    """The approval screen's 审核通过后更改了银行卡: the lines marked so at the build (``rows``)
    and how many lines of the batch nobody can say it of (``unknown``, built before it was
    recorded; payments 0004)."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    unknown: int = 0


def bank_changed_lines(batch: PaymentBatch) -> BankChanges:
    """Every line of the batch whose card had been changed after approval when the batch was
    built (frozen on the line), with the application's signal (resolved or not): the approving
    officer sees every one (DOMAIN.md §6). What each line says was fixed at the build: a card
    corrected later (this batch's payment failed) neither marks nor unmarks it. A signal raised
    after the build names a later correction: its handling is not this line's, only its time."""
    lines = batch.lines.exclude(status=LineStatus.CANCELLED)
    marked = list(lines.filter(card_changed=True).select_related("application", "application__union").order_by("reference"))
    flags = {
        flag.application_id: flag
        for flag in Flag.objects.filter(
            code=FlagCode.BANK_CHANGED, application_id__in=[line.application_id for line in marked]
        ).select_related("resolved_by")
    }
    rows = line_rows(marked)
    for row, line in zip(rows, marked, strict=True):
        flag = flags.get(line.application_id)
        same = flag is not None and flag.raised_at <= batch.built_at
        row["flag_message"] = flag.message if flag else ""
        row["flag_raised_at"] = line.card_changed_at
        row["flag_later_at"] = flag.raised_at if flag is not None and not same else None
        row["flag_resolved"] = bool(same and flag and flag.resolved_at)
        row["flag_resolution"] = flag.resolution_note if same and flag else ""
        row["flag_resolved_by"] = str(flag.resolved_by) if same and flag and flag.resolved_by else ""
    return BankChanges(rows, unknown=lines.filter(card_changed__isnull=True).count())


def paid_before_lines(batch: PaymentBatch) -> list[dict[str, Any]]:
    """Lines of the batch whose application was paid once already and the money came back
    (退汇) before the line was built: the approving officer sees each with that earlier payment,
    so a reversal registered by mistake does not quietly lead to a second payment, and the batch
    keeps showing them once approved and sent.

    Each line is shown with the latest reversal before it (an application may have been paid
    and sent back twice); a reversal of a later batch's line is not this line's past. An
    application has one live line at a time, so an earlier line (smaller id) was reversed before
    this one was built."""
    reversed_lines = (
        PaymentLine.objects.filter(application__payment_lines__batch=batch, status=LineStatus.REVERSED)
        .exclude(batch=batch)
        .select_related("batch")
        .order_by("pk")
    )
    earlier: dict[int, list[PaymentLine]] = {}
    for before in reversed_lines:
        earlier.setdefault(before.application_id, []).append(before)
    if not earlier:
        return []
    candidates = (
        batch.lines.exclude(status=LineStatus.CANCELLED)
        .filter(application_id__in=list(earlier))
        .select_related("application", "application__union")
        .order_by("reference")
    )
    shown: list[tuple[PaymentLine, PaymentLine]] = []
    for line in candidates:
        before_it = [before for before in earlier[line.application_id] if before.pk < line.pk]
        if before_it:
            shown.append((line, before_it[-1]))
    rows = line_rows(line for line, _ in shown)
    for row, (_, before) in zip(rows, shown, strict=True):
        row["earlier_reference"] = before.reference
        row["earlier_batch_no"] = before.batch.batch_no
        row["reversed_at"] = before.reversed_at
        row["reversal_reason"] = before.reversal_reason
    return rows


# --- building ---------------------------------------------------------------------------------


@dataclass
class PayableUnit:
    union_id: int
    name: str
    tally: Tally


def payable_summary(campaign: Campaign) -> tuple[Tally, list[PayableUnit]]:
    """What a build would take now (``payable``), in all and per Annex 1 union, with the
    amounts of the campaign's table (as the build freezes them)."""
    amounts = level_amounts(campaign)
    per_union: dict[int, Tally] = {}
    total = Tally()
    for row in payable(campaign).order_by().values("union_id", "new_level").annotate(n=Count("pk")):
        amount = amounts.get(row["new_level"], ZERO) * row["n"]
        per_union.setdefault(row["union_id"], Tally()).add(row["n"], amount)
        total.add(row["n"], amount)
    units = [PayableUnit(union_id, name, per_union.get(union_id, Tally())) for union_id, name in _unit_order(campaign)]
    return total, units


# --- the report -------------------------------------------------------------------------------


@dataclass
class ReportRow:
    """One row of 核发统计: every payment line sent to the bank in exactly one of ``paid``,
    ``failed``, ``reversed`` and ``pending``; ``repaid`` is part of ``paid``."""

    label: str
    paid: Tally = field(default_factory=Tally)
    #: Paid lines of applications whose earlier line failed or was sent back (重发成功).
    repaid: Tally = field(default_factory=Tally)
    failed: Tally = field(default_factory=Tally)
    reversed: Tally = field(default_factory=Tally)
    pending: Tally = field(default_factory=Tally)

    @property
    def empty(self) -> bool:
        return not (self.paid.count or self.failed.count or self.reversed.count or self.pending.count)


@dataclass
class PaymentReport:
    campaign: Campaign
    unions: list[ReportRow]
    levels: list[ReportRow]
    total: ReportRow


#: Where a line of each status is counted in :class:`ReportRow`.
_REPORT_COLUMNS: dict[str, str] = {
    LineStatus.PAID: "paid",
    LineStatus.FAILED: "failed",
    LineStatus.REVERSED: "reversed",
    LineStatus.SENT: "pending",
}


def payment_report(campaign: Campaign) -> PaymentReport:
    """已发放 / 发放失败 / 退汇 / 待银行回单, as counts and amounts of payment lines (each line in
    one column), per union in Annex 1 order and per level. An application whose payment failed
    (or came back) and was paid by a later batch has two lines: the earlier one stays under
    发放失败 (or 退汇), the later one is under 已发放, and counted again in its 其中重发成功."""
    order = _unit_order(campaign)
    unions = {union_id: ReportRow(name) for union_id, name in order}
    extra: dict[int, ReportRow] = {}
    levels = {level.value: ReportRow(level.label) for level in AWARD_LEVELS}
    total = ReportRow("合计")
    earlier_failure = Exists(
        PaymentLine.objects.filter(
            application_id=OuterRef("application_id"), status__in=[LineStatus.FAILED, LineStatus.REVERSED], pk__lt=OuterRef("pk")
        )
    )
    rows = (
        PaymentLine.objects.filter(batch__campaign=campaign, status__in=list(_REPORT_COLUMNS))
        .annotate(repaid=earlier_failure)
        .order_by()
        .values("application__union_id", "application__union__name", "application__new_level", "status", "repaid")
        .annotate(n=Count("pk"), s=Sum("amount"))
    )
    for row in rows:
        union_id = row["application__union_id"]
        union_row = unions.get(union_id) or extra.setdefault(union_id, ReportRow(row["application__union__name"] or "其他"))
        level_row = levels.setdefault(row["application__new_level"], ReportRow(row["application__new_level"]))
        column = _REPORT_COLUMNS[row["status"]]
        for target in (union_row, level_row, total):
            getattr(target, column).add(row["n"], row["s"])
            if column == "paid" and row["repaid"]:
                target.repaid.add(row["n"], row["s"])
    union_rows = [unions[union_id] for union_id, _ in order] + sorted(extra.values(), key=lambda item: item.label)
    return PaymentReport(campaign=campaign, unions=union_rows, levels=list(levels.values()), total=total)
