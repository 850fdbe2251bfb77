"""``restore``: checks everything first, then replaces the database and the private files.

Before touching anything: the manifest, the database engine, the keys (by fingerprint), the
migrations, the target being empty (or ``--force``), and the SHA-256 of the dump, of the file
list and of every file. Then the files are staged beside the storage folder, the database is
replaced in one step (SQLite's backup API; ``pg_restore --single-transaction``), the staged files
are swapped in, the row counts are compared with the manifest, and the restore is audited in
the restored database; last, a line of the audit anchor outside the database states the restore
and the backup, so that ``audit_verify`` takes the restored log as the lineage from then on
(:mod:`rewards.core.anchor`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.migrations.loader import MigrationLoader

from rewards.core import anchor
from rewards.core.audit import audit
from rewards.core.oserrors import os_reason

from . import database
from .files import discard as discard_folder
from .files import has_files, stage_files, storage_root, swap_in, verify_files
from .manifest import DATABASE_FILES, FILE_LIST, BackupError, key_fingerprints, read_manifest, sha256_file

Say = Callable[[str], None]


@dataclass
class RestoreResult:
    manifest: dict[str, Any]
    mismatches: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _check_keys(manifest: dict[str, Any]) -> list[str]:
    """Refuses a backup whose data this installation's keys cannot open or find, naming every key
    it misses at once (not one per attempt); returns warnings."""
    theirs, ours = manifest.get("keys") or {}, key_fingerprints()
    problems = []
    if theirs.get("blind_index") != ours["blind_index"]:
        problems.append(
            "备份时的查询索引密钥（BLIND_INDEX_KEY）与本机不同：恢复后将无法按身份证号、银行卡号、手机号查找。"
            "请配置与备份时相同的 BLIND_INDEX_KEY。"
        )
    # A backup from before the keyed chain has no such fingerprint: its log is sealed by `migrate`.
    if theirs.get("audit_chain", ours["audit_chain"]) != ours["audit_chain"]:
        problems.append("备份时的审计链密钥（AUDIT_CHAIN_KEY）与本机不同：恢复后审计日志将无法校验。请配置与备份时相同的 AUDIT_CHAIN_KEY。")
    used = set(theirs.get("field_encryption_used") or [])
    missing = sorted(used - set(ours["field_encryption_ring"]))
    if missing:
        problems.append(
            f"备份中的加密数据使用的密钥（指纹 {'、'.join(missing)}）不在本机配置中：恢复后无法解密。"
            "请配置与备份时相同的 FIELD_ENCRYPTION_KEY（轮换过的旧密钥放入 FIELD_ENCRYPTION_OLD_KEYS）。"
        )
    if problems:
        raise BackupError(
            "\n".join(problems)
            + "\n未做任何修改；配置好上述密钥后再恢复（manage.py key_fingerprints --backup 备份目录 逐个列出所需密钥的指纹）。"
        )
    warnings = []
    older = sorted(used - {ours["field_encryption_current"]})
    if older:
        # Restored, these values are under a key the rotation meant to retire: once it leaves
        # FIELD_ENCRYPTION_OLD_KEYS (as rotate_field_keys says it may) they could not be read.
        warnings.append(
            f"备份中的加密数据使用轮换前的旧密钥（指纹 {'、'.join(older)}）：恢复后请运行 manage.py rotate_field_keys，"
            "用当前密钥重新加密；在此之前不要从 FIELD_ENCRYPTION_OLD_KEYS 中删去它，否则恢复的数据将无法解密。"
        )
    if theirs.get("secret_key") != ours["secret_key"]:
        warnings.append("本机的 SECRET_KEY 与备份时不同：职工的查询密码将全部失效（登录后可重新获取）。")
    return warnings


def _check_migrations(manifest: dict[str, Any]) -> list[str]:
    known = {f"{app}.{name}" for app, name in MigrationLoader(None, ignore_no_migrations=True).disk_migrations}
    applied = set(manifest.get("migrations") or [])
    unknown = sorted(applied - known)
    if unknown:
        raise BackupError(f"备份来自更新的程序版本（本程序没有这些数据库迁移：{'、'.join(unknown[:5])}）：请用同一版本的程序恢复。")
    if known - applied:
        return ["本程序有备份之后新增的数据库迁移：恢复后请运行 manage.py migrate。"]
    return []


def backup_restore(*, source: Path, force: bool = False, say: Say = lambda text: None) -> RestoreResult:
    folder = source.resolve()
    manifest, manifest_sha256 = read_manifest(folder)
    vendor = database.vendor()
    theirs = manifest["database"]["vendor"]
    if theirs != vendor:
        raise BackupError(f"备份来自 {theirs} 数据库，本机使用 {vendor}：不能跨数据库恢复。")
    result = RestoreResult(manifest=manifest)
    result.warnings += _check_keys(manifest)
    result.warnings += _check_migrations(manifest)

    if not anchor.writable():
        raise BackupError(
            f"无法写入审计锚点文件 {anchor.anchor_path()}：恢复后将无法记下新的起点，audit_verify 会报告审计日志被替换。"
            "请检查 AUDIT_ANCHOR_FILE 及其权限后再恢复，未做任何修改。"
        )
    root = storage_root()
    if not force:
        occupied = database.non_empty_tables()
        if occupied or has_files(root):
            what = (
                f"数据库中已有数据（{'、'.join(occupied[:5])}{' 等' if len(occupied) > 5 else ''}）" if occupied else f"{root} 中已有文件"
            )
            raise BackupError(f"恢复目标不是空的：{what}。确认要用备份覆盖现有数据时，请加 --force。")

    say("核对校验和……")
    dump = folder / DATABASE_FILES[vendor]
    if manifest["database"].get("file") != dump.name or not dump.is_file():
        raise BackupError(f"备份中缺少数据库文件 {dump.name}。")
    if sha256_file(dump) != manifest["database"]["sha256"]:
        raise BackupError(f"数据库文件 {dump.name} 的校验和与清单不符：备份已损坏或被改动，未做任何修改。")
    if not (folder / FILE_LIST).is_file() or sha256_file(folder / FILE_LIST) != manifest["files"]["list_sha256"]:
        raise BackupError(f"文件清单 {FILE_LIST} 缺失或校验和与清单不符：备份已损坏或被改动，未做任何修改。")
    problems = verify_files(folder, progress=lambda n: say(f"已核对 {n} 个文件……"))
    if problems:
        shown = "；".join(problems[:10]) + (f"；另有 {len(problems) - 10} 处" if len(problems) > 10 else "")
        raise BackupError(f"备份中的文件与清单不符（{shown}）：备份已损坏或被改动，未做任何修改。")

    say("暂存文件……")
    staging = stage_files(folder, root)
    try:
        say("恢复数据库……")
        if vendor == "sqlite":
            database.sqlite_restore(dump)
        else:
            database.postgres_restore(dump)
    except BaseException:
        discard_folder(staging)
        raise
    say("替换文件目录……")
    swap_in(staging, root)

    restored = database.current_tables()
    for table, count in sorted(manifest["tables"].items()):
        if restored.get(table) != count:
            result.mismatches.append(f"{table}：清单 {count} 行，恢复后 {restored.get(table, '（无此表）')} 行")
    with transaction.atomic():
        audit(
            "backup.restore",
            actor_label="cli",
            result="ok" if not result.mismatches else "mismatch",
            detail={
                "backup_created_at": manifest.get("created_at"),
                "manifest_sha256": manifest_sha256,
                "database_sha256": manifest["database"]["sha256"],
                "tables": len(manifest["tables"]),
                "rows": sum(manifest["tables"].values()),
                "files": manifest["files"]["count"],
                "forced": force,
                "mismatches": len(result.mismatches),
            },
        )
    try:
        anchor.append(
            "restore",
            anchor.Head.current(),
            backup=str(folder),
            backup_created_at=manifest.get("created_at"),
            manifest_sha256=manifest_sha256,
        )
    except OSError as exc:
        result.warnings.append(
            f"已恢复，但无法写入审计锚点文件 {anchor.anchor_path()}（{os_reason(exc)}）：下次 audit_verify 会报告审计日志被替换；"
            '查明后请运行 audit_verify --accept "恢复备份 …"。'
        )
    return result
