"""单位统一申报 pages for the grassroots clerk (and the district union entering for one of its
grassroots unions): the upload with its template, the progress and preview of an import, the
saving of its valid rows, the refused rows as an xlsx, one paper Annex 3 entered by hand, and the
correction of a returned batch application.

Every import is looked up inside the caller's subtree (404 and an access-denied audit entry
otherwise); the services do the work (``rewards.batches.imports`` and ``.entry``)."""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rewards.applications.materials import FIELD_FOR_KIND
from rewards.batches.entry import batch_enter_one
from rewards.batches.imports import (
    LAPSED_LABELS,
    STALE_NOTE,
    import_confirm,
    import_discard,
    import_in_scope,
    import_start,
    imports_in_scope,
    lapse,
    lapsed_message,
    left_out,
    newer_upload,
    rejected_workbook,
    superseded_ids,
    sync_row_limit,
)
from rewards.batches.models import BatchImport, ImportStatus
from rewards.batches.services import batch_resubmit, submitting_org_for
from rewards.batches.sheet import template
from rewards.campaigns.selectors import current_campaign, level_amounts
from rewards.core.audit import audit
from rewards.core.errors import Conflict, Forbidden, Ineligible, InvalidInput, NotFound, StorageUnavailable
from rewards.core.masking import mask_digit_runs
from rewards.core.vocab import Channel, Status
from rewards.eligibility.services import staff_checks, staff_voice
from rewards.organisations.models import Organisation, OrgKind, Role, StaffUser
from rewards.organisations.selectors import organisation_by_name, visible_organisations
from rewards.reports.access import record_denial
from rewards.review.services import application_in_scope, scoped_applications
from rewards.web.worker.forms import EDUCATION_SUGGESTIONS

from . import refusals
from .auth import refused, signed_in_staff, staff_required
from .batch_forms import EntryForm, resubmit_form_for, resubmit_form_name
from .views import RULE_LABELS, _out_of_scope

BATCH_ROLES = frozenset({Role.GRASSROOTS_CLERK, Role.DISTRICT_REVIEWER})
ROW_LABELS = {"valid": "可导入", "accepted": "已保存", "unchanged": "已存在", "rejected": "有问题"}
RUNNING_TITLES = {
    ImportStatus.QUEUED: "排队等待处理",
    ImportStatus.CHECKING: "正在逐行检查",
    ImportStatus.SAVING: "正在保存可导入的行",
}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
RECENT = 20
NOTHING_TO_SAVE = "已检查，没有可导入的行"
#: A district reviewer who chose no grassroots union from the list (the API's words ask for a name).
ORG_MISSING = "请选择代为录入的基层工会。"


# --- helpers -------------------------------------------------------------------------------


def _grassroots_unions(user: StaffUser) -> list[Organisation]:
    """The unions the caller may enter for: a clerk its own, a district each of its grassroots unions."""
    if user.role == Role.GRASSROOTS_CLERK:
        return [user.organisation] if user.organisation is not None else []
    return list(visible_organisations(user).filter(kind=OrgKind.GRASSROOTS).order_by("name"))


def _chosen_org(user: StaffUser, name: str) -> Organisation:
    org, _ = submitting_org_for(user, name or None)
    return org


def _import_not_found(request: HttpRequest, import_id: int, what: str) -> HttpResponse:
    """404 for an import outside the caller's subtree, recorded as an access denial (SECURITY.md 1)."""
    audit(
        "access.denied",
        actor=request.user,
        request=request,
        result="denied",
        object_type="batches.batchimport",
        object_id=import_id if BatchImport.objects.filter(pk=import_id).exists() else "",
        detail={"what": what},
    )
    return render(request, "staff/batch/not_found.html", status=404)


def _org_denied(request: HttpRequest, name: str, what: str) -> None:
    """A grassroots union outside the caller's subtree (or none of that name) asked for by name:
    the form says so, and the refusal is recorded as an access denial (SECURITY.md 1)."""
    existing = organisation_by_name(name) if name else None
    record_denial(
        user=signed_in_staff(request),
        request=request,
        what=what,
        object_type="organisations.organisation",
        object_id=existing.pk if existing else "",
        detail={"org": mask_digit_runs(name)},
    )


