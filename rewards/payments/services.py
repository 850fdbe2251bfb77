"""核发: building, approving, sending and reconciling payment batches (DOMAIN.md §6, SECURITY.md 19–22).

One function per change of state. Every one is a single transaction; batch operations write
one audit entry each (not one per line); SMS are queued in the same transaction and sent after
commit.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import uuid
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef, Sum

from rewards.applications.models import Application, Flag, FlagCode
from rewards.campaigns.models import Campaign
from rewards.campaigns.selectors import level_amounts
from rewards.core import clock
from rewards.core.audit import audit
from rewards.core.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from rewards.core.masking import mask_numbers_of
from rewards.core.tabular import no_formulas, spreadsheet_text
from rewards.core.text import written_note
from rewards.core.vocab import Status
from rewards.notifications.services import SmsRequest, sms_enqueue_many
from rewards.notifications.templates import sms_reason
from rewards.organisations.models import Organisation, Role

from .models import BatchStatus, LineStatus, PaymentBatch, PaymentLine, ResultImport

CHUNK = 5000
FILE_HEADER = ["reference", "name", "bank_card_no", "bank_branch", "amount"]
RESULT_HEADER = ["reference", "amount", "result", "reason"]


class ResultFileRefused(DomainError):
    """The bank's return file is refused whole; ``reasons`` lists why (row by row)."""

    status = 400
    code = "invalid_result_file"
    default_message = "银行回单文件未导入：文件中有无法接受的行，数据库未作任何改动。"


def _require_finance(user: Any) -> None:
    if getattr(user, "role", "") != Role.FINANCE_OFFICER:
        raise Forbidden("只有市总工会财务人员可以办理奖励核发。")


def _batch(batch_no: str, *, lock: bool = False) -> PaymentBatch:
    queryset = PaymentBatch.objects.select_related("campaign", "built_by")
    if lock:
        queryset = queryset.select_for_update()
    batch = queryset.filter(batch_no=batch_no).first()
    if batch is None:
        raise NotFound("没有找到该核发批次。")
    return batch


def _digest(rows: list[tuple[str, int, str, str, str, Decimal]]) -> str:
    digest = hashlib.sha256()
    for reference, application_id, card_hash, name, branch, amount in sorted(rows):
        digest.update(f"{reference}|{application_id}|{card_hash}|{name}|{branch}|{amount:.2f}\n".encode())
    return digest.hexdigest()


def content_digest(batch: PaymentBatch) -> str:
    """The frozen content of a batch as it stands in the database now."""
    rows = batch.lines.exclude(status=LineStatus.CANCELLED).values_list(
        "reference", "application_id", "bank_card_hash", "name", "bank_branch", "amount"
    )
    return _digest(list(rows))


# --- build ---------------------------------------------------------------------------------------


def approved_unpaid(campaign: Campaign, union: Organisation | None = None):  # type: ignore[no-untyped-def]
    """Approved applications with no live payment line (paid ones have one forever)."""
    live = PaymentLine.objects.filter(application=OuterRef("pk"), live=True)
    queryset = Application.objects.filter(campaign=campaign, status=Status.APPROVED).exclude(Exists(live))
    if union is not None:
        queryset = queryset.filter(union__path__startswith=union.path)
    return queryset


def unresolved_hard_signal():  # type: ignore[no-untyped-def]
    return Exists(Flag.objects.filter(application=OuterRef("pk"), hard=True, resolved_at__isnull=True))


def payable(campaign: Campaign, union: Organisation | None = None):  # type: ignore[no-untyped-def]
    """What a batch takes: :func:`approved_unpaid` but those with a hard signal nobody has
    resolved (DOMAIN.md §4). A card corrected after a failed payment goes back to ``approved``
    without a review: a card that another person's application uses waits here for the city's
    reviewer instead of going to the bank."""
    return approved_unpaid(campaign, union).exclude(unresolved_hard_signal())


def held_back(campaign: Campaign):  # type: ignore[no-untyped-def]
    """Approved, unpaid applications that a hard signal keeps out of the batches."""
    return approved_unpaid(campaign).filter(unresolved_hard_signal())


def payment_batch_build(
    *, user: Any, campaign: Campaign, union: Organisation | None = None, idempotency_key: str = "", request: Any = None
) -> tuple[PaymentBatch, bool]:
    """Builds a batch of every payable application; returns ``(batch, created)``. The same
    idempotency key of the same officer returns the batch it built before."""
    _require_finance(user)
    key = (idempotency_key or "").strip()[:100]
    if key:
        earlier = PaymentBatch.objects.filter(built_by=user, idempotency_key=key).first()
        if earlier is not None:
            return _same_request(earlier, campaign, union), False
    try:
        with transaction.atomic():
            batch = _build(user=user, campaign=campaign, union=union, key=key, request=request)
    except IntegrityError as exc:
        earlier = PaymentBatch.objects.filter(built_by=user, idempotency_key=key).first() if key else None
        if earlier is not None:
            return _same_request(earlier, campaign, union), False
        raise Conflict("另一位财务人员正在生成批次，请稍后重试。", code="concurrent_build") from exc
    return batch, True


