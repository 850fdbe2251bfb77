"""对账 and 退汇: the bank's return file applied whole or not at all, and money sent back after a
success recorded (DOMAIN.md §6, SECURITY.md 21). Split from ``services`` (building, approving
and sending batches), which re-exports these names."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, NamedTuple

from django.db import connection, transaction

from rewards.applications.models import Application, ApplicationEvent
from rewards.campaigns.models import Campaign
from rewards.core import clock
from rewards.core.audit import audit
from rewards.core.errors import Conflict, DomainError, InvalidInput, NotFound
from rewards.core.masking import mask_digit_runs, mask_numbers_of
from rewards.core.queue import enqueue_after_commit
from rewards.core.text import drop_invisible, fold_width, written_field
from rewards.core.vocab import Status
from rewards.notifications.services import SmsRequest, sms_enqueue_many
from rewards.notifications.templates import sms_reason

from .access import CHUNK, _batch, _require_finance
from .models import BatchStatus, LineStatus, PaymentBatch, PaymentLine, ResultImport
from .tasks import queue_result_sms_task

if TYPE_CHECKING:
    from rewards.organisations.models import StaffUser

RESULT_HEADER = ["reference", "amount", "result", "reason"]
#: What a line's ``result`` may say (compared as :func:`folded`): the English words of the
#: header's convention, or the Chinese a bank's own system or a finance officer writes.
RESULT_VALUES = {"success": True, "成功": True, "failure": False, "失败": False}
#: The accepted values as the refusals and the upload form name them.
RESULT_VALUES_TEXT = "success 或 成功（发放成功）、failure 或 失败（发放失败）"
#: Reasons of a refused file shown to the officer; the audit entry keeps the first
#: ``AUDITED_REASONS`` of them (each cut to ``REASON_CHARS``) and the count of all.
SHOWN_REASONS = 200
AUDITED_REASONS = 20
REASON_CHARS = 300


class ResultFileRefused(DomainError):
    """The bank's return file is refused whole; ``reasons`` lists why (row by row)."""

    status = 400
    code = "invalid_result_file"
    default_message = "银行回单文件未导入：文件未通过检查，数据库未作任何改动。"
    #: How many problems the file had (``reasons`` lists at most the first 200).
    problem_count: int = 0


# --- results and reversals ------------------------------------------------------------------------


def folded(cell: str) -> str:
    """A header cell or a result as compared: full-width letters and spaces made half-width
    (NFKC), invisible characters dropped, the ends trimmed, any case (``ＲＥＳＵＬＴ`` is ``result``)."""
    return drop_invisible(fold_width(cell)).strip().casefold()


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
    if content.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):  # an xlsx (a zip) or an old .xls
        return [], ["回单须为 CSV 文件，这是 Excel 工作簿：请用银行导出的原始 CSV 文件，或在 Excel 中“另存为”CSV（逗号分隔）后再导入。"]
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
        written = [cell.strip() for cell in next(reader, [])]
    except csv.Error:
        written = []
    if [folded(cell) for cell in written] != RESULT_HEADER:
        # Echoed as written (a first row of results, say), not as compared.
        return [], [f"表头应为 {','.join(RESULT_HEADER)}（不区分大小写和全角、半角），实际为 {','.join(written)[:200]}。"]
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
        success = RESULT_VALUES.get(folded(result))
        if success is None:
            if folded(result):
                problems.append(f"第 {line_no} 行：结果“{result[:20]}”无法识别，应为 {RESULT_VALUES_TEXT}。")
            else:
                problems.append(f"第 {line_no} 行：结果为空，应为 {RESULT_VALUES_TEXT}。")
            continue
        if not success and not reason:
            problems.append(f"第 {line_no} 行为发放失败，但没有失败原因。")
            continue
        rows.append(ResultRow(line_no, reference, amount, success, reason[:200]))
    if not rows and not problems:
        # Imported, it would be recorded and audited as a bank return that answered nothing.
        problems.append("文件中只有表头，没有任何一笔的银行结果。")
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


