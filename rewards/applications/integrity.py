"""Whether every material's file is still in storage, as its record says: after a move of the
files' volume, a partial restore or a disk fault, the operators learn which files are missing
(or, with ``checksums``, changed) before a reviewer opens one (serving.MaterialMissing)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.files.storage import default_storage

from .models import Attachment, Processing

MISSING = "文件缺失"
CHANGED = "内容与保存时的校验值不符"
UNREADABLE = "文件无法读取"


@dataclass(frozen=True)
class Problem:
    attachment_id: int
    application_no: str
    kind: str
    storage_name: str
    problem: str
    #: False for a material a later upload replaced: kept for the record, no reviewer reads it.
    current: bool = True


def _sha256(name: str) -> str:
    digest = hashlib.sha256()
    with default_storage.open(name, "rb") as handle:
        for block in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass
class Report:
    checked: int = 0
    problems: list[Problem] = field(default_factory=list)


def _problem(
    pk: int, application_no: str, kind: str, name: str, sha256: str, processing: str, current: bool, checksums: bool
) -> Problem | None:
    found = ""
    if not name or not default_storage.exists(name):
        found = MISSING
    elif checksums and sha256 and processing != Processing.PENDING:
        try:
            if _sha256(name) != sha256:
                found = CHANGED
        except FileNotFoundError:
            found = MISSING
        except OSError as exc:  # a permission, a read error of the disk: named, the walk goes on
            found = f"{UNREADABLE}（{exc.strerror or type(exc).__name__}）"
    return Problem(pk, application_no, kind, name, found, current) if found else None


def _still(problems: list[Problem], checksums: bool) -> list[Problem]:
    """The problems looked at again from their rows as they are now: a material the purge at the
    end of retention deleted, or whose photo the background step re-encoded under a new name,
    after the walk had read its row is no problem (and must not be copied back from a backup)."""
    rows = Attachment.objects.filter(pk__in=[problem.attachment_id for problem in problems], purged_at__isnull=True).values_list(
        "pk", "kind", "storage_name", "sha256", "processing", "current"
    )
    now = {pk: (kind, name, sha256, processing, current) for pk, kind, name, sha256, processing, current in rows}
    still = []
    for problem in problems:
        if problem.attachment_id not in now:
            continue
        kind, name, sha256, processing, current = now[problem.attachment_id]
        again = _problem(problem.attachment_id, problem.application_no, kind, name, sha256, processing, current, checksums)
        if again is not None:
            still.append(again)
    return still


def check(*, checksums: bool = False, progress: Callable[[int], None] | None = None, every: int = 10_000) -> Report:
    """Every material's file, in storage as its record says. Materials deleted at the end of
    retention are not looked for. ``checksums``: also reads every file whose SHA-256 was kept
    (the background step keeps it; a photo still pending has none yet). Each problem found is
    looked at again from its row at the end (:func:`_still`), so that the site working on
    meanwhile raises no false alarm."""
    rows = (
        Attachment.objects.filter(purged_at__isnull=True)
        .order_by("pk")
        .values_list("pk", "application__application_no", "kind", "storage_name", "sha256", "processing", "current")
    )
    report = Report()
    for pk, application_no, kind, name, sha256, processing, current in rows.iterator(chunk_size=2000):
        report.checked += 1
        if progress and report.checked % every == 0:
            progress(report.checked)
        problem = _problem(pk, application_no, kind, name, sha256, processing, current, checksums)
        if problem is not None:
            report.problems.append(problem)
    if report.problems:
        report.problems = _still(report.problems, checksums)
    return report