def _same_request(earlier: PaymentBatch, campaign: Campaign, union: Organisation | None) -> PaymentBatch:
    """A key names one request: the same key with another scope is a mistake, not a replay."""
    if earlier.campaign_id != campaign.pk or earlier.union_id != (union.pk if union else None):
        raise Conflict(
            f"该幂等键（Idempotency-Key）已用于生成批次 {earlier.batch_no}（范围不同）：新的请求请使用新的键。",
            code="idempotency_key_reused",
        )
    return earlier


def _build(*, user: Any, campaign: Campaign, union: Organisation | None, key: str, request: Any) -> PaymentBatch:
    queryset = payable(campaign, union).order_by("pk")
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
    batch.batch_no = f"P{campaign.year}{batch.pk:05d}"
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
            )
        )
    if not lines:
        raise Conflict("没有待发放的申请（已审核通过且未在其他批次中）。", code="nothing_to_pay")
    PaymentLine.objects.bulk_create(lines, batch_size=2000)
    batch.count = len(lines)
    batch.total_amount = sum((line.amount for line in lines), Decimal("0.00"))
    batch.content_digest = _digest([(x.reference, x.application_id, x.bank_card_hash, x.name, x.bank_branch, x.amount) for x in lines])
    batch.save(update_fields=["batch_no", "count", "total_amount", "content_digest"])
    audit(
        "payment.batch_build",
        actor=user,
        obj=batch,
        request=request,
        detail={"count": batch.count, "total": f"{batch.total_amount:.2f}", "union": union.pk if union else None},
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


def payment_batch_approve(*, user: Any, batch_no: str, request: Any = None) -> PaymentBatch:
    """复核: a second finance officer approves the frozen content (never the builder)."""
    _require_finance(user)
    with transaction.atomic():
        batch = _batch(batch_no, lock=True)
        if batch.built_by_id == user.pk:
            raise Forbidden("生成批次的财务人员不能复核自己生成的批次（四眼原则）。")
        if batch.status == BatchStatus.APPROVED and batch.approved_by_id == user.pk:
            return batch
        if batch.status != BatchStatus.BUILT:
            raise Conflict(f"该批次当前为“{BatchStatus(batch.status).label}”，不能复核。", code="wrong_stage")
        if content_digest(batch) != batch.content_digest:
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
            detail={"count": batch.count, "total": f"{batch.total_amount:.2f}"},
        )
    return batch


def payment_batch_cancel(*, user: Any, batch_no: str, request: Any = None) -> PaymentBatch:
    """作废 before the file was first downloaded; its applications become payable again."""
    _require_finance(user)
    with transaction.atomic():
        batch = _batch(batch_no, lock=True)
        if batch.status == BatchStatus.CANCELLED:
            return batch
        if batch.status == BatchStatus.SENT:
            raise Conflict("发放文件已下载（已报送银行），批次不能作废。", code="already_sent")
        batch.status = BatchStatus.CANCELLED
        batch.cancelled_by = user
        batch.cancelled_at = clock.now()
        batch.save(update_fields=["status", "cancelled_by", "cancelled_at"])
        batch.lines.filter(live=True).update(status=LineStatus.CANCELLED, live=False)
        audit("payment.batch_cancel", actor=user, obj=batch, request=request)
    return batch


def payment_batch_file(*, user: Any, batch_no: str, request: Any = None, fmt: str = "csv") -> tuple[bytes, PaymentBatch]:
    """The bank disbursement file, from the approved frozen content only. The first download
    marks the batch sent. Generated on demand, never kept (it carries full card numbers)."""
    _require_finance(user)
    with transaction.atomic():
        batch = _batch(batch_no, lock=True)
        if batch.status == BatchStatus.CANCELLED:
            raise Conflict("该批次已作废，不能下载发放文件；其中的申请可编入新的批次。", code="cancelled")
        if batch.status not in (BatchStatus.APPROVED, BatchStatus.SENT):
            raise Conflict("批次须先经另一位财务人员复核，才能下载发放文件。", code="not_approved")
        if content_digest(batch) != batch.content_digest:
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
    sheet.append(["付款参考号", "户名", "银行卡号", "开户行", "金额"])
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
    summary.append(["批次号", "笔数", "金额合计"])
    total_cell = WriteOnlyCell(summary, value=total)
    total_cell.number_format = "0.00"
    summary.append([batch.batch_no, count, total_cell])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- results and reversals ------------------------------------------------------------------------