def payment_results_import(*, user: StaffUser, batch_no: str, content: bytes, request: Any = None) -> dict[str, int]:
    """对账: applies the bank's return file to the batch, all rows or none."""
    _require_finance(user)
    digest = hashlib.sha256(content).hexdigest()
    try:
        return _import_results(user=user, batch_no=batch_no, content=content, digest=digest, request=request)
    except (ResultFileRefused, Conflict) as exc:
        # Nothing changed; the refusal is a bank-file event all the same (SECURITY.md 17), written
        # after the rollback. A batch named wrongly (404) is not: there is no batch to name.
        refused = _batch_or_none(batch_no)
        reasons = exc.extra.get("reasons", []) if isinstance(exc, ResultFileRefused) else []
        detail: dict[str, Any] = {
            "batch_no": batch_no[:20],
            "reason": exc.code,
            "problems": (exc.problem_count if isinstance(exc, ResultFileRefused) else 0) or len(reasons),
        }
        if reasons:
            # What was wrong, row by row, as the officer saw it (numbers masked), bounded.
            detail["problem_list"] = [reason[:REASON_CHARS] for reason in reasons[:AUDITED_REASONS]]
        detail["sha256"] = digest[:16]
        audit("payment.results_import", actor=user, obj=refused, request=request, result="failed", detail=detail)
        raise


def _batch_or_none(batch_no: str) -> PaymentBatch | None:
    return PaymentBatch.objects.filter(batch_no=batch_no).first()


def _import_results(*, user: StaffUser, batch_no: str, content: bytes, digest: str, request: Any) -> dict[str, int]:
    rows, problems = parse_result_file(content)
    with transaction.atomic():
        batch = _batch(batch_no, lock=True)
        if ResultImport.objects.filter(batch=batch, sha256=digest).exists():
            # Nothing changes, but the attempt is a bank-file event the auditor sees (SECURITY.md 17).
            audit(
                "payment.results_import",
                actor=user,
                obj=batch,
                request=request,
                detail={"batch_no": batch.batch_no, "paid": 0, "failed": 0, "already_imported": True, "sha256": digest[:16]},
            )
            return {"paid": 0, "failed": 0}
        if batch.status != BatchStatus.SENT:
            raise Conflict("该批次的发放文件尚未下载（未报送银行），不能导入银行回单。", code="not_sent")
        lines = _named_lines(batch, [row.reference for row in rows])
        seen: set[str] = set()
        others: dict[int, tuple[str, str]] = {}
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
                other, other_status = _batch_of(batch_id, others)
                if other_status == BatchStatus.SENT:
                    problems.append(
                        f"第 {row.line_no} 行：付款参考号 {row.reference} 属于其他批次（{other}），不是本批次 {batch.batch_no} 的明细："
                        f"请删去该行，到核发批次 {other} 导入。"
                    )
                else:
                    # Its file never went to the bank: there is nowhere to import it, and a bank
                    # answering it is a question for the bank, not a row to move.
                    problems.append(
                        f"第 {row.line_no} 行：付款参考号 {row.reference} 属于核发批次 {other}，该批次“{BatchStatus(other_status).label}”，"
                        "发放文件从未报送银行，银行回单中不应有这一笔：请与银行核对。"
                    )
                continue
            if amount != row.amount:
                problems.append(f"第 {row.line_no} 行：付款参考号 {row.reference} 的金额 {row.amount} 与发放金额 {amount} 不符。")
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
                    f"第 {row.line_no} 行：付款参考号 {row.reference} 已是“{LineStatus(status).label}”，与本次结果冲突。请与银行核对该笔的实际结果；"
                    "确认无误后，删去该行再导入。"
                )
        if problems:
            # A row may echo what the file held (a card number in the reference column, say):
            # shown and audited with every long number masked (SECURITY.md 15, 18).
            shown = [mask_digit_runs(problem) for problem in problems[:SHOWN_REASONS]]
            refused = ResultFileRefused(fields={"file": shown}, reasons=shown)
            refused.problem_count = len(problems)
            raise refused
        now = clock.now()
        _mark_paid(to_pay, now, user)
        _mark_failed(to_fail, now, user)
        record = ResultImport.objects.create(
            batch=batch,
            sha256=digest,
            imported_by=user,
            imported_at=now,
            paid=len(to_pay),
            failed=len(to_fail),
            # A file that settled nothing new has no SMS to queue.
            sms_queued_at=None if to_pay or to_fail else now,
        )
        if record.sms_queued_at is None:
            # The workers' SMS are queued after the commit, in short transactions of their own
            # (decision 262): the import holds the write lock for its own rows only. With the
            # database task backend the task's row commits with the import (decision 58).
            enqueue_after_commit(queue_result_sms_task, record.pk)
        audit(
            "payment.results_import",
            actor=user,
            obj=batch,
            request=request,
            detail={"batch_no": batch.batch_no, "paid": len(to_pay), "failed": len(to_fail), "sha256": digest[:16]},
        )
    return {"paid": len(to_pay), "failed": len(to_fail)}


