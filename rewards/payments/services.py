"""核发: building, approving and sending payment batches (DOMAIN.md §6, SECURITY.md 19–22); the
bank's results and reversals are in ``results`` (re-exported here).

One function per change of state. Every one is a single transaction; batch operations write
one audit entry each (not one per line); SMS are queued in the same transaction and sent after
commit.
"""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Exists, OuterRef, Subquery, Sum

from rewards.applications.models import Application, Flag, FlagCode
from rewards.campaigns.models import Campaign
from rewards.campaigns.selectors import current_campaign, level_amounts
from rewards.core import clock
from rewards.core.audit import audit
from rewards.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from rewards.core.tabular import no_formulas, spreadsheet_text
from rewards.core.vocab import Status
from rewards.organisations.models import Organisation
from rewards.reports.access import DENIAL_RECORDED

from . import digest
from .access import CHUNK, _batch, _require_finance
from .models import BatchStatus, LineStatus, PaymentBatch, PaymentLine
from .results import RESULT_HEADER, ResultFileRefused, ResultRow, parse_result_file, payment_line_reversal, payment_results_import
from .turns import BuildInProgress, build_turn, lock_campaign

if TYPE_CHECKING:
    from rewards.organisations.models import StaffUser

FILE_HEADER = ["reference", "name", "bank_card_no", "bank_branch", "amount"]
#: PaymentBatch.idempotency_key's length.
IDEMPOTENCY_KEY_CHARS = 100
#: The bank file's formats: CSV (API.md), or the same rows as an xlsx workbook.
FILE_FORMATS = ("csv", "xlsx")
#: The xlsx bank file's columns in Chinese; a sum of money says its unit, as the report's do.
XLSX_HEADER = ["付款参考号", "户名", "银行卡号", "开户行", "金额（元）"]
XLSX_SUMMARY_HEADER = ["批次号", "笔数", "金额合计（元）"]


# --- build ---------------------------------------------------------------------------------------


def approved_unpaid(campaign: Campaign | None, union: Organisation | None = None):  # type: ignore[no-untyped-def]
    """Approved applications with no live payment line (paid ones have one forever), of one
    campaign or (``None``) of every campaign."""
    live = PaymentLine.objects.filter(application=OuterRef("pk"), live=True)
    queryset = Application.objects.filter(status=Status.APPROVED).exclude(Exists(live))
    if campaign is not None:
        queryset = queryset.filter(campaign=campaign)
    if union is not None:
        queryset = queryset.filter(union__path__startswith=union.path)
    return queryset


def unresolved_hard_signal():  # type: ignore[no-untyped-def]
    return Exists(Flag.objects.filter(application=OuterRef("pk"), hard=True, resolved_at__isnull=True))


def payable(campaign: Campaign | None, union: Organisation | None = None):  # type: ignore[no-untyped-def]
    """What a batch takes: :func:`approved_unpaid` but those with a hard signal nobody has
    resolved (DOMAIN.md §4). A card corrected after a failed payment goes back to ``approved``
    without a review: a card that another person's application uses waits here for the city's
    reviewer instead of going to the bank."""
    return approved_unpaid(campaign, union).exclude(unresolved_hard_signal())


def held_back(campaign: Campaign):  # type: ignore[no-untyped-def]
    """Approved, unpaid applications that a hard signal keeps out of the batches."""
    return approved_unpaid(campaign).filter(unresolved_hard_signal())


def campaigns_with_payable(union: Organisation | None = None) -> dict[int, int]:
    """How many applications each campaign has to pay (campaign id → count), earliest year first.

    A batch is of one campaign (its amounts table and number), but payment knows no year: an
    application approved late, or a card corrected after a failed payment, may still wait when
    the next year's campaign is already the current one (DOMAIN.md §3: corrections have no
    deadline)."""
    rows = payable(None, union).order_by("campaign__year").values_list("campaign_id").annotate(n=Count("pk"))
    return dict(rows)


def payment_campaign(union: Organisation | None = None) -> Campaign | None:
    """The campaign a batch is built for when none is named: the current one while it has
    something to pay, else the earliest that has, else the current one (nothing to pay)."""
    current = current_campaign()
    waiting = campaigns_with_payable(union)
    if current is not None and current.pk in waiting:
        return current
    if waiting:
        return Campaign.objects.get(pk=next(iter(waiting)))
    return current


