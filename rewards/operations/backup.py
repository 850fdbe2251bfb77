"""``backup``: the database and the private files, consistent, with a manifest.

Order: the database snapshot first, then the files. A material's file is written before the
transaction that records it commits, and is deleted only by ``purge_expired`` (which marks its
row in the same transaction) or when that transaction rolls back; so every row of the snapshot
names a file that is still there when the files are copied afterwards. Copying files first
would miss the files of rows committed between the copy and the snapshot. Files written after
the snapshot are copied too and are harmless (no row names them). The backup then checks that
every material named by the snapshot was copied, and says so if not.

Keys are never in a backup (the manifest holds their fingerprints only): back up
``FIELD_ENCRYPTION_KEY``, ``FIELD_ENCRYPTION_OLD_KEYS``, ``BLIND_INDEX_KEY``, ``AUDIT_CHAIN_KEY``
and ``SECRET_KEY`` separately (README "Operations").
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction

from rewards.core.audit import audit

from . import database
from .files import back_up_files, storage_root
from .manifest import (
    DATABASE_FILES,
    FILE_LIST,
    FILES_DIR,
    FORMAT,
    FORMAT_VERSION,
    BackupError,
    key_fingerprints,
    now_iso,
    sha256_file,
    versions,
    write_manifest,
)

Say = Callable[[str], None]


@dataclass
class BackupResult:
    folder: Path
    manifest: dict[str, Any]
    missing: list[str]


def _prepare(output: Path, root: Path) -> Path:
    folder = output.resolve()
    if folder == root or root in folder.parents:
        raise BackupError(f"备份目录不能放在被备份的文件目录 {root} 之内。")
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise BackupError(f"{folder} 已存在且不是空目录：请指定一个新目录。")
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder.chmod(0o700)
    return folder


def backup_create(*, output: Path, say: Say = lambda text: None) -> BackupResult:
    root = storage_root()
    vendor = database.vendor()
    folder = _prepare(output, root)
    started = time.monotonic()
    dump = folder / DATABASE_FILES[vendor]
    say(f"导出数据库（{vendor}）……")
    snapshot = database.sqlite_snapshot(dump) if vendor == "sqlite" else database.postgres_snapshot(dump)
    say(f"数据库已导出：{len(snapshot.tables)} 张表，{sum(snapshot.tables.values())} 行。复制文件……")
    count, size, copied = back_up_files(root, folder, progress=lambda n: say(f"已复制 {n} 个文件……"))
    missing = sorted(name for name in snapshot.materials if name not in copied)
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "created_at": now_iso(),
        "seconds": round(time.monotonic() - started, 1),
        "versions": {**versions(), "database": snapshot.server, **({"pg_dump": snapshot.tool} if snapshot.tool else {})},
        "database": {
            "vendor": vendor,
            "file": dump.name,
            "size": dump.stat().st_size,
            "sha256": sha256_file(dump),
        },
        "migrations": snapshot.migrations,
        "tables": snapshot.tables,
        "files": {
            "root": str(root),
            "folder": FILES_DIR,
            "count": count,
            "bytes": size,
            "list": FILE_LIST,
            "list_sha256": sha256_file(folder / FILE_LIST),
        },
        "materials_missing": missing,
        "keys": {**key_fingerprints(), "field_encryption_used": snapshot.keys_used},
        "order": "database snapshot first, then files (see rewards/operations/backup.py)",
    }
    manifest_sha256 = write_manifest(folder, manifest)
    with transaction.atomic():
        audit(
            "backup.create",
            actor_label="cli",
            result="ok" if not missing else "incomplete",
            detail={
                "folder": str(folder),
                "manifest_sha256": manifest_sha256,
                "database_sha256": manifest["database"]["sha256"],
                "tables": len(snapshot.tables),
                "rows": sum(snapshot.tables.values()),
                "files": count,
                "materials_missing": len(missing),
            },
        )
    return BackupResult(folder=folder, manifest=manifest, missing=missing)