def _batch_of(batch_id: int, known: dict[int, tuple[str, str]]) -> tuple[str, str]:
    """The number and status of another batch a return file's line belongs to (read once per batch)."""
    if batch_id not in known:
        known[batch_id] = PaymentBatch.objects.filter(pk=batch_id).values_list("batch_no", "status").get()
    return known[batch_id]


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


def _mark_paid(lines: list[_Settled], now: dt.datetime, user: StaffUser) -> None:
    _update_where_pk_in(PaymentLine, [line.line_id for line in lines], {"status": LineStatus.PAID, "result_at": now, "result_reason": ""})
    _record_history([line.application_id for line in lines], now=now, user=user, stage="paid", to_status=Status.PAID)
    _update_where_pk_in(
        Application, [line.application_id for line in lines], {"status": Status.PAID, "updated_at": now}, status=Status.APPROVED
    )


def _mark_failed(lines: list[_Settled], now: dt.datetime, user: StaffUser) -> None:
    # One statement per distinct reason (a bank gives few), not one per line.
    by_reason: dict[str, list[_Settled]] = {}
    for line in lines:
        by_reason.setdefault(line.reason, []).append(line)
    for reason, group in by_reason.items():
        _update_where_pk_in(
            PaymentLine,
            [line.line_id for line in group],
            {"status": LineStatus.FAILED, "live": False, "result_at": now, "result_reason": reason},
        )
        _record_history(
            [line.application_id for line in group],
            now=now,
            user=user,
            stage="payment_failed",
            to_status=Status.PAYMENT_FAILED,
            opinion=reason,
        )
    _update_where_pk_in(
        Application, [line.application_id for line in lines], {"status": Status.PAYMENT_FAILED, "updated_at": now}, status=Status.APPROVED
    )


def _record_history(
    application_ids: list[int],
    *,
    now: dt.datetime,
    user: StaffUser,
    stage: str,
    to_status: str,
    opinion: str = "",
    from_status: str = Status.APPROVED,
) -> None:
    """A step in the history of each application still at ``from_status`` (DOMAIN.md §5: every
    change is kept in its history), written before its status moves: one ``INSERT … SELECT`` per
    few hundred applications, not a model instance each (a return file has 100 000 lines)."""
    if not application_ids:
        return
    ops, events, opts = connection.ops, ApplicationEvent._meta, Application._meta
    columns = ("application_id", "at", "stage", "decision", "opinion", "from_status", "to_status", "actor_id", "organisation_id")
    values = [
        events.get_field("at").get_db_prep_save(now, connection),
        stage,
        "",
        events.get_field("opinion").get_db_prep_save(opinion, connection),
        from_status,
        to_status,
        user.pk,
        user.organisation_id,
    ]
    target = f"{ops.quote_name(events.db_table)} ({', '.join(ops.quote_name(c) for c in columns)})"
    source, pk = ops.quote_name(opts.db_table), ops.quote_name(str(opts.pk.column))
    status = ops.quote_name(str(opts.get_field("status").column))
    bound = ", ".join(["%s"] * len(values))
    head = f"INSERT INTO {target} SELECT {pk}, {bound} FROM {source} WHERE {status} = %s AND {pk} IN "  # noqa: S608 (names from the models)  # nosec B608
    with connection.cursor() as cursor:
        for start in range(0, len(application_ids), IDS_PER_UPDATE):
            chunk = application_ids[start : start + IDS_PER_UPDATE]
            cursor.execute(head + f"({', '.join(['%s'] * len(chunk))})", [*values, from_status, *chunk])  # nosec B608 - names from the models, values bound


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


