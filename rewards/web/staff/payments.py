"""奖励核发 pages for the city union's finance officers (read-only for auditors and city
reviewers): the batches, building one, a batch with its totals and lines, the four-eyes
approval screen, cancelling, the bank file, the bank's return file, reversals, and the
paid/failed report.

Every change goes through the services of ``rewards.payments.services``, as the API does
(``rewards/api/views_payments.py``); their refusals are shown in Chinese on the page. Card
numbers appear only masked; the full numbers go only into the bank file, whose every download
the service audits."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from rewards.campaigns.models import Campaign
from rewards.campaigns.selectors import campaign_units, current_campaign, parse_year
from rewards.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from rewards.organisations.models import Role, StaffUser
from rewards.payments import selectors, services
from rewards.payments.models import BatchStatus, LineStatus, PaymentBatch, PaymentLine, ResultImport
from rewards.payments.report import NOTES as REPORT_NOTES
from rewards.payments.report import payment_report_export
from rewards.payments.services import (
    ResultFileRefused,
    changes_since_build,
    payment_batch_approve,
    payment_batch_build,
    payment_batch_cancel,
    payment_batch_file,
    payment_line_reversal,
    payment_results_import,
)
from rewards.reports.downloads import content_disposition, download_response

from . import refusals
from .auth import signed_in_staff, staff_required

#: Who changes anything here (API.md "Roles"): finance officers only.
FINANCE_ROLES = frozenset({Role.FINANCE_OFFICER})
#: Who may read the batches and the report: also the auditor and the city's reviewers.
READ_ROLES = frozenset({Role.FINANCE_OFFICER, Role.AUDITOR, Role.CITY_REVIEWER})
BATCHES_PAGE = 50
LINES_PAGE = 100
#: A bank return file is a few hundred kilobytes for a whole campaign.
RESULT_FILE_LIMIT = 10 * 1024 * 1024
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _is_finance(user: StaffUser) -> bool:
    return user.role == Role.FINANCE_OFFICER


def _not_found(request: HttpRequest) -> HttpResponse:
    return render(request, "staff/payments/not_found.html", status=404)


#: A sent batch whose every line has the bank's answer (paid, failed or reversed). Shown only:
#: the batch itself stays ``sent`` (a reversal may still be registered against it).
ALL_RESULTS = "all_results"
ALL_RESULTS_LABEL = "银行结果已全部导入"


def _batch_state(batch: PaymentBatch, *, answered: int, lines: int) -> tuple[str, str]:
    """The state shown for a batch (its CSS class and label): the model's, or ``all_results``
    once the bank has answered every line of a sent batch."""
    if batch.status == BatchStatus.SENT and lines and answered >= lines:
        return ALL_RESULTS, ALL_RESULTS_LABEL
    return batch.status, BatchStatus(batch.status).label


def _message(exc: Exception) -> str:
    if isinstance(exc, InvalidInput) and exc.fields:
        return "；".join(text for texts in exc.fields.values() for text in texts)
    return getattr(exc, "message", str(exc))


# --- the batches, and building one ---------------------------------------------------------


#: Applications held back by a hard signal, named on the batches page (the rest are counted).
HELD_SHOWN = 20


def _build_context(campaign: Campaign | None) -> dict[str, Any]:
    if campaign is None:
        return {"payable_total": None, "payable_units": []}
    total, units = selectors.payable_summary(campaign)
    held = list(services.held_back(campaign).order_by("application_no").values_list("application_no", flat=True)[: HELD_SHOWN + 1])
    return {"payable_total": total, "payable_units": units, "held_back": held[:HELD_SHOWN], "held_more": len(held) > HELD_SHOWN}


def _payment_year(chosen: str) -> Campaign | None:
    """The campaign named by ``year`` (a page's choice), else the one a batch is built for by
    default; a ``year`` that is not one is refused (InvalidInput), never read as the default."""
    year = parse_year(chosen)
    if year is not None:
        named = Campaign.objects.filter(year=year).first()
        if named is not None:
            return named
    return services.payment_campaign()


def _other_years(campaign: Campaign | None) -> list[dict[str, Any]]:
    """Other campaigns with applications to pay (a card corrected after last year's failed payment)."""
    waiting = services.campaigns_with_payable()
    years = dict(Campaign.objects.filter(pk__in=waiting).values_list("pk", "year"))
    return [{"year": years[pk], "count": count} for pk, count in waiting.items() if campaign is None or pk != campaign.pk]


def _listed(batch: PaymentBatch) -> dict[str, Any]:
    """One row of the batches table (``batch`` annotated by ``batches_with_results``)."""
    answered = sum(getattr(batch, name, 0) for name in ("paid_count", "failed_count", "reversed_count"))
    state, label = _batch_state(batch, answered=answered, lines=batch.count)
    return {"batch": batch, "state": state, "status_label": label}


@require_GET
@staff_required(roles=READ_ROLES)
def batch_list(request: HttpRequest) -> HttpResponse:
    """核发批次: every batch with its state and control totals; the build form for finance."""
    try:
        campaign = _payment_year(request.GET.get("year") or "")
    except InvalidInput as exc:  # shown at the top of the default year's page, which the address no longer names
        messages.error(request, _message(exc))
        return redirect("staff:payments")
    page = Paginator(selectors.batches_with_results(), BATCHES_PAGE).get_page(request.GET.get("page"))
    context = {
        "campaign": campaign,
        "page": page,
        "batches": [_listed(batch) for batch in page.object_list],
        "can_change": _is_finance(signed_in_staff(request)),
        # A new key on every rendering: a double click posts the same key and builds one batch.
        "idempotency_key": uuid.uuid4().hex,
        "other_years": _other_years(campaign),
        **_build_context(campaign),
    }
    return render(request, "staff/payments/list.html", context)


@require_POST
@staff_required(roles=FINANCE_ROLES)
def batch_build(request: HttpRequest) -> HttpResponse:
    """生成核发批次: every approved application of the year shown not in a live line (of one
    union, if chosen)."""
    try:
        campaign = _payment_year(request.POST.get("year") or "")
    except InvalidInput as exc:  # a batch is never built for a year nobody chose
        messages.error(request, f"没有生成核发批次：{_message(exc)}")
        return redirect("staff:payments")
    if campaign is None:
        messages.error(request, "目前没有奖励活动，不能生成核发批次。")
        return redirect("staff:payments")
    union = None
    chosen = (request.POST.get("union") or "").strip()
    if chosen:
        units = {str(unit.organisation_id): unit.organisation for unit in campaign_units(campaign)}
        union = units.get(chosen)
        if union is None:
            messages.error(request, "请从列表中选择区县（产业）工会，或选择“全部工会”。")
            return redirect("staff:payments")
    try:
        batch, created = payment_batch_build(
            user=signed_in_staff(request),
            campaign=campaign,
            union=union,
            idempotency_key=(request.POST.get("idempotency_key") or "")[:100],
            request=request,
        )
    except (Conflict, Forbidden) as exc:
        messages.error(request, _message(exc))
        return redirect(f"{reverse('staff:payments')}?year={campaign.year}")
    if created:
        messages.success(
            request, f"已生成核发批次 {batch.batch_no}：{batch.count:,} 笔，合计 {batch.total_amount:,.2f} 元。请交另一位财务人员复核。"
        )
    else:
        messages.info(request, f"该表单已经提交过，核发批次 {batch.batch_no} 已生成，没有重复生成。")
    return redirect("staff:payment_batch", batch_no=batch.batch_no)


# --- one batch ------------------------------------------------------------------------------


def _line_filters(request: HttpRequest) -> dict[str, str]:
    status = (request.GET.get("status") or "").strip()
    return {"q": (request.GET.get("q") or "").strip()[:40], "status": status if status in LineStatus.values else ""}


def _batch_context(request: HttpRequest, batch: PaymentBatch) -> dict[str, Any]:
    user = signed_in_staff(request)
    filters = _line_filters(request)
    lines = selectors.batch_lines(batch, q=filters["q"], status=filters["status"])
    page = Paginator(lines, LINES_PAGE).get_page(request.GET.get("page"))
    status_totals = selectors.line_status_totals(batch)
    union_rows, union_total = selectors.batch_union_level_totals(batch)
    is_finance = _is_finance(user)
    is_builder = batch.built_by_id == user.pk
    built = batch.status == BatchStatus.BUILT

    def query(**changes: Any) -> str:
        values = {**filters, **changes}
        return urlencode({key: value for key, value in values.items() if value})

    awaiting = batch.lines.filter(status=LineStatus.SENT).count() if batch.status == BatchStatus.SENT else 0
    answered = sum(status_totals[str(status)].count for status in selectors.ANSWERED_STATUSES)
    state, status_label = _batch_state(batch, answered=answered, lines=sum(tally.count for tally in status_totals.values()))
    return {
        "batch": batch,
        "state": state,
        "status_label": status_label,
        "status_totals": [
            {"status": status, "label": status.label, "tally": status_totals[str(status)]}
            for status in LineStatus
            if status_totals[str(status)].count
        ],
        "union_rows": union_rows,
        "union_total": union_total,
        "levels": [level.label for level in selectors.AWARD_LEVELS],
        "lines": selectors.line_rows(page.object_list),
        "page": page,
        "filters": filters,
        "line_statuses": LineStatus.choices,
        "prev_query": query(page=page.previous_page_number()) if page.has_previous() else "",
        "next_query": query(page=page.next_page_number()) if page.has_next() else "",
        "is_finance": is_finance,
        "is_builder": is_builder,
        # The approval screen: what changed since the build, and every card changed after approval.
        "review": built,
        "changes": changes_since_build(batch) if built else [],
        "bank_changed": selectors.bank_changed_lines(batch) if batch.status != BatchStatus.CANCELLED else selectors.BankChanges(),
        # Shown on approval and kept once approved and sent (a cancelled batch's lines are cancelled).
        "paid_before": selectors.paid_before_lines(batch) if batch.status != BatchStatus.CANCELLED else [],
        "can_approve": built and is_finance and not is_builder,
        "can_cancel": is_finance and batch.status in (BatchStatus.BUILT, BatchStatus.APPROVED),
        "awaiting": awaiting,
        "can_download": is_finance and (batch.status == BatchStatus.APPROVED or (batch.status == BatchStatus.SENT and awaiting > 0)),
        "can_import": is_finance and batch.status == BatchStatus.SENT,
        "can_reverse": is_finance and batch.status == BatchStatus.SENT,
        "imports": list(ResultImport.objects.filter(batch=batch).select_related("imported_by").order_by("-imported_at", "-pk")),
        "paid_status": LineStatus.PAID,
    }


def _render_batch(request: HttpRequest, batch: PaymentBatch, *, status: int = 200, **extra: Any) -> HttpResponse:
    context = _batch_context(request, batch)
    context.update(extra)
    return render(request, "staff/payments/batch.html", context, status=status)


def _batch_form(batch_no: str) -> str:
    return f"payment_batch:{batch_no}"


def _refused(
    request: HttpRequest, batch_no: str, place: str, message: str, *, status: int = 400, query: str = "", **values: Any
) -> HttpResponse:
    """A refused action on a batch (``place``: action, results or reversal) is told on the
    batch's page (POST-redirect-GET): a reload or Back opens the page, posting nothing again.
    A refused permission (403: the builder approving their own batch, the 四眼原则) stays a 403,
    the page drawn at the address posted to, as every forbidden action answers."""
    refusals.keep(request, _batch_form(batch_no), message=message, values={"place": place, **values})
    batch = selectors.batch_by_no(batch_no) if status == 403 else None
    if batch is not None:
        return _render_batch(request, batch, status=403, **_refused_forms(request, batch_no))
    return redirect(f"{reverse('staff:payment_batch', args=[batch_no])}{query}")  # the refusal is at the page's top


def _refused_forms(request: HttpRequest, batch_no: str) -> dict[str, Any]:
    refused = refusals.take(request, _batch_form(batch_no))
    if refused is None:
        return {}
    values, message = refused["values"], refused["message"]
    place = values.get("place")
    if place == "results":
        return {"results_error": message, "results_reasons": [str(text) for text in values.get("reasons") or []]}
    if place == "reversal":
        return {
            "reversal_error": {
                "reference": str(values.get("reference") or ""),
                "message": message,
                "reason": str(values.get("reason") or ""),
            }
        }
    return {"action_error": message}


@require_GET
@staff_required(roles=READ_ROLES)
def batch_detail(request: HttpRequest, batch_no: str) -> HttpResponse:
    batch = selectors.batch_by_no(batch_no)
    if batch is None:
        return _not_found(request)
    return _render_batch(request, batch, **_refused_forms(request, batch.batch_no))


@require_POST
@staff_required(roles=FINANCE_ROLES)
def batch_approve(request: HttpRequest, batch_no: str) -> HttpResponse:
    """复核: a second finance officer approves the frozen content (never the builder)."""
    batch = selectors.batch_by_no(batch_no)
    if batch is None:
        return _not_found(request)
    if request.POST.get("confirm") != "1":
        return _refused(request, batch.batch_no, "action", "请先勾选确认已核对笔数、总金额和银行卡变更情况，再复核通过。")
    already = batch.approved_at is not None  # approved before, from another tab: the service answers it again
    try:
        batch = payment_batch_approve(user=signed_in_staff(request), batch_no=batch.batch_no, request=request)
    except (Forbidden, Conflict) as exc:
        return _refused(request, batch.batch_no, "action", exc.message, status=exc.status)
    if already:
        messages.info(request, f"核发批次 {batch.batch_no} 此前已由您复核通过（{batch.approved_at:%Y-%m-%d %H:%M}），未重复复核。")
    else:
        messages.success(
            request, f"已复核通过核发批次 {batch.batch_no}（{batch.count:,} 笔，{batch.total_amount:,.2f} 元），现在可以下载发放文件。"
        )
    return redirect("staff:payment_batch", batch_no=batch.batch_no)


@require_POST
@staff_required(roles=FINANCE_ROLES)
def batch_cancel(request: HttpRequest, batch_no: str) -> HttpResponse:
    """作废 before the bank file is first downloaded; its applications become payable again."""
    batch = selectors.batch_by_no(batch_no)
    if batch is None:
        return _not_found(request)
    try:
        batch = payment_batch_cancel(user=signed_in_staff(request), batch_no=batch.batch_no, request=request)
    except (Forbidden, Conflict) as exc:
        return _refused(request, batch.batch_no, "action", exc.message, status=exc.status)
    messages.success(request, f"核发批次 {batch.batch_no} 已作废，其中的申请可以重新生成批次。")
    return redirect("staff:payment_batch", batch_no=batch.batch_no)


@require_POST
@staff_required(roles=FINANCE_ROLES)
def batch_file(request: HttpRequest, batch_no: str) -> HttpResponse:
    """下载发放文件 (CSV or xlsx) with the full card numbers; the first download marks the batch
    sent. A POST: it changes the batch, and the service audits every download."""
    batch = selectors.batch_by_no(batch_no)
    if batch is None:
        return _not_found(request)
    fmt = "xlsx" if request.POST.get("format") == "xlsx" else "csv"
    try:
        content, batch = payment_batch_file(user=signed_in_staff(request), batch_no=batch.batch_no, request=request, fmt=fmt)
    except (Forbidden, Conflict) as exc:
        return _refused(request, batch.batch_no, "action", exc.message, status=exc.status)
    response = HttpResponse(content, content_type=XLSX if fmt == "xlsx" else "text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition(f"核发批次{batch.batch_no}发放文件.{fmt}", f"{batch.batch_no}.{fmt}")
    response["Content-Length"] = str(len(content))
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_POST
@staff_required(roles=FINANCE_ROLES)
def batch_results(request: HttpRequest, batch_no: str) -> HttpResponse:
    """导入银行回单: the whole file or nothing; a refusal lists every reason."""
    batch = selectors.batch_by_no(batch_no)
    if batch is None:
        return _not_found(request)
    upload = request.FILES.get("file")
    if upload is None:
        return _refused(request, batch.batch_no, "results", "请选择银行回单文件（CSV）。")
    if (upload.size or 0) > RESULT_FILE_LIMIT:
        return _refused(request, batch.batch_no, "results", "文件超过 10 MB，不像是一份银行回单，未导入。")
    try:
        outcome = payment_results_import(user=signed_in_staff(request), batch_no=batch.batch_no, content=upload.read(), request=request)
    except ResultFileRefused as exc:
        reasons = exc.extra.get("reasons") or [text for texts in exc.fields.values() for text in texts]
        return _refused(request, batch.batch_no, "results", exc.message, reasons=[str(text) for text in reasons])
    except (Forbidden, Conflict, InvalidInput) as exc:
        return _refused(request, batch.batch_no, "results", _message(exc), status=exc.status)
    if outcome["paid"] or outcome["failed"]:
        messages.success(
            request, f"已导入银行回单：发放成功 {outcome['paid']:,} 笔，发放失败 {outcome['failed']:,} 笔。给相关职工的短信已转入后台发送。"
        )
    else:
        messages.info(request, "这份银行回单已经导入过，或其中的结果与已登记的相同，没有任何改动。")
    return redirect("staff:payment_batch", batch_no=batch.batch_no)


@require_POST
@staff_required(roles=FINANCE_ROLES)
def line_reversal(request: HttpRequest, reference: str) -> HttpResponse:
    """登记退汇: money the bank sent back after a success; the application becomes payment_failed."""
    line = PaymentLine.objects.select_related("batch").filter(reference=(reference or "")[:30]).first()
    if line is None:
        return _not_found(request)
    reason = request.POST.get("reason") or ""
    try:
        payment_line_reversal(user=signed_in_staff(request), reference=line.reference, reason=reason, request=request)
    except NotFound:
        return _not_found(request)
    except (Forbidden, Conflict, InvalidInput) as exc:
        query = f"?{urlencode({'q': line.reference})}"  # the line's row, where the form is
        values = {"reference": line.reference, "reason": reason[:200]}
        return _refused(request, line.batch.batch_no, "reversal", _message(exc), status=exc.status, query=query, **values)
    messages.success(request, f"已登记 {line.reference}（{line.name}）退汇，该申请改为“发放失败”，已短信通知职工更正银行卡。")
    return redirect(f"{reverse('staff:payment_batch', args=[line.batch.batch_no])}?{urlencode({'q': line.reference})}")


# --- the report -----------------------------------------------------------------------------


@require_GET
@staff_required(roles=READ_ROLES)
def payment_report(request: HttpRequest) -> HttpResponse:
    """核发统计: paid and failed per union (Annex 1 order) and per level; ``?download=xlsx``."""
    years = list(Campaign.objects.order_by("-year").values_list("year", flat=True))
    current = current_campaign()
    try:
        year = parse_year(request.GET.get("year"))
    except InvalidInput as exc:
        refused = {"campaign": None, "years": years, "error": _message(exc)}
        return render(request, "staff/payments/report.html", refused, status=exc.status)
    campaign = (Campaign.objects.filter(year=year).first() if year else None) or current
    if campaign is None:
        return render(request, "staff/payments/report.html", {"campaign": None, "years": years})
    if request.GET.get("download") == "xlsx":
        return download_response(payment_report_export(user=signed_in_staff(request), campaign=campaign, request=request))
    context = {
        "campaign": campaign,
        "years": years,
        "report": selectors.payment_report(campaign),
        "notes": REPORT_NOTES,
    }
    return render(request, "staff/payments/report.html", context)