@dataclass(frozen=True)
class ResultRow:
    line_no: int
    reference: str
    amount: Decimal
    success: bool
    reason: str


def parse_result_file(content: bytes) -> tuple[list[ResultRow], list[str]]:
    """Every row of the bank's return file, or the reasons it cannot be read whole."""
    problems: list[str] = []
    try:
        # UTF-8 (with or without the BOM), or GB18030 as the banks' systems and Excel on a
        # Chinese Windows write it (a GBK file is GB18030 too).
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = content.decode("gb18030")
        except UnicodeDecodeError:
            return [], ["文件编码无法识别：请使用银行导出的原始 CSV 文件（UTF-8 或 GBK 编码）。"]
    if not text.strip():
        return [], ["文件是空的。"]
    if "\x00" in text:
        return [], ["文件含有空字符（NUL），不是正常的文本文件。"]
    if not text.endswith(("\n", "\r")):
        # A file cut mid-row has no line end after its last row.
        problems.append("文件末尾不完整（最后一行没有换行），可能在传输中被截断。")
    reader = csv.reader(io.StringIO(text))
    try:
        header = [cell.strip().lower() for cell in next(reader, [])]
    except csv.Error:
        header = []
    if header != RESULT_HEADER:
        return [], [f"表头应为 {','.join(RESULT_HEADER)}，实际为 {','.join(header)[:200]}。"]
    rows: list[ResultRow] = []
    try:
        numbered = list(enumerate(reader, start=2))
    except csv.Error as exc:  # a stray line end or quote inside a field, a field over the size limit
        return [], [*problems, f"第 {reader.line_num} 行附近无法读取（{exc}）：请使用银行导出的原始文件。"]
    for line_no, cells in numbered:
        if any("\n" in cell or "\r" in cell for cell in cells):
            # A quote left open swallows the rows after it into one field: the file is refused
            # whole rather than read as fewer rows (and the bank's other answers lost).
            return [], [*problems, f"第 {line_no} 行的引号没有配对（一格内含有换行），其后各行无法逐行读取：请使用银行导出的原始文件。"]
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != 4:
            problems.append(f"第 {line_no} 行有 {len(cells)} 列，应为 4 列。")
            continue
        reference, amount_text, result, reason = (cell.strip() for cell in cells)
        try:
            amount = Decimal(amount_text)
            if amount != amount.quantize(Decimal("0.01")) or amount <= 0:
                raise InvalidOperation
        except InvalidOperation:
            problems.append(f"第 {line_no} 行金额“{amount_text}”不是有效金额。")
            continue
        if result not in ("success", "failure"):
            problems.append(f"第 {line_no} 行结果应为 success 或 failure。")
            continue
        if result == "failure" and not reason:
            problems.append(f"第 {line_no} 行为发放失败，但没有失败原因。")
            continue
        rows.append(ResultRow(line_no, reference, amount, result == "success", reason[:200]))
    return rows, problems


class _Settled(NamedTuple):
    """A line the return file settles now: what its update and its SMS need."""

    line_id: int
    application_id: int
    reference: str
    amount: Decimal
    reason: str  # the bank's reason of a failure; "" for a payment


#: What the check of a return file reads of each line it names.
_LINE_FIELDS = ("reference", "pk", "batch_id", "amount", "status", "application_id")