def payment_batch_build(
    *, user: StaffUser, campaign: Campaign | None = None, union: Organisation | None = None, idempotency_key: str = "", request: Any = None
) -> tuple[PaymentBatch, bool]:
    """Builds a batch of every payable application of ``campaign`` (when ``None``, of
    :func:`payment_campaign`); returns ``(batch, created)``. The same idempotency key of the
    same officer returns the batch it built before."""
    _require_finance(user)
    key = (idempotency_key or "").strip()
    if len(key) > IDEMPOTENCY_KEY_CHARS:  # cut, two keys alike in their first 100 would replay each other's batch
        raise InvalidInput(fields={"Idempotency-Key": [f"幂等键（Idempotency-Key）最多 {IDEMPOTENCY_KEY_CHARS} 个字符。"]})
    if key:
        earlier = PaymentBatch.objects.filter(built_by=user, idempotency_key=key).first()
        if earlier is not None:
            return _same_request(earlier, campaign, union), False
    named = campaign
    campaign = campaign or payment_campaign(union)
    if campaign is None:
        raise NotFound("目前没有奖励活动，不能生成核发批次。")
    try:
        with build_turn(campaign), transaction.atomic():
            batch = _build(user=user, campaign=campaign, union=union, key=key, request=request)
    except IntegrityError as exc:
        earlier = PaymentBatch.objects.filter(built_by=user, idempotency_key=key).first() if key else None
        if earlier is not None:
            return _same_request(earlier, named, union), False
        raise Conflict("另一位财务人员正在生成批次，请稍后重试。", code="concurrent_build") from exc
    return batch, True


def _same_request(earlier: PaymentBatch, campaign: Campaign | None, union: Organisation | None) -> PaymentBatch:
    """A key names one request: the same key with another scope is a mistake, not a replay. A
    request that named no year is the same request whichever year its batch was built for."""
    other_year = campaign is not None and earlier.campaign_id != campaign.pk
    if other_year or earlier.union_id != (union.pk if union else None):
        raise Conflict(
            f"该幂等键（Idempotency-Key）已用于生成批次 {earlier.batch_no}（范围不同）：新的请求请使用新的键。",
            code="idempotency_key_reused",
        )
    return earlier


#: A batch number: P, the campaign's year, and the year's counter of batches (5 digits).
BATCH_NO_DIGITS = 5


def _next_batch_no(campaign: Campaign) -> str:
    """The next number of ``campaign``'s year: ``P2020`` and a counter from 00001, one past the
    highest of the year's numbers so far (cancelled batches keep theirs; numbers made before the
    counter, ``P{year}{id}``, are of the same shape and stay). The caller holds the campaign's
    row lock until its transaction ends, so two builds of one year never draw the same number;
    ``batch_no`` being unique is the last word."""
    prefix = f"P{campaign.year}"
    taken = PaymentBatch.objects.filter(batch_no__startswith=prefix).values_list("batch_no", flat=True)
    counters = [int(no[len(prefix) :]) for no in taken if len(no) == len(prefix) + BATCH_NO_DIGITS and no[len(prefix) :].isdigit()]
    number = max(counters, default=0) + 1
    if number >= 10**BATCH_NO_DIGITS:
        raise Conflict(
            f"{campaign.year}年度的核发批次号已用完（{10**BATCH_NO_DIGITS - 1:,} 个），请联系系统管理员。", code="batch_numbers_used_up"
        )
    return f"{prefix}{number:0{BATCH_NO_DIGITS}d}"