# --- the SMS of a return file ----------------------------------------------------------------------


def queue_result_sms(import_id: int) -> int:
    """Puts the SMS of every line that return file ``import_id`` settled in the outbox; returns
    how many were written.

    A chunk of lines per transaction, each under the import's row lock, and every SMS keyed by
    its event (``app:<no>:paid|payment_failed:<reference>``): a second run, or one beside the
    task, writes nothing twice, and a run that stopped half-way is finished by the next. A line
    reversed since the import was paid first: its "paid" SMS goes too, before the reversal's.
    """
    written, after = 0, 0
    while True:
        with transaction.atomic():
            record = ResultImport.objects.select_for_update().filter(pk=import_id, sms_queued_at__isnull=True).first()
            if record is None:
                return written
            chunk = list(
                PaymentLine.objects.filter(
                    batch_id=record.batch_id,
                    result_at=record.imported_at,
                    status__in=(LineStatus.PAID, LineStatus.FAILED, LineStatus.REVERSED),
                    pk__gt=after,
                )
                .order_by("pk")
                .values_list("pk", "application_id", "reference", "amount", "status", "result_reason")[:CHUNK]
            )
            paid = [_Settled(pk, app, ref, amount, "") for pk, app, ref, amount, status, _ in chunk if status != LineStatus.FAILED]
            failed = [
                _Settled(pk, app, ref, amount, reason) for pk, app, ref, amount, status, reason in chunk if status == LineStatus.FAILED
            ]
            written += _notify(paid, "paid") + _notify(failed, "payment_failed")
            if len(chunk) < CHUNK:
                record.sms_queued_at = clock.now()
                record.save(update_fields=["sms_queued_at"])
                return written
            after = chunk[-1][0]


#: How long ``sms_flush`` leaves an import's SMS to its task before queueing them itself.
TASK_GRACE = dt.timedelta(minutes=10)


def queue_pending_result_sms(*, batch_id: int | None = None, older_than: dt.timedelta | None = None) -> int:
    """Finishes every import (of ``batch_id``, or all; imported ``older_than`` ago) whose SMS are
    not all queued: the safety net that ``sms_flush`` runs, and what a reversal runs first so
    that the line's "paid" SMS precedes the reversal's."""
    pending = ResultImport.objects.filter(sms_queued_at__isnull=True)
    if batch_id is not None:
        pending = pending.filter(batch_id=batch_id)
    if older_than is not None:
        pending = pending.filter(imported_at__lte=clock.now() - older_than)
    return sum(queue_result_sms(pk) for pk in pending.order_by("pk").values_list("pk", flat=True))


def _notify(lines: list[_Settled], template: str) -> int:
    """The SMS of many settled lines, queued a chunk at a time (plain values, the campaign's
    templates read once per chunk: no model instances for 100 000 applications and their campaign).
    Returns how many were written (an event already in the outbox is not written again)."""
    written = 0
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
        written += len(sms_enqueue_many(requests))
    return written


def payment_line_reversal(*, user: StaffUser, reference: str, reason: object, request: Any = None) -> PaymentLine:
    """退汇: money the bank sent back after a success; the application becomes payment_failed."""
    _require_finance(user)
    reason = written_field(reason, field="reason", label="退汇原因")
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
        # result_at stays the bank's success: the reversal has its own time.
        line.status, line.live, line.reversal_reason, line.reversed_at = LineStatus.REVERSED, False, typed, now
        line.save(update_fields=["status", "live", "reversal_reason", "reversed_at"])
        _record_history(
            [line.application_id],
            now=now,
            user=user,
            stage="reversed",
            to_status=Status.PAYMENT_FAILED,
            opinion=typed,
            from_status=Status.PAID,
        )
        Application.objects.filter(pk=line.application_id, status=Status.PAID).update(status=Status.PAYMENT_FAILED, updated_at=now)
        # The "paid" SMS of the return file first, if its task has not run yet.
        queue_pending_result_sms(batch_id=line.batch_id)
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