def payment_results_import(*, user: Any, batch_no: str, content: bytes, request: Any = None) -> dict[str, int]:
    """对账: applies the bank's return file to the batch, all rows or none."""
    _require_finance(user)
    digest = hashlib.sha256(content).hexdigest()
    rows, problems = parse_result_file(content)
    with transaction.atomic():
        batch = _batch(batch_no, lock=True)
        if ResultImport.objects.filter(batch=batch, sha256=digest).exists():
            return {"paid": 0, "failed": 0}
        if batch.status != BatchStatus.SENT:
            raise Conflict("该批次的发放文件尚未下载（未报送银行），不能导入银行回单。", code="not_sent")
        lines = _named_lines(batch, [row.reference for row in rows])
        seen: set[str] = set()
        to_pay: list[_Settled] = []
        to_fail: list[_Settled] = []
        for row in rows:
            found = lines.get(row.reference)
            if row.reference in seen:
                problems.append(f"第 {row.line_no} 行：付款参考号 {row.reference} 在文件中重复。")
                continue
            seen.add(row.reference)
            if found is None:
                problems.append(f"第 {row.line_no} 行：未知的付款参考号 {row.reference}。")
                continue
            _, line_id, batch_id, amount, status, application_id = found
            if batch_id != batch.pk:
                problems.append(f"第 {row.line_no} 行：付款参考号 {row.reference} 属于其他批次。")
                continue
            if amount != row.amount:
                problems.append(f"第 {row.line_no} 行：金额 {row.amount} 与发放金额 {amount} 不符。")
                continue
            if status == LineStatus.SENT:
                settled = _Settled(line_id, application_id, row.reference, amount, "" if row.success else row.reason)
                (to_pay if row.success else to_fail).append(settled)
            elif (status in (LineStatus.PAID, LineStatus.REVERSED) and row.success) or (status == LineStatus.FAILED and not row.success):
                # The same answer as before: nothing to change. A line reversed after it was paid
                # was paid: the bank's full file repeating that success is no conflict.
                continue
            else:
                problems.append(
                    f"第 {row.line_no} 行：该笔已是“{LineStatus(status).label}”，与本次结果冲突。请与银行核对该笔的实际结果；"
                    "确认无误后，删去该行再导入。"
                )
        if problems:
            raise ResultFileRefused(fields={"file": problems[:200]}, reasons=problems[:200])
        now = clock.now()
        _mark_paid(to_pay, now)
        _mark_failed(to_fail, now)
        ResultImport.objects.create(batch=batch, sha256=digest, imported_by=user, imported_at=now, paid=len(to_pay), failed=len(to_fail))
        audit(
            "payment.results_import",
            actor=user,
            obj=batch,
            request=request,
            detail={"paid": len(to_pay), "failed": len(to_fail), "sha256": digest[:16]},
        )
    return {"paid": len(to_pay), "failed": len(to_fail)}


def _named_lines(batch: PaymentBatch, references: list[str]) -> dict[str, tuple[Any, ...]]:
    """The lines that ``references`` name, by reference, as plain ``_LINE_FIELDS`` tuples.

    A file that answers a good part of the batch reads the batch's lines in one pass of its
    index; the references not found there (of another batch, unknown, or every one of a small
    file) are then looked up by reference, wherever their lines are.
    """
    lines: dict[str, tuple[Any, ...]] = {}
    if len(references) * 4 >= batch.count:
        lines = {line[0]: line for line in batch.lines.values_list(*_LINE_FIELDS).iterator(chunk_size=CHUNK)}
    rest = list(dict.fromkeys(reference for reference in references if reference not in lines))
    for start in range(0, len(rest), CHUNK):
        for line in PaymentLine.objects.filter(reference__in=rest[start : start + CHUNK]).values_list(*_LINE_FIELDS):
            lines[line[0]] = line
    return lines


def _mark_paid(lines: list[_Settled], now: dt.datetime) -> None:
    _update_where_pk_in(PaymentLine, [line.line_id for line in lines], {"status": LineStatus.PAID, "result_at": now, "result_reason": ""})
    _update_where_pk_in(
        Application, [line.application_id for line in lines], {"status": Status.PAID, "updated_at": now}, status=Status.APPROVED
    )
    _notify(lines, "paid")


def _mark_failed(lines: list[_Settled], now: dt.datetime) -> None:
    # One statement per distinct reason (a bank gives few), not one per line.
    by_reason: dict[str, list[int]] = {}
    for line in lines:
        by_reason.setdefault(line.reason, []).append(line.line_id)
    for reason, ids in by_reason.items():
        _update_where_pk_in(PaymentLine, ids, {"status": LineStatus.FAILED, "live": False, "result_at": now, "result_reason": reason})
    _update_where_pk_in(
        Application, [line.application_id for line in lines], {"status": Status.PAYMENT_FAILED, "updated_at": now}, status=Status.APPROVED
    )
    _notify(lines, "payment_failed")


#: Ids per ``UPDATE … WHERE id IN (…)`` (under the 999 parameters of any SQLite build).
IDS_PER_UPDATE = 900