def _build(*, user: StaffUser, campaign: Campaign, union: Organisation | None, key: str, request: Any) -> PaymentBatch:
    # Builds of one year take turns (the campaign's row, locked until the commit): each draws the
    # year's next batch number, and a second build sees the first one's lines as taken. One that
    # would wait is refused at once instead (``turns``).
    lock_campaign(campaign)
    # 卡已变更 is frozen with the card: the signal's time moves with each later correction, so
    # the line keeps whether (and when) the card it carries had been changed after approval.
    card_changed_at = Flag.objects.filter(application=OuterRef("pk"), code=FlagCode.BANK_CHANGED).values("raised_at")[:1]
    queryset = payable(campaign, union).annotate(card_changed_at=Subquery(card_changed_at)).order_by("pk")
    if connection.features.has_select_for_update_skip_locked:
        # Concurrent builders take disjoint sets; the unique live-line index is the last word.
        queryset = queryset.select_for_update(skip_locked=True, of=("self",))
    amounts = level_amounts(campaign)
    now = clock.now()
    batch = PaymentBatch.objects.create(
        batch_no=f"T{uuid.uuid4().hex[:18]}",
        campaign=campaign,
        union=union,
        count=0,
        total_amount=Decimal("0.00"),
        content_digest="",
        built_by=user,
        built_at=now,
        idempotency_key=key,
    )
    batch.batch_no = _next_batch_no(campaign)
    lines: list[PaymentLine] = []
    for index, application in enumerate(
        queryset.only("pk", "name", "bank_card_no", "bank_card_hash", "bank_branch", "new_level").iterator(chunk_size=CHUNK), start=1
    ):
        lines.append(
            PaymentLine(
                batch=batch,
                application_id=application.pk,
                reference=f"{batch.batch_no}-{index:06d}",
                name=application.name,
                bank_card_no=application.bank_card_no,
                bank_card_hash=application.bank_card_hash,
                bank_branch=application.bank_branch,
                # Amounts from the campaign's table on the server, never from a client.
                amount=amounts[application.new_level],
                card_changed=application.card_changed_at is not None,
                card_changed_at=application.card_changed_at,
            )
        )
    if not lines:
        held = approved_unpaid(campaign, union).filter(unresolved_hard_signal()).count()
        raise Conflict(
            "没有待发放的申请（已审核通过且未在其他批次中）。"
            + (f"另有 {held} 份已审核通过的申请有尚未处理的硬性风险信号，须由市总审核人处理后才能发放。" if held else ""),
            code="nothing_to_pay",
        )
    PaymentLine.objects.bulk_create(lines, batch_size=2000)
    batch.count = len(lines)
    batch.total_amount = sum((line.amount for line in lines), Decimal("0.00"))
    batch.digest_version = digest.CURRENT
    batch.content_digest = digest.frozen_digest(lines, batch.digest_version)
    batch.save(update_fields=["batch_no", "count", "total_amount", "digest_version", "content_digest"])
    audit(
        "payment.batch_build",
        actor=user,
        obj=batch,
        request=request,
        detail={
            "batch_no": batch.batch_no,
            "count": batch.count,
            "total": f"{batch.total_amount:.2f}",
            "union": union.pk if union else None,
        },
    )
    return batch


# --- approve, cancel, file -----------------------------------------------------------------------


@dataclass(frozen=True)
class LineChange:
    reference: str
    application_no: str
    what: str


def changes_since_build(batch: PaymentBatch) -> list[LineChange]:
    """Lines whose application no longer matches what was frozen (the approval screen shows them)."""
    changes = []
    lines = (
        batch.lines.exclude(status=LineStatus.CANCELLED)
        .select_related("application")
        .only(
            # batch_id too: the related manager sets each line's batch from it, and a deferred
            # batch_id cost one query per line (100 000 queries, about a minute, per approval).
            "batch",
            "reference",
            "bank_card_hash",
            "bank_branch",
            "name",
            "amount",
            "application__application_no",
            "application__status",
            "application__bank_card_hash",
            "application__bank_branch",
            "application__name",
        )
    )
    # A hard signal raised since the build (a card now shared with another person's application,
    # say) stops the approval as a change does: the city's reviewer resolves it first.
    signalled: dict[int, str] = {}
    for application_id, code in Flag.objects.filter(
        application__payment_lines__batch=batch, hard=True, resolved_at__isnull=True
    ).values_list("application_id", "code"):
        signalled.setdefault(application_id, FlagCode(code).label)
    for line in lines.iterator(chunk_size=CHUNK):
        app = line.application
        whats = []
        if app.pk in signalled:
            whats.append(f"出现了未处理的风险信号（{signalled[app.pk]}）")
        if app.bank_card_hash != line.bank_card_hash or app.bank_branch != line.bank_branch:
            whats.append("银行卡信息已变更")
        if app.name != line.name:
            whats.append("姓名已变更")
        if app.status not in (Status.APPROVED, Status.PAID):
            whats.append(f"申请状态已变为“{Status(app.status).label}”")
        if whats:
            changes.append(LineChange(line.reference, app.application_no, "；".join(whats)))
    return changes


