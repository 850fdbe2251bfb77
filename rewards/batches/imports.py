"""An upload of the batch sheet (单位统一申报) as a job the clerk can leave and come back to.

``import_start`` stores the sheet and the zip (sealed with the field key: they carry ID, card and
mobile numbers) and records a :class:`BatchImport`; a small file is checked at once in the
request, a large one by the background task (:mod:`rewards.batches.tasks`). The check saves
nothing: the clerk sees every row's problems first, then ``import_confirm`` runs the saving pass,
which checks every row again (the registries may have moved) and saves the valid ones, each
whole. The stored files are deleted when the import is done or has failed.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import uuid
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import QuerySet

from rewards.campaigns.selectors import require_current_campaign
from rewards.core import clock, crypto
from rewards.core.audit import audit
from rewards.core.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from rewards.core.masking import mask_digit_runs
from rewards.core.tabular import UnreadableFile
from rewards.eligibility.services import staff_voice
from rewards.organisations.models import Organisation, Role, StaffUser
from rewards.organisations.selectors import visible_organisations

from .lapses import (  # noqa: F401 - the names the pages and commands import from here
    DEAD,
    LAPSED_LABELS,
    STALE_DAYS,
    STALE_NOTE,
    _not_saveable,
    lapse,
    lapsed_message,
    left_out,
    newer_upload,
    superseded_discard_message,
    superseded_ids,
)
from .materials_zip import zip_refusal
from .models import BatchImport, ImportStatus
from .services import ERRORS_KEY, check_and_save, rejected_json, sheet_digest, submitting_org_for
from .sheet import read_rows, rejected_rows_workbook

logger = logging.getLogger(__name__)

MAX_SHEET_BYTES = 20 * 1024 * 1024
#: Files up to this many rows are checked in the request; larger ones by the background task.
SYNC_ROWS = 200
#: A zip larger than this always goes to the background task, whatever the row count.
SYNC_ZIP_BYTES = 20 * 1024 * 1024
FAILED_UNEXPECTEDLY = "处理文件时出错，文件未导入任何一行。请重新上传；如仍出错，请联系系统管理员。"
#: When rows were saved before the failure (they are saved 500 at a time, each lot whole).
FAILED_PART_SAVED = (
    "处理文件时出错：出错前已保存 {saved} 份申请（可在审核列表中查看），其余未保存。请重新上传同一文件："
    "已保存的会显示为“已存在”，不会重复申报。如仍出错，请联系系统管理员。"
)


def _failed_after(saved: int, reason: str) -> str:
    """The failure as the clerk must hear it: how much is already in, when anything is."""
    if not saved:
        return reason
    if reason == FAILED_UNEXPECTEDLY:
        return FAILED_PART_SAVED.format(saved=saved)
    return f"{reason}（出错前已保存 {saved} 份申请，可在审核列表中查看；重新上传同一文件时，已保存的会显示为“已存在”，不会重复。）"


QUEUE_DOWN = "后台任务队列暂时不可用，文件未处理。请稍后重新上传。"


# --- reads ---------------------------------------------------------------------------------


def imports_in_scope(user: StaffUser) -> QuerySet[BatchImport]:
    """Uploads for the unions in the caller's subtree (a clerk: its own union's)."""
    return BatchImport.objects.filter(org__in=visible_organisations(user)).select_related("org", "uploaded_by", "campaign")


def import_in_scope(user: StaffUser, import_id: int) -> BatchImport:
    found = imports_in_scope(user).filter(pk=import_id).first()
    if found is None:
        raise NotFound("没有找到该导入记录，或不在您的管辖范围内。")
    return found


def sync_row_limit() -> int:
    return int(getattr(settings, "BATCH_SYNC_ROWS", SYNC_ROWS))


def _in_background(rows: int, zip_bytes: int) -> bool:
    return rows > sync_row_limit() or zip_bytes > SYNC_ZIP_BYTES


# --- sealed files ----------------------------------------------------------------------------


def _seal(content: bytes) -> bytes:
    kid, ring = crypto.keyring()
    nonce = os.urandom(12)
    return kid.encode() + b"$" + nonce + ring[kid].encrypt(nonce, content, kid.encode())


def _unseal(blob: bytes) -> bytes:
    kid, _, body = blob.partition(b"$")
    _, ring = crypto.keyring()
    cipher = ring.get(kid.decode("ascii", "replace"))
    if cipher is None:
        raise crypto.DecryptionError("没有对应的密钥，无法打开暂存的文件。")
    return cipher.decrypt(body[:12], body[12:], kid)


def reseal_staged(*, dry_run: bool = False) -> tuple[int, int]:
    """The staged sheets and zips of imports not finished yet, sealed again under the current
    field key (``manage.py rotate_field_keys``); returns ``(resealed, unreadable)``. A file is
    replaced whole (written beside it, then renamed over it)."""
    kid, _ = crypto.keyring()
    resealed = unreadable = 0
    for sheet_path, zip_path in BatchImport.objects.exclude(sheet_path="").values_list("sheet_path", "zip_path"):
        for name in (sheet_path, zip_path):
            if not name or not default_storage.exists(name):
                continue
            with default_storage.open(name, "rb") as handle:
                blob = handle.read()
            if blob.startswith(kid.encode() + b"$"):
                continue
            try:
                content = _unseal(blob)
            except Exception:
                unreadable += 1
                continue
            if not dry_run:
                path = Path(default_storage.path(name))
                spare = path.with_name(path.name + ".resealing")
                spare.write_bytes(_seal(content))
                os.replace(spare, path)
            resealed += 1
    return resealed, unreadable


def _read_stored(name: str) -> bytes:
    with default_storage.open(name, "rb") as handle:
        return _unseal(handle.read())


def _discard_files(batch_import: BatchImport) -> None:
    for name in (batch_import.sheet_path, batch_import.zip_path):
        if name:
            try:
                default_storage.delete(name)
            except OSError:
                logger.warning("暂存文件 %s 未能删除。", name)
    batch_import.sheet_path = batch_import.zip_path = ""


# --- changes -------------------------------------------------------------------------------


def _check_replaceable(*, user: StaffUser, org: Organisation, campaign_id: int, replaces: BatchImport) -> None:
    """A corrected file replaces only its uploader's own check, of the union it is uploaded for,
    in this campaign: never another union's preview, nor a colleague's."""
    if replaces.uploaded_by_id != user.pk:
        raise InvalidInput(fields={"replaces": [f"导入记录 {replaces.pk} 不是您上传的，不能替换：请从“单位统一申报”页面直接上传。"]})
    if replaces.org_id != org.pk or replaces.campaign_id != campaign_id:
        raise InvalidInput(
            fields={
                "replaces": [
                    f"要替换的导入记录 {replaces.pk} 是{replaces.org.name}{replaces.campaign.year}年度的汇总表：请选择该工会，"
                    "或从“单位统一申报”页面作为另一份文件上传。"
                ]
            }
        )


def import_start(
    *,
    user: StaffUser,
    org: Organisation,
    sheet_file: IO[bytes],
    zip_file: IO[bytes] | None = None,
    save_after_check: bool = False,
    review_on_save: bool = False,
    file_name: str = "",
    replaces: BatchImport | None = None,
    request: Any = None,
) -> BatchImport:
    """Stores the upload and starts checking it (or checking and saving, ``save_after_check``).
    ``review_on_save``: a clerk's rows are saved with the 初审 done (see :func:`import_confirm`).
    ``replaces``: the caller's own unsaved check of the same union this corrected file replaces
    (上传修改后的文件): from now on that one is superseded (:func:`lapse`).

    Refuses at once (InvalidInput, nothing stored) a file that is too large, not an xlsx with
    the header row, or has no data rows, and a zip that cannot be opened."""
    org, _ = submitting_org_for(user, org.name)  # the caller's role and subtree, again
    review_on_save = review_on_save and user.role == Role.GRASSROOTS_CLERK
    campaign = require_current_campaign()
    if replaces is not None:
        _check_replaceable(user=user, org=org, campaign_id=campaign.pk, replaces=replaces)
    sheet = sheet_file.read(MAX_SHEET_BYTES + 1)
    if len(sheet) > MAX_SHEET_BYTES:
        raise InvalidInput(
            fields={
                "file": [
                    "汇总表文件过大（最多 20 MB）：如果表格中粘贴了照片或图片，请删去（材料请放在材料压缩包中上传）；人数很多时请分成几个文件上传。"
                ]
            }
        )
    sheet_notes: list[str] = []
    try:
        rows = sum(1 for _ in read_rows(sheet, sheet_notes))
    except UnreadableFile as exc:
        raise InvalidInput(str(exc), fields={"file": [str(exc)]}) from exc
    if rows == 0:
        # What was skipped says why (hidden rows, the data on a later sheet, the example row).
        raise InvalidInput(fields={"file": ["文件中没有需要导入的行（模板中的示例行不计）。", *sheet_notes]})
    zip_content = zip_file.read() if zip_file is not None else b""
    if zip_content and (refused := zip_refusal(zip_content)):
        raise InvalidInput(fields={"attachments": [refused]})
    key = uuid.uuid4().hex
    sheet_path = default_storage.save(f"batches/{key}", ContentFile(_seal(sheet)))
    zip_path = default_storage.save(f"batches/{key}-materials", ContentFile(_seal(zip_content))) if zip_content else ""
    background = _in_background(rows, len(zip_content))
    try:
        with transaction.atomic():
            if replaces is not None:
                # Locked as its saving locks it: saved first, it stays saved; replaced first, it is not saved.
                replaces = BatchImport.objects.select_for_update().get(pk=replaces.pk)
                if replaces.status != ImportStatus.CHECKED:
                    replaces = None  # saved or discarded meanwhile: nothing left to replace
            batch_import = BatchImport.objects.create(
                campaign=campaign,
                org=org,
                uploaded_by=user,
                file_name=(file_name or getattr(sheet_file, "name", "") or "汇总表.xlsx")[:255],
                sheet_path=sheet_path,
                zip_path=zip_path,
                with_materials=bool(zip_content),
                sha256=sheet_digest(sheet),
                status=ImportStatus.QUEUED,
                save_after_check=save_after_check,
                review_on_save=review_on_save and save_after_check,
                total=rows,
                replaces=replaces,
                created_at=clock.now(),
            )
            audit(
                "batch.import_start",
                obj=batch_import,
                actor=user,
                request=request,
                detail={
                    "org": org.pk,
                    "rows": rows,
                    "materials": bool(zip_content),
                    "save_after_check": save_after_check,
                    "initial_review": review_on_save and save_after_check,
                    "background": background,
                    **({"replaces": replaces.pk} if replaces is not None else {}),
                },
            )
            if background:
                transaction.on_commit(lambda: _enqueue(batch_import.pk))
    except BaseException:
        for name in (sheet_path, zip_path):
            if name:
                default_storage.delete(name)
        raise
    if not background:
        import_run(batch_import.pk)
        batch_import.refresh_from_db()
    return batch_import


def import_confirm(*, user: StaffUser, batch_import: BatchImport, review_on_save: bool = False, request: Any = None) -> BatchImport:
    """保存可导入的行: the saving pass of a checked import, by the clerk who uploaded it.

    ``review_on_save`` (a grassroots clerk only; decision 96): the clerk has done the 初审 of
    these workers' paper forms, so the rows are saved with it on record and start at 复审
    (``pending_district``), as a district's entries do; otherwise they wait at 初审."""
    if user.pk != batch_import.uploaded_by_id:
        raise Forbidden("只有上传该文件的经办人可以确认保存。")
    with transaction.atomic():
        locked = BatchImport.objects.select_for_update(of=("self",)).select_related("campaign").get(pk=batch_import.pk)
        if locked.status != ImportStatus.CHECKED:
            raise Conflict(_not_saveable(locked), code="wrong_stage")
        if reason := lapse(locked):
            raise Conflict(lapsed_message(locked, reason), code="wrong_stage")
        if not locked.sheet_path:
            raise Conflict("暂存的文件已删除，请重新上传。", code="wrong_stage")
        background = _in_background(locked.total, default_storage.size(locked.zip_path) if locked.zip_path else 0)
        locked.status = ImportStatus.QUEUED
        locked.save_after_check = True
        locked.review_on_save = review_on_save and user.role == Role.GRASSROOTS_CLERK
        locked.processed = 0
        locked.save(update_fields=["status", "save_after_check", "review_on_save", "processed"])
        audit(
            "batch.import_confirm",
            obj=locked,
            actor=user,
            request=request,
            detail={
                "org": locked.org_id,
                "valid": locked.count("valid"),
                "initial_review": locked.review_on_save,
                "background": background,
            },
        )
        if background:
            transaction.on_commit(lambda: _enqueue(locked.pk))
    if not background:
        import_run(locked.pk)
    locked.refresh_from_db()
    return locked


