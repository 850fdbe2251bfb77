"""Whether a checked batch import (单位统一申报) may still be saved, and what its page says when it
may not: expired after ``STALE_DAYS``, past the campaign's deadline, or superseded by a newer
upload of the same union (decision 228); and the importable rows a corrected file leaves out
(decisions 246, 252). Split from :mod:`.imports`, which saves and discards."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.db.models import Q

from rewards.applications.models import Application
from rewards.core import clock
from rewards.core.vocab import Status

from .models import BatchImport, ImportStatus

#: A checked import not saved within this many days is discarded by ``purge_expired`` (decision 98).
STALE_DAYS = 30
STALE_NOTE = f"超过 {STALE_DAYS} 天未保存，系统已自动放弃，暂存的文件已删除。"


#: Why a checked import can no longer be saved, as the list of uploads and its page say it.
LAPSED_LABELS = {
    "expired": "未保存，已过期",
    "closed": "未保存，申报已截止",
    "superseded": "未保存，已重新上传",
}


def lapse(batch_import: BatchImport, *, newer: set[int] | None = None) -> str:
    """ "" while a checked import may be saved; else why it may not: ``expired`` (uploaded more
    than :data:`STALE_DAYS` days ago, by the real clock: ``purge_expired`` discards it on its
    next run), ``closed`` (the campaign's deadline has passed: every row would be refused),
    ``superseded`` (the same sheet was uploaded again for the same union since, or a corrected
    file replacing this one: the newer check is the one to save). ``newer``: the ids known superseded (:func:`superseded_ids`)."""
    if batch_import.status != ImportStatus.CHECKED:
        return ""
    if batch_import.created_at < clock.now() - dt.timedelta(days=STALE_DAYS):
        return "expired"
    if clock.today() > batch_import.campaign.application_deadline:
        return "closed"
    superseded = batch_import.pk in newer if newer is not None else batch_import.pk in superseded_ids([batch_import])
    return "superseded" if superseded else ""


#: An upload that supersedes nothing: it could not be read, or its uploader dropped it.
DEAD = [ImportStatus.FAILED, ImportStatus.DISCARDED]


def superseded_ids(imports: list[BatchImport]) -> set[int]:
    """The checked imports among ``imports`` whose sheet was uploaded again later for the same
    union and campaign, or that a corrected file replaced (and that upload not failed nor
    discarded); two queries. Two different files of one union, neither replacing the other,
    supersede nothing: both may be saved, the later saving finds the rows the first saved 已存在."""
    checked = [item for item in imports if item.status == ImportStatus.CHECKED]
    if not checked:
        return set()
    later = (
        BatchImport.objects.filter(sha256__in={item.sha256 for item in checked}, pk__gt=min(item.pk for item in checked))
        .exclude(status__in=DEAD)
        .values_list("pk", "org_id", "campaign_id", "sha256")
    )
    newest: dict[tuple[int, int, str], int] = {}
    for pk, org_id, campaign_id, digest in later:
        key = (org_id, campaign_id, digest)
        newest[key] = max(newest.get(key, 0), pk)
    replaced = set(
        BatchImport.objects.filter(replaces__in=[item.pk for item in checked])
        .exclude(status__in=DEAD)
        .values_list("replaces_id", flat=True)
    )
    return {item.pk for item in checked if newest.get((item.org_id, item.campaign_id, item.sha256), 0) > item.pk or item.pk in replaced}


def newer_upload(batch_import: BatchImport) -> BatchImport | None:
    """The latest upload of the same sheet for the same union, or of a file replacing it, when
    ``batch_import`` is superseded."""
    same_sheet = Q(org_id=batch_import.org_id, campaign_id=batch_import.campaign_id, sha256=batch_import.sha256)
    return (
        BatchImport.objects.filter(same_sheet | Q(replaces=batch_import), pk__gt=batch_import.pk)
        .exclude(status__in=DEAD)
        .order_by("-pk")
        .first()
    )


def left_out(batch_import: BatchImport) -> list[str]:
    """The names of the rows the check ``batch_import`` replaced could import and that are not in
    this file: a clerk who fixed only the downloaded 有问题的行 and uploaded them as the corrected
    file would otherwise lose them without a word (the replaced check can no longer be saved).
    By name, the only thing the results keep in clear, and counted: two importable 张伟 of whom
    the file holds one leave one 张伟 out (a namesake does not vouch for the other). An
    application the union has entered in the campaign since the replaced check (another file, the
    entry form) takes its name off once. Empty while this upload is being checked."""
    replaced = batch_import.replaces
    if replaced is None or batch_import.status not in (ImportStatus.CHECKED, ImportStatus.DONE):
        return []
    importable = Counter(name for row in replaced.results if row.get("status") == "valid" and (name := row.get("name", "")))
    missing = importable - Counter(row.get("name", "") for row in batch_import.results)
    if not missing:
        return []
    since = (
        Application.objects.filter(
            campaign_id=batch_import.campaign_id,
            submitting_org_id=batch_import.org_id,
            submitted_at__gte=clock.as_business(replaced.created_at),
        )
        .exclude(status=Status.WITHDRAWN)
        .values_list("name", flat=True)
        .iterator()
    )
    saved_here = Counter(row.get("name", "") for row in batch_import.results if row.get("status") == "accepted")
    missing -= Counter(name for name in since if name in missing) - saved_here
    return [name for name, count in missing.items() for _ in range(count)]


def lapsed_message(batch_import: BatchImport, reason: str) -> str:
    if reason == "expired":
        return f"该检查结果已超过 {STALE_DAYS} 天未保存，已过期，不能再保存：请重新上传文件，检查后再保存。"
    if reason == "closed":
        campaign = batch_import.campaign
        deadline = f"{campaign.application_deadline.month}月{campaign.application_deadline.day}日"
        return f"{campaign.year}年度奖励申报已于{deadline}截止，该检查结果不能再保存。"
    said, newer = _superseded_by(batch_import)
    if newer is not None and newer.status == ImportStatus.DONE:
        return f"{said}，该检查结果不能再保存（较新的导入已处理完毕）。"
    return f"{said}，该检查结果不能再保存：请在较新的检查结果中确认保存。"


def _superseded_by(batch_import: BatchImport) -> tuple[str, BatchImport | None]:
    """What superseded ``batch_import``, with the newer import's number; and that import."""
    newer = newer_upload(batch_import)
    where = f"（导入记录 {newer.pk}）" if newer is not None else ""
    if newer is not None and newer.replaces_id == batch_import.pk and newer.sha256 != batch_import.sha256:
        return f"此后已上传修改后的文件{where}替换本次检查结果", newer
    return f"同一文件此后已重新上传{where}", newer


def superseded_discard_message(batch_import: BatchImport) -> str:
    """Why a superseded preview is not discarded: the newer upload is the one to save or discard
    (discarding that one makes this one saveable again)."""
    said, newer = _superseded_by(batch_import)
    if newer is not None and newer.status == ImportStatus.DONE:
        return f"{said}，无需放弃本次导入（较新的导入已处理完毕）。"
    return f"{said}，无需放弃本次导入：请在较新的检查结果中保存或放弃。"


def _not_saveable(batch_import: BatchImport) -> str:
    """Why an import that is not waiting to be saved cannot be, by its status."""
    if batch_import.status == ImportStatus.DISCARDED:
        if batch_import.error == STALE_NOTE:
            return f"该检查结果超过 {STALE_DAYS} 天未保存，系统已自动放弃，不能再保存：请重新上传文件，检查后再保存。"
        return "本次导入已放弃，不能保存：需要时请重新上传文件。"
    if batch_import.status == ImportStatus.DONE:
        return "该文件已处理完毕，不能再次保存。"
    return "该文件正在处理或无法读取，不能保存。"