def payment_batch_approve(*, user: StaffUser, batch_no: str, request: Any = None) -> PaymentBatch:
    """复核: a second finance officer approves the frozen content (never the builder)."""
    _require_finance(user)
    try:
        return _approve(user=user, batch_no=batch_no, request=request)
    except OwnBatch:
        # The builder's attempt is on the batch's record, after the rollback, where the auditor
        # looks for it (SECURITY.md 5, 17); the API then writes no second, vaguer access.denied.
        audit(
            "payment.batch_approve",
            actor=user,
            obj=_batch(batch_no),
            request=request,
            result="denied",
            detail={"batch_no": batch_no, "reason": "own_batch"},
        )
        if request is not None:
            setattr(request, DENIAL_RECORDED, True)
        raise


class OwnBatch(Forbidden):
    """四眼原则: the builder of a batch asked to approve it."""


def _approve(*, user: StaffUser, batch_no: str, request: Any) -> PaymentBatch:
    with transaction.atomic():
        batch = _batch(batch_no, lock=True)
        if batch.built_by_id == user.pk:
            raise OwnBatch("生成批次的财务人员不能复核自己生成的批次（四眼原则）。")
        if batch.status == BatchStatus.APPROVED and batch.approved_by_id == user.pk:
            return batch
        if batch.status != BatchStatus.BUILT:
            raise Conflict(f"该批次当前为“{BatchStatus(batch.status).label}”，不能复核。", code="wrong_stage")
        if not digest.content_unchanged(batch):
            raise Conflict("批次内容与生成时不一致，复核无效。请作废后重新生成。", code="content_changed")
        changed = changes_since_build(batch)
        if changed:
            raise Conflict(f"有 {len(changed)} 笔明细的申请在生成后发生了变化，请作废该批次后重新生成。", code="changed_since_build")
        batch.status = BatchStatus.APPROVED
        batch.approved_by = user
        batch.approved_at = clock.now()
        batch.save(update_fields=["status", "approved_by", "approved_at"])
        batch.lines.filter(status=LineStatus.BUILT).update(status=LineStatus.APPROVED)
        audit(
            "payment.batch_approve",
            actor=user,
            obj=batch,
            request=request,
            detail={"batch_no": batch.batch_no, "count": batch.count, "total": f"{batch.total_amount:.2f}"},
        )
    return batch


def payment_batch_cancel(*, user: StaffUser, batch_no: str, request: Any = None) -> PaymentBatch:
    """作废 before the file was first downloaded; its applications become payable again."""
    _require_finance(user)
    with transaction.atomic():
        batch = _batch(batch_no, lock=True)
        if batch.status == BatchStatus.CANCELLED:
            return batch
        if batch.status == BatchStatus.SENT:
            raise Conflict("发放文件已下载（已报送银行），批次不能作废。", code="already_sent")
        previous = str(batch.status)
        batch.status = BatchStatus.CANCELLED
        batch.cancelled_by = user
        batch.cancelled_at = clock.now()
        batch.save(update_fields=["status", "cancelled_by", "cancelled_at"])
        batch.lines.filter(live=True).update(status=LineStatus.CANCELLED, live=False)
        audit(
            "payment.batch_cancel",
            actor=user,
            obj=batch,
            request=request,
            detail={"batch_no": batch.batch_no, "count": batch.count, "total": f"{batch.total_amount:.2f}", "from": previous},
        )
    return batch