def stale_imports(*, now: Any = None) -> QuerySet[BatchImport]:
    """Checked imports uploaded more than :data:`STALE_DAYS` days ago and never saved."""
    cutoff = (now or clock.now()) - dt.timedelta(days=STALE_DAYS)
    return BatchImport.objects.filter(status=ImportStatus.CHECKED, created_at__lt=cutoff)


def discard_stale(*, dry_run: bool = False) -> int:
    """``purge_expired``'s daily step: discards every stale import, as its uploader could
    (:func:`import_discard`), noting why on it; returns how many (would be) discarded."""
    if dry_run:
        return stale_imports().count()
    done = 0
    for pk in list(stale_imports().values_list("pk", flat=True)):
        with transaction.atomic():
            locked = stale_imports().select_for_update().filter(pk=pk).first()
            if locked is None:  # saved or discarded meanwhile
                continue
            _discard_locked(locked, error=STALE_NOTE, actor_label="cli", stale_days=STALE_DAYS)
        done += 1
    return done


def _discard_locked(locked: BatchImport, *, error: str = "", stale_days: int | None = None, **who: Any) -> None:
    """Discards a locked, checked import and records it (``who``: the audit entry's actor,
    request or actor label; ``stale_days`` when ``purge_expired`` does it)."""
    staged = BatchImport(sheet_path=locked.sheet_path, zip_path=locked.zip_path)
    locked.status, locked.finished_at, locked.rejected_rows, locked.error = ImportStatus.DISCARDED, clock.now(), "", error
    locked.sheet_path = locked.zip_path = ""
    locked.save(update_fields=["status", "finished_at", "rejected_rows", "error", "sheet_path", "zip_path"])
    detail: dict[str, Any] = {"org": locked.org_id, "valid": locked.count("valid"), "rejected": locked.count("rejected")}
    if stale_days is not None:
        detail["stale_days"] = stale_days
    audit("batch.import_discard", obj=locked, detail=detail, **who)
    # The files go once the change has committed: a rollback leaves the import as it was.
    transaction.on_commit(lambda: _discard_files(staged))