#: Rows of one import shown on a page.
ROWS_PER_PAGE = 200


def _import_rows(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for row in results:
        # Results stored before decision 97 still speak to 您; said again about the worker.
        said = [staff_voice(str(error)) for error in row.get("errors") or []]
        status = row.get("status", "")
        # An ``unchanged`` row is the union's own application, imported before: what it says
        # (which application, how to change it) is information, not a problem of the row.
        info = status == "unchanged"
        rows.append(
            {
                "row": row.get("row"),
                "name": row.get("name", ""),
                "status": status,
                "label": ROW_LABELS.get(status, status),
                "errors": [] if info else said,
                "notes": said if info else [],
                "application_no": row.get("application_no", ""),
            }
        )
    return rows


def _recent(user: StaffUser) -> list[dict[str, Any]]:
    rows = []
    items = list(imports_in_scope(user).order_by("-created_at", "-pk")[:RECENT])
    newer = superseded_ids(items)
    for item in items:
        lapsed = lapse(item, newer=newer)
        # One never saved that can no longer be: said so, rather than 待确认保存 until purged.
        purged = item.status == ImportStatus.DISCARDED and item.error == STALE_NOTE
        # Finished at the check with no row to save: 已完成 would read as saved.
        nothing = item.status == ImportStatus.DONE and not item.save_after_check
        label = LAPSED_LABELS[lapsed] if lapsed else LAPSED_LABELS["expired"] if purged else item.get_status_display()
        rows.append(
            {
                "item": item,
                "status_label": NOTHING_TO_SAVE if nothing else label,
                "lapsed": bool(lapsed or purged),
                "nothing": nothing,
                "valid": item.count("valid"),
                "saved": item.status == ImportStatus.DONE and item.save_after_check,
            }
        )
    return rows


# --- the upload page -------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@staff_required(roles=BATCH_ROLES)
def home(request: HttpRequest) -> HttpResponse:
    """单位统一申报: the template, the upload (xlsx + optional zip), the recent uploads."""
    user = signed_in_staff(request)
    if (own := user.organisation) is None:  # an older account with a role and no union (decision 184)
        return refused(request, user, "organisation")
    campaign = current_campaign()
    unions = _grassroots_unions(user)
    errors: dict[str, list[str]] = {}
    files_again: dict[str, bool] = {}
    chosen = (request.POST.get("org") or "").strip()[:120]
    # 上传修改后的文件 from an unsaved check of one's own: the upload replaces it (decision 221).
    replaces_id = (request.POST.get("replaces") if request.method == "POST" else request.GET.get("replaces")) or ""
    replacing: BatchImport | None = None
    if replaces_id:
        try:
            replacing = import_in_scope(user, int(replaces_id))
        except (ValueError, NotFound):
            return _import_not_found(request, int(replaces_id) if replaces_id.isdigit() else 0, "replace")
        if replacing.status != ImportStatus.CHECKED or replacing.uploaded_by_id != user.pk:
            replacing = None  # saved, dropped or a colleague's meanwhile: an ordinary upload
        elif request.method == "GET" and user.role == Role.DISTRICT_REVIEWER:
            chosen = replacing.org.name
    save_after_check = request.POST.get("save_after_check") == "1"
    review_on_save = request.POST.get("review_on_save") == "1" and user.role == Role.GRASSROOTS_CLERK
    status = 200
    if request.method == "POST":
        sheet_file = request.FILES.get("file")
        zip_file = request.FILES.get("attachments")
        # An upload always has a name (Django's parser skips a part without one); typed optional.
        sheet_name = (sheet_file.name or "") if sheet_file is not None else ""
        if sheet_file is None:
            errors["file"] = ["请选择要上传的汇总表（.xlsx 文件）。"]
        elif sheet_name.lower().endswith((".et", ".ett")):
            errors["file"] = ["这是 WPS 表格自己的 .et 格式：请在 WPS 中“另存为” Excel 工作簿（.xlsx）后上传。"]
        elif sheet_name.lower().endswith((".csv", ".txt")):
            errors["file"] = ["请上传 Excel 工作簿（.xlsx）：CSV 文本文件中的长号码、日期容易变形，请用下载的模板填写。"]
        elif not sheet_name.lower().endswith((".xlsx", ".xlsm", ".xls")):
            errors["file"] = ["请上传用下载的模板填写的 Excel 汇总表（.xlsx，也可以是 .xls）。"]
        if zip_file is not None and not (zip_file.name or "").lower().endswith(".zip"):
            errors["attachments"] = ["材料请打包为 .zip 文件。"]
        if user.role == Role.DISTRICT_REVIEWER and not chosen:
            errors["org"] = [ORG_MISSING]
        if not errors and sheet_file is not None:
            try:
                org = _chosen_org(user, chosen if user.role == Role.DISTRICT_REVIEWER else own.name)
                batch_import = import_start(
                    user=user,
                    org=org,
                    sheet_file=sheet_file,
                    zip_file=zip_file,
                    save_after_check=save_after_check,
                    review_on_save=review_on_save,
                    file_name=sheet_name,
                    replaces=replacing,
                    request=request,
                )
            except InvalidInput as exc:
                if exc.fields:
                    for field, texts in exc.fields.items():
                        if field == "org":  # the API's words (a name typed); here it is chosen from a list
                            texts = [ORG_MISSING]
                        elif field == "replaces":  # the corrected file's union is not the replaced check's
                            field = "org" if user.role == Role.DISTRICT_REVIEWER else "file"
                        errors.setdefault(field if field in ("file", "attachments", "org") else "file", []).extend(texts)
                else:
                    errors["file"] = [exc.message]
            except NotFound as exc:
                _org_denied(request, chosen, "batch_upload")
                errors["org" if user.role == Role.DISTRICT_REVIEWER else "file"] = [exc.message]
            else:
                return redirect("staff:batch_import", import_id=batch_import.pk)
        status = 400
        # A browser never keeps a chosen file across a page: the form says which to choose again.
        files_again = {"file": sheet_file is not None, "attachments": zip_file is not None}
    context = {
        "campaign": campaign,
        "is_district": user.role == Role.DISTRICT_REVIEWER,
        "unions": unions,
        "chosen": chosen,
        "save_after_check": save_after_check,
        "review_on_save": review_on_save,
        "errors": errors,
        "files_again": files_again,
        "replacing": replacing,
        "replacing_valid": replacing.count("valid") if replacing is not None else 0,
        "recent": _recent(user),
        "sync_rows": sync_row_limit(),
        "waiting": {
            row["status"]: row["n"]
            for row in scoped_applications(user)
            .filter(channel=Channel.BATCH, status__in=[Status.PENDING_GRASSROOTS, Status.RETURNED])
            .order_by()
            .values("status")
            .annotate(n=Count("pk"))
        },
    }
    return render(request, "staff/batch/home.html", context, status=status)


@require_GET
@staff_required(roles=BATCH_ROLES)
def template_download(request: HttpRequest) -> HttpResponseBase:
    """The template: a Chinese header row, an example row, drop-down lists; the 填报单位 line
    holds the caller's union (a district: the grassroots union chosen, if any)."""
    user = signed_in_staff(request)
    if (own := user.organisation) is None:  # an older account with a role and no union (decision 184)
        return refused(request, user, "organisation")
    campaign = current_campaign()
    if campaign is None:
        return render(request, "staff/batch/no_campaign.html", status=404)
    org_name = own.name
    if user.role == Role.DISTRICT_REVIEWER:
        wanted = (request.GET.get("org") or "").strip()[:120]
        org_name = next((org.name for org in _grassroots_unions(user) if org.name == wanted), "")
    content = template(year=campaign.year, org_name=org_name)
    response = FileResponse(io.BytesIO(content), as_attachment=True, filename=f"{campaign.year}年度高技能人才奖励汇总表模板.xlsx")
    response["Content-Type"] = XLSX
    return response


# --- one import: progress, preview, save, refused rows ----------------------------------------


def _import_context(request: HttpRequest, batch_import: BatchImport) -> dict[str, Any]:
    user = signed_in_staff(request)
    only_problems = request.GET.get("show") == "problems"
    results = batch_import.results or []
    shown = [row for row in results if row.get("status") == "rejected"] if only_problems else results
    # A sheet of tens of thousands of rows is shown a page at a time (all of it at once was tens
    # of megabytes of HTML); the refused rows as a whole are the xlsx download.
    page = Paginator(shown, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    query = {"show": "problems"} if only_problems else {}
    saved = batch_import.status == ImportStatus.DONE and batch_import.save_after_check
    counts = {status: batch_import.count(status) for status in ROW_LABELS}
    lapsed = lapse(batch_import)
    return {
        "bi": batch_import,
        "rows": _import_rows(list(page.object_list)),
        "page": page,
        "prev_query": urlencode({**query, "page": page.previous_page_number()}) if page.has_previous() else "",
        "next_query": urlencode({**query, "page": page.next_page_number()}) if page.has_next() else "",
        "only_problems": only_problems,
        "counts": counts,
        "saved": saved,
        # Where the saved rows start, by the status's own name (as the queue and the application say it).
        "saved_status": (
            Status.PENDING_DISTRICT
            if batch_import.review_on_save or batch_import.uploaded_by.role == Role.DISTRICT_REVIEWER
            else Status.PENDING_GRASSROOTS
        ).label,
        "running_title": RUNNING_TITLES.get(ImportStatus(batch_import.status), ""),
        "is_uploader": user.pk == batch_import.uploaded_by_id,
        "can_confirm": batch_import.status == ImportStatus.CHECKED
        and not lapsed
        and user.pk == batch_import.uploaded_by_id
        and counts["valid"] > 0,
        "lapsed": LAPSED_LABELS.get(lapsed, ""),
        "lapsed_message": lapsed_message(batch_import, lapsed) if lapsed else "",
        "newer": newer_upload(batch_import) if lapsed == "superseded" else None,
        # A superseded check is saved or discarded in the newer one (the server refuses it here too).
        "can_discard": batch_import.status == ImportStatus.CHECKED and user.pk == batch_import.uploaded_by_id and lapsed != "superseded",
        "has_rejected": bool(batch_import.rejected_rows) and counts["rejected"] > 0,
        "left_out": left_out(batch_import),
        "here": reverse("staff:batch_import", args=[batch_import.pk]),
    }


@require_GET
@staff_required(roles=BATCH_ROLES)
def import_detail(request: HttpRequest, import_id: int) -> HttpResponse:
    """Progress (polled every second while it runs), then every row with its problems."""
    try:
        batch_import = import_in_scope(signed_in_staff(request), import_id)
    except NotFound:
        return _import_not_found(request, import_id, "detail")
    context = _import_context(request, batch_import)
    if request.headers.get("HX-Request"):
        return render(request, "staff/batch/_live.html", context)
    return render(request, "staff/batch/import.html", context)


@require_POST
@staff_required(roles=BATCH_ROLES)
def import_save(request: HttpRequest, import_id: int) -> HttpResponse:
    """保存可导入的行."""
    try:
        batch_import = import_in_scope(signed_in_staff(request), import_id)
    except NotFound:
        return _import_not_found(request, import_id, "confirm")
    try:
        batch_import = import_confirm(
            user=signed_in_staff(request),
            batch_import=batch_import,
            review_on_save=request.POST.get("review_on_save") == "1",
            request=request,
        )
    except (Conflict, Forbidden) as exc:
        messages.warning(request, exc.message)
    else:
        if batch_import.status == ImportStatus.DONE:
            refused = f"另有 {batch_import.rejected:,} 行有问题、未导入，原因见下表。" if batch_import.rejected else ""
            refused = (f"{batch_import.unchanged:,} 行此前已导入（已存在），未重复保存。" if batch_import.unchanged else "") + refused
            if batch_import.accepted:
                messages.success(
                    request,
                    f"已保存 {batch_import.accepted:,} 份申请"
                    + ("，初审已完成，已报送区县（产业）工会复审" if batch_import.review_on_save else "")
                    + "，职工将收到短信。"
                    + refused,
                )
            else:  # the rows were saved meanwhile (another upload, the entry form): no SMS is sent
                messages.info(request, "没有新保存的申请，不会发送短信。" + refused)
    return redirect("staff:batch_import", import_id=import_id)


@require_POST
@staff_required(roles=BATCH_ROLES)
def import_discard_view(request: HttpRequest, import_id: int) -> HttpResponse:
    """放弃本次导入: nothing is saved, the staged files are deleted."""
    try:
        batch_import = import_in_scope(signed_in_staff(request), import_id)
    except NotFound:
        return _import_not_found(request, import_id, "discard")
    try:
        import_discard(user=signed_in_staff(request), batch_import=batch_import, request=request)
    except (Conflict, Forbidden) as exc:
        messages.warning(request, exc.message)
    else:
        messages.success(request, f"已放弃“{batch_import.file_name}”，没有保存任何一行，暂存的文件已删除。")
    return redirect("staff:batch_import", import_id=import_id)


@require_GET
@staff_required(roles=BATCH_ROLES)
def rejected_download(request: HttpRequest, import_id: int) -> HttpResponseBase:
    """下载有问题的行（xlsx）: built on demand, audited, never cached."""
    try:
        batch_import = import_in_scope(signed_in_staff(request), import_id)
    except NotFound:
        return _import_not_found(request, import_id, "rejected_export")
    if not batch_import.rejected_rows or not batch_import.count("rejected"):
        return render(request, "staff/batch/not_found.html", {"nothing_rejected": True}, status=404)
    content = rejected_workbook(user=signed_in_staff(request), batch_import=batch_import, request=request)
    response = FileResponse(io.BytesIO(content), as_attachment=True, filename=f"未导入的行-{batch_import.pk}.xlsx")
    response["Content-Type"] = XLSX
    response["Cache-Control"] = "no-store"
    return response


# --- one paper Annex 3 ---------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@staff_required(roles=BATCH_ROLES)
def new_entry(request: HttpRequest) -> HttpResponse:
    """逐人录入: one worker's paper Annex 3, judged as online, saved as a one-row import."""
    user = signed_in_staff(request)
    if (own := user.organisation) is None:  # an older account with a role and no union (decision 184)
        return refused(request, user, "organisation")
    campaign = current_campaign()
    if campaign is None:
        return render(request, "staff/batch/no_campaign.html", status=404)
    unions = _grassroots_unions(user)
    is_district = user.role == Role.DISTRICT_REVIEWER
    chosen = (request.POST.get("org") or request.GET.get("org") or "").strip()[:120]
    chosen_org = next((org for org in unions if org.name == chosen), None) if is_district else own
    employer = (chosen_org.employer or chosen_org.name.removesuffix("工会")) if chosen_org else ""
    posted = request.method == "POST"  # bound even when posted empty (an unbound form failed on its errors)
    form = EntryForm(
        request.POST if posted else None,
        request.FILES if posted else None,
        initial={"employer": employer, "is_migrant": "否"},
        amounts=level_amounts(campaign),
        employer=employer,
    )
    reviewed = posted and not is_district and request.POST.get("reviewed") == "1"
    context: dict[str, Any] = {
        "form": form,
        "campaign": campaign,
        "is_district": is_district,
        "reviewed": reviewed,
        "unions": unions,
        "chosen": chosen,
        "education_options": EDUCATION_SUGGESTIONS,
    }
    if request.method == "GET":
        return render(request, "staff/batch/entry.html", context)
    form.is_valid()
    files = {field: request.FILES.get(field) for field in FIELD_FOR_KIND.values()}
    status = 400
    try:
        org = _chosen_org(user, chosen if is_district else own.name)
    except (InvalidInput, NotFound) as exc:
        if isinstance(exc, NotFound):
            _org_denied(request, chosen, "batch_entry")
        context["org_error"] = ORG_MISSING if isinstance(exc, InvalidInput) else exc.message
        context["error"] = ORG_MISSING
        context["files_again"] = bool(request.FILES)
        return render(request, "staff/batch/entry.html", context, status=400)
    try:
        application = batch_enter_one(user=user, org=org, data=form.values(), files=files, reviewed=reviewed, request=request)
    except InvalidInput as exc:
        if exc.fields:
            form.add_domain_errors(exc.fields)
        context["error"] = "填写的内容有误，请按红色提示修改。" if exc.fields else exc.message
    except Ineligible as exc:
        context["ineligible"], status = _rule_rows(exc.extra.get("checks")), 422
    except Conflict as exc:
        context["conflict"], status = exc.message, 409
        context["conflict_no"] = exc.extra.get("application_no", "")
    except StorageUnavailable as exc:
        context["error"], status = exc.message, exc.status
    else:
        messages.success(
            request,
            f"已录入 {application.name} 的申请，申请编号 {application.application_no}，"
            f"现为“{Status(application.status).label}”。职工将收到短信，可凭手机验证码登录查看。",
        )
        return redirect("staff:detail", no=application.application_no)
    context["files_again"] = bool(request.FILES)
    return render(request, "staff/batch/entry.html", context, status=status)


def _rule_rows(checks: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    return [{**check, "label": RULE_LABELS.get(str(check.get("rule", "")), str(check.get("rule", "")))} for check in staff_checks(checks)]


# --- a returned batch application ------------------------------------------------------------


@require_POST
@staff_required(roles=frozenset({Role.GRASSROOTS_CLERK}))
def resubmit(request: HttpRequest, no: str) -> HttpResponse:
    """修改后重新提交: the clerk's correction records a new 初审 and goes to the district."""
    user = signed_in_staff(request)
    try:
        application = application_in_scope(user, no)
    except NotFound:
        return _out_of_scope(request, no, "batch_resubmit")
    form = resubmit_form_for(user, application, request.POST, request.FILES)
    if form is None:
        messages.warning(request, "只有本单位填报、被退回的申请可以修改后重新提交。")
        return redirect("staff:detail", no=no)
    form.is_valid()
    files = {field: request.FILES.get(field) for field in FIELD_FOR_KIND.values()}
    kept: dict[str, Any] = {"errors": {}, "ineligible": []}
    try:
        application = batch_resubmit(user=user, application_no=no, data=form.values(), files=files, request=request)
    except InvalidInput as exc:
        kept["errors"] = exc.fields
        message = exc.message if not exc.fields else "修改的内容有误，请按红色提示修改。"
    except Ineligible as exc:
        kept["ineligible"] = _rule_rows(exc.extra.get("checks"))
        message = "修改后仍不符合奖励条件，未能重新提交，原因见下方。"
    except (Conflict, Forbidden, NotFound, StorageUnavailable) as exc:
        message = exc.message
    else:
        messages.success(request, f"已修改并重新提交，记录了新的初审，现为“{Status(application.status).label}”。")
        return redirect("staff:detail", no=application.application_no)
    # Told on the application's page (POST-redirect-GET), the form as typed (its numbers kept
    # encrypted); chosen files cannot be kept, and are chosen again.
    kept["data"] = {name: str(request.POST.get(name, "")) for name in form.fields if name not in FIELD_FOR_KIND.values()}
    refusals.keep(request, resubmit_form_name(no), message=message, values=kept)
    return redirect(f"{reverse('staff:detail', args=[no])}#resubmit")