def _update_where_pk_in(model: Any, ids: list[int], values: dict[str, Any], **where: Any) -> None:
    """``model.objects.filter(pk__in=ids, **where).update(**values)``, a few hundred ids per
    statement, as plain SQL: the queryset would prepare each of 100 000 ids in Python, one by
    one, through the lookup. Every value and condition is still prepared by its field."""
    if not ids:
        return
    ops, opts = connection.ops, model._meta
    assignments, params = [], []
    for name, value in values.items():
        field = opts.get_field(name)
        assignments.append(f"{ops.quote_name(field.column)} = %s")
        params.append(field.get_db_prep_save(value, connection))
    conditions, condition_params = [], []
    for name, value in where.items():
        field = opts.get_field(name)
        conditions.append(f" AND {ops.quote_name(field.column)} = %s")
        condition_params.append(field.get_db_prep_value(value, connection))
    head = f"UPDATE {ops.quote_name(opts.db_table)} SET {', '.join(assignments)} WHERE {ops.quote_name(opts.pk.column)} IN "  # noqa: S608 (names from the model)  # nosec B608
    with connection.cursor() as cursor:
        for start in range(0, len(ids), IDS_PER_UPDATE):
            part = [int(pk) for pk in ids[start : start + IDS_PER_UPDATE]]
            cursor.execute(f"{head}({', '.join(['%s'] * len(part))}){''.join(conditions)}", [*params, *part, *condition_params])


def _notify(lines: list[_Settled], template: str) -> None:
    """The SMS of many settled lines, queued a chunk at a time (plain values, the campaign's
    templates read once per chunk: no model instances for 100 000 applications and their campaign)."""
    for start in range(0, len(lines), CHUNK):
        part = {line.application_id: line for line in lines[start : start + CHUNK]}
        apps = list(
            Application.objects.filter(pk__in=list(part)).values_list(
                "pk", "campaign_id", "application_no", "name", "phone", "bank_card_no"
            )
        )
        overrides = dict(Campaign.objects.filter(pk__in={app[1] for app in apps}).values_list("pk", "sms_templates"))
        requests = []
        for pk, campaign_id, application_no, name, phone, bank_card_no in apps:
            line = part[pk]
            params: dict[str, object] = {
                "application_no": application_no,
                "name": name,
                "amount": f"{line.amount:.2f}",
                "card_tail": bank_card_no[-4:],
            }
            if template == "payment_failed":
                params["reason"] = sms_reason(line.reason, default="银行退回")
            requests.append(
                SmsRequest(
                    phone=phone,
                    template=template,
                    params=params,
                    event_key=f"app:{application_no}:{template}:{line.reference}",
                    overrides=overrides.get(campaign_id) or None,
                )
            )
        sms_enqueue_many(requests)


def payment_line_reversal(*, user: Any, reference: str, reason: str, request: Any = None) -> PaymentLine:
    """退汇: money the bank sent back after a success; the application becomes payment_failed."""
    _require_finance(user)
    reason = written_note(reason)
    if not reason:
        raise InvalidInput("请填写退汇原因。", fields={"reason": ["请填写银行退汇的原因。"]})
    with transaction.atomic():
        line = PaymentLine.objects.select_for_update().select_related("batch").filter(reference=reference).first()
        if line is None:
            raise NotFound("没有找到该付款参考号。")
        if line.status != LineStatus.PAID:
            raise Conflict("只有已发放的款项可以登记退汇。", code="wrong_stage")
        now = clock.now()
        # The worker's own numbers never stay in the text (decision 62); the column masks any
        # other ID or card number.
        worker = Application.objects.only("phone", "id_number").get(pk=line.application_id)
        typed = mask_numbers_of(reason[:200], line.bank_card_no, worker.phone, worker.id_number)
        line.status, line.live, line.reversal_reason, line.result_at = LineStatus.REVERSED, False, typed, now
        line.save(update_fields=["status", "live", "reversal_reason", "result_at"])
        Application.objects.filter(pk=line.application_id, status=Status.PAID).update(status=Status.PAYMENT_FAILED, updated_at=now)
        reason = line.result_reason or line.reversal_reason
        _notify([_Settled(line.pk, line.application_id, line.reference, line.amount, reason)], "payment_failed")
        application_no = Application.objects.values_list("application_no", flat=True).get(pk=line.application_id)
        audit(
            "payment.reversal",
            actor=user,
            obj=line.batch,
            request=request,
            detail={
                "batch_no": line.batch.batch_no,
                "reference": line.reference,
                "application_no": application_no,
                "amount": f"{line.amount:.2f}",
                "from": LineStatus.PAID,
                "to": LineStatus.REVERSED,
            },
        )
    return line


def paid_total(campaign: Campaign) -> Decimal:
    return PaymentLine.objects.filter(batch__campaign=campaign, status=LineStatus.PAID).aggregate(total=Sum("amount"))["total"] or Decimal(
        "0.00"
    )


__all__ = [
    "ResultFileRefused",
    "changes_since_build",
    "payable",
    "payment_batch_approve",
    "payment_batch_build",
    "payment_batch_cancel",
    "payment_batch_file",
    "payment_line_reversal",
    "payment_results_import",
]