def import_discard(*, user: StaffUser, batch_import: BatchImport, request: Any = None) -> BatchImport:
    """放弃本次导入: a checked import that will not be saved (the wrong sheet, or one to fix and
    upload again), by the clerk who uploaded it. Nothing is saved; the staged sheet and zip and
    the refused rows (personal numbers) are deleted at once rather than kept until the
    campaign's retention ends; the per-row results (names and reasons) stay as the record."""
    if user.pk != batch_import.uploaded_by_id:
        raise Forbidden("只有上传该文件的经办人可以放弃本次导入。")
    with transaction.atomic():
        locked = BatchImport.objects.select_for_update().get(pk=batch_import.pk)
        if locked.status != ImportStatus.CHECKED:
            raise Conflict("该文件已保存、正在处理或已放弃，不能放弃。", code="wrong_stage")
        if lapse(locked) == "superseded":  # the newer upload is the one to save or discard (not offered)
            raise Conflict(superseded_discard_message(locked), code="wrong_stage")
        _discard_locked(locked, actor=user, request=request)
    return locked


def _enqueue(import_id: int) -> None:
    from .tasks import run_batch_import

    try:
        run_batch_import.enqueue(import_id)
    except Exception as exc:
        logger.error("批量导入 %s 未能加入后台任务队列（%s）。", import_id, type(exc).__name__)
        with transaction.atomic():
            batch_import = BatchImport.objects.select_for_update().filter(pk=import_id, status=ImportStatus.QUEUED).first()
            if batch_import is not None:
                _finish(batch_import, ImportStatus.FAILED, error=QUEUE_DOWN)


