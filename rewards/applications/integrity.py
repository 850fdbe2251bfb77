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


@dataclass(frozen=True)
class Problem:
    attachment_id: int
    application_no: str
    kind: str
    storage_name: str
    problem: str


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


def check(*, checksums: bool = False, progress: Callable[[int], None] | None = None, every: int = 10_000) -> Report:
    """Every material's file, in storage as its record says. Materials deleted at the end of
    retention are not looked for. ``checksums``: also reads every file whose SHA-256 was kept
    (the background step keeps it; a photo still pending has none yet)."""
    rows = (
        Attachment.objects.filter(purged_at__isnull=True)
        .order_by("pk")
        .values_list("pk", "application__application_no", "kind", "storage_name", "sha256", "processing")
    )
    report = Report()
    for pk, application_no, kind, name, sha256, processing in rows.iterator(chunk_size=2000):
        report.checked += 1
        if progress and report.checked % every == 0:
            progress(report.checked)
        if not name or not default_storage.exists(name):
            report.problems.append(Problem(pk, application_no, kind, name, MISSING))
        elif checksums and sha256 and processing != Processing.PENDING and _sha256(name) != sha256:
            report.problems.append(Problem(pk, application_no, kind, name, CHANGED))
    return report