def payment_batch_file(*, user: StaffUser, batch_no: str, request: Any = None, fmt: str = "csv") -> tuple[bytes, PaymentBatch]:
    """The bank disbursement file, from the approved frozen content only. The first download
    marks the batch sent. Generated on demand, never kept (it carries full card numbers)."""
    _require_finance(user)
    fmt = (fmt or "csv").strip().lower()
    with transaction.atomic():
        batch = _batch(batch_no, lock=True)
        if fmt not in FILE_FORMATS:  # after the 404, before the first download marks it sent
            raise InvalidInput(fields={"format": ["发放文件的格式应为 csv（默认）或 xlsx。"]})
        if batch.status == BatchStatus.CANCELLED:
            raise Conflict("该批次已作废，不能下载发放文件；其中的申请可编入新的批次。", code="cancelled")
        if batch.status not in (BatchStatus.APPROVED, BatchStatus.SENT):
            raise Conflict("批次须先经另一位财务人员复核，才能下载发放文件。", code="not_approved")
        if not digest.content_unchanged(batch):
            raise Conflict("批次内容与复核时不一致，不能生成发放文件。", code="content_changed")
        first = batch.status == BatchStatus.APPROVED
        if first:
            batch.status = BatchStatus.SENT
            batch.sent_at = clock.now()
            batch.sent_by = user
            batch.save(update_fields=["status", "sent_at", "sent_by"])
            batch.lines.filter(status=LineStatus.APPROVED).update(status=LineStatus.SENT)
        # Downloaded again, the file holds only the lines still waiting for the bank's answer:
        # one already paid (or failed, or reversed) sent again would be paid twice.
        lines = batch.lines.filter(status=LineStatus.SENT)
        count = lines.count()
        if not count:
            raise Conflict("该批次的每一笔都已有银行结果，没有需要再次报送的内容。", code="nothing_to_send")
        values = lines.order_by("reference").values_list("reference", "name", "bank_card_no", "bank_branch", "amount")
        rows = ([ref, name, card, branch, f"{amount:.2f}"] for ref, name, card, branch, amount in values.iterator(chunk_size=CHUNK))
        content = _xlsx(rows, batch) if fmt == "xlsx" else _csv(rows)
        audit(
            "payment.file_download",
            actor=user,
            obj=batch,
            request=request,
            detail={"batch_no": batch.batch_no, "first": first, "format": fmt, "count": count, "answered": batch.count - count},
        )
    return content, batch


def _csv(rows) -> bytes:  # type: ignore[no-untyped-def]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(FILE_HEADER)
    writer.writerows([spreadsheet_text(value) for value in row] for row in rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _xlsx(rows, batch: PaymentBatch) -> bytes:  # type: ignore[no-untyped-def]
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(batch.batch_no)
    sheet.append(XLSX_HEADER)
    count, total = 0, Decimal("0.00")
    for row in rows:
        cells = []
        for value in row[:-1]:  # text: a card number must keep every digit
            cell = WriteOnlyCell(sheet, value=value)
            cell.number_format = "@"
            cells.append(cell)
        no_formulas(cells)
        amount = Decimal(row[-1])
        cell = WriteOnlyCell(sheet, value=amount)  # a number, so that Excel can add the column up
        cell.number_format = "0.00"
        cells.append(cell)
        sheet.append(cells)
        count, total = count + 1, total + amount
    # The control figures on a sheet of their own: the data sheet stays one row per payment.
    summary = workbook.create_sheet("合计")
    summary.append(XLSX_SUMMARY_HEADER)
    total_cell = WriteOnlyCell(summary, value=total)
    total_cell.number_format = "0.00"
    summary.append([batch.batch_no, count, total_cell])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def paid_total(campaign: Campaign) -> Decimal:
    return PaymentLine.objects.filter(batch__campaign=campaign, status=LineStatus.PAID).aggregate(total=Sum("amount"))["total"] or Decimal(
        "0.00"
    )


__all__ = [
    "RESULT_HEADER",
    "BuildInProgress",
    "ResultFileRefused",
    "ResultRow",
    "campaigns_with_payable",
    "changes_since_build",
    "parse_result_file",
    "payable",
    "payment_batch_approve",
    "payment_batch_build",
    "payment_batch_cancel",
    "payment_batch_file",
    "payment_campaign",
    "payment_line_reversal",
    "payment_results_import",
]