def _finish(batch_import: BatchImport, status: str, *, error: str = "") -> None:
    batch_import.status = status
    batch_import.error = error
    batch_import.finished_at = clock.now()
    _discard_files(batch_import)
    batch_import.save()


def import_run(import_id: int) -> str:
    """One pass over a queued import: check (``checked``) or check and save (``done``).

    Claims the import first, so a second run of the same job does nothing. Returns the new
    status (or ``skipped``)."""
    with transaction.atomic():
        batch_import = (
            BatchImport.objects.select_for_update(of=("self",))
            .select_related("org", "campaign", "uploaded_by")
            .filter(pk=import_id)
            .first()
        )
        if batch_import is None or batch_import.status != ImportStatus.QUEUED:
            return "skipped"
        save = batch_import.save_after_check
        batch_import.status = ImportStatus.SAVING if save else ImportStatus.CHECKING
        batch_import.processed = 0
        batch_import.save(update_fields=["status", "processed"])

    known_total = batch_import.total  # counted exactly at the upload

    def progress(done: int, total: int) -> None:
        BatchImport.objects.filter(pk=import_id).update(processed=min(done, known_total or total), total=known_total or total)

    saved: list[int] = []
    try:
        user = batch_import.uploaded_by
        org, start_status = submitting_org_for(user, batch_import.org.name, reviewed=batch_import.review_on_save)
        sheet = _read_stored(batch_import.sheet_path)
        zip_content = _read_stored(batch_import.zip_path) if batch_import.zip_path else None
        result = check_and_save(
            campaign=batch_import.campaign,
            user=user,
            org=org,
            start_status=start_status,
            sheet=sheet,
            zip_content=zip_content,
            save=save,
            progress=progress,
            saved=saved,
        )
    except (UnreadableFile, DomainError) as exc:
        _finish(batch_import, ImportStatus.FAILED, error=_failed_after(sum(saved), getattr(exc, "message", None) or str(exc)))
        return ImportStatus.FAILED
    except Exception:
        logger.exception("批量导入 %s 处理失败（已保存 %d 份）。", import_id, sum(saved))
        _finish(batch_import, ImportStatus.FAILED, error=_failed_after(sum(saved), FAILED_UNEXPECTEDLY))
        return ImportStatus.FAILED
    # The stored results and notes are read in clear (decision 7: no copy of personal numbers):
    # a number in a reason (the ID of a missing material's file name) is kept masked, as lists
    # show it; the refused-rows workbook gives the reasons in full, from the encrypted copy.
    batch_import.results = [
        {
            "row": row.row,
            "name": row.name,
            "status": row.status,
            "errors": [mask_digit_runs(error) for error in row.errors],
            "application_no": row.application_no,
        }
        for row in result.rows
    ]
    batch_import.total = batch_import.processed = len(result.rows)
    batch_import.accepted = result.accepted
    batch_import.unchanged = result.unchanged
    batch_import.rejected = len(result.rejected)
    batch_import.rejected_rows = rejected_json(result) if result.originals else ""
    batch_import.notes = [mask_digit_runs(note) for note in result.notes]
    if save or not batch_import.count("valid"):
        # Saved, or nothing left to save (every row already there or refused): done.
        _finish(batch_import, ImportStatus.DONE)
    else:
        batch_import.status = ImportStatus.CHECKED
        batch_import.finished_at = clock.now()
        batch_import.save()
    return batch_import.status


# --- the refused rows, to fix and re-import -------------------------------------------------


def rejected_workbook(*, user: StaffUser, batch_import: BatchImport, request: Any = None) -> bytes:
    """The refused rows as typed, in the template's layout with a 错误原因 column; built on
    demand from the encrypted copy and audited as an export of personal data."""
    stored = json.loads(batch_import.rejected_rows) if batch_import.rejected_rows else {}
    originals = {int(number): values for number, values in stored.items()}
    rows = [
        {**row, "errors": [staff_voice(str(e)) for e in originals.get(row["row"], {}).get(ERRORS_KEY) or row.get("errors") or []]}
        for row in batch_import.results
        if row.get("status") == "rejected"
    ]
    content = rejected_rows_workbook(rows, originals, year=batch_import.campaign.year, org_name=batch_import.org.name)
    audit(
        "batch.rejected_export",
        obj=batch_import,
        actor=user,
        request=request,
        detail={"org": batch_import.org_id, "rows": len(rows)},
    )
    return content
