"""``prune_backups``: old backups removed, so that data purged or anonymised since does not live
on in them for ever (SECURITY.md 16), and the backup disk does not fill up.

Only folders this system wrote are ever removed: a direct sub-folder of the backup root holding
a readable ``manifest.json`` of our format. Age comes from the manifest's ``created_at`` (a copy
or a ``touch`` changes a folder's mtime, not its manifest), counted in calendar days in the
configured time zone. The newest ``keep_last`` complete backups stay whatever their age: when the
nightly backup has been failing for weeks, the last good ones are all the union has.

A removal first renames the folder to ``.pruning-<name>`` (one atomic step: a backup is either
whole under its name or gone from it), then deletes it; a removal cut short leaves only such a
folder, which the next run finishes.
"""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from rewards.core.audit import audit

from .manifest import BackupError, read_manifest

PRUNING_PREFIX = ".pruning-"


@dataclass(frozen=True)
class FoundBackup:
    folder: Path
    created_on: dt.date


@dataclass
class PruneReport:
    root: Path
    cutoff: dt.date
    kept: list[FoundBackup] = field(default_factory=list)
    removed: list[FoundBackup] = field(default_factory=list)
    #: sub-folders that are not complete backups of ours (never touched): folder → why
    foreign: dict[Path, str] = field(default_factory=dict)
    #: removals of an earlier run finished now
    finished: list[Path] = field(default_factory=list)


def _created_on(manifest: dict[str, object]) -> dt.date:
    text = manifest.get("created_at")
    try:
        moment = dt.datetime.fromisoformat(str(text))
    except ValueError:
        raise BackupError(f"清单中的备份时间 {text!r} 无法识别。") from None
    if timezone.is_naive(moment):
        raise BackupError(f"清单中的备份时间 {text!r} 没有时区。")
    return timezone.localdate(moment)


def find_backups(root: Path) -> tuple[list[FoundBackup], dict[Path, str], list[Path]]:
    """The complete backups directly under ``root`` (oldest first), the other sub-folders with
    the reason each is left alone, and the leftovers of interrupted removals."""
    backups: list[FoundBackup] = []
    foreign: dict[Path, str] = {}
    leftovers: list[Path] = []
    for child in sorted(root.iterdir()):
        if child.is_symlink() or not child.is_dir():
            continue
        if child.name.startswith(PRUNING_PREFIX):
            leftovers.append(child)
            continue
        try:
            manifest, _ = read_manifest(child)
            backups.append(FoundBackup(folder=child, created_on=_created_on(manifest)))
        except BackupError as exc:
            foreign[child] = str(exc)
    backups.sort(key=lambda found: (found.created_on, found.folder.name))
    return backups, foreign, leftovers


def _remove(folder: Path) -> None:
    doomed = folder.with_name(PRUNING_PREFIX + folder.name)
    folder.rename(doomed)
    shutil.rmtree(doomed)


def prune_backups(*, root: Path, keep_days: int, keep_last: int, today: dt.date, dry_run: bool = False) -> PruneReport:
    """Removes the complete backups made more than ``keep_days`` days before ``today``, always
    keeping the newest ``keep_last``. A backup made on ``today - keep_days`` is kept."""
    if keep_days < 1 or keep_last < 1:
        raise BackupError("保留天数和至少保留的份数都必须至少为 1。")
    root = root.resolve()
    if not root.is_dir():
        raise BackupError(f"备份根目录 {root} 不存在。")
    cutoff = today - dt.timedelta(days=keep_days)
    backups, foreign, leftovers = find_backups(root)
    report = PruneReport(root=root, cutoff=cutoff, foreign=foreign)
    protected = {found.folder for found in backups[-keep_last:]}
    for found in backups:
        if found.created_on < cutoff and found.folder not in protected:
            report.removed.append(found)
        else:
            report.kept.append(found)
    if dry_run:
        return report
    for leftover in leftovers:
        shutil.rmtree(leftover)
        report.finished.append(leftover)
    for found in report.removed:
        _remove(found.folder)
    if report.removed or report.finished:
        with transaction.atomic():
            audit(
                "backup.prune",
                actor_label="cli",
                detail={
                    "root": str(root),
                    "keep_days": keep_days,
                    "keep_last": keep_last,
                    "cutoff": cutoff.isoformat(),
                    "removed": [found.folder.name for found in report.removed],
                    "finished": [path.name for path in report.finished],
                    "kept": len(report.kept),
                },
            )
    return report
