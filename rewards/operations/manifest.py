"""The backup's manifest: what was saved, when, by which versions, with which checksums and
under which keys (by fingerprint only: the keys themselves are never in a backup)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import platform
import tomllib
from pathlib import Path, PurePosixPath
from typing import Any

import django
from django.conf import settings

from rewards.core import crypto
from rewards.core.oserrors import os_reason

FORMAT = "hz-rewards-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
FILE_LIST = "files.sha256"
FILES_DIR = "files"
DATABASE_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}


class BackupError(Exception):
    """A backup or restore cannot go on; the message (Chinese) says why and what to do."""


def file_problem(what: str, problem: OSError) -> BackupError:
    """A folder or file the command could not read or write (the wrong owner, a full disk), said
    in Chinese with what to check, instead of Python's English traceback."""
    reason = os_reason(problem)
    where = f"{problem.filename}（{reason}）" if problem.filename else reason
    return BackupError(f"{what}：{where}。请确认运行命令的用户（服务的用户 rewards）能读写该位置、磁盘空间足够，然后重试。")


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _fingerprint(public_name: str) -> str:
    """A hash of a key's public name (its key id): shows whether two keys are the same, and
    nothing else."""
    return hashlib.sha256(f"{FORMAT}:key:{public_name}".encode()).hexdigest()[:16]


def encryption_fingerprint(key_id: str) -> str:
    return _fingerprint(f"field-encryption:{key_id}")


# Each fingerprint below is of the configured key, or of ``key`` when given (a key not configured
# here, ``key_fingerprints --key-file``): one computation for the manifest, restore and that command.


def field_key_fingerprint(key: str, name: str = "FIELD_ENCRYPTION_KEY") -> str:
    return encryption_fingerprint(crypto.field_key_id(key, name))


def blind_index_fingerprint(key: str | None = None) -> str:
    return _fingerprint("blind-index:" + crypto.blind_index("backup-fingerprint", "", key=key))


def audit_chain_fingerprint(key: str | None = None) -> str:
    return _fingerprint("audit-chain:" + crypto.audit_chain_hash("backup-fingerprint", key=key))


def secret_key_fingerprint(key: str | None = None) -> str:
    return _fingerprint("secret-key:" + crypto.keyed_digest("backup-fingerprint", "", secret=key))


def key_fingerprints() -> dict[str, Any]:
    """Fingerprints of the keys configured here: the field-encryption key ring (current and old
    keys, by key id), the blind-index key, the audit-chain key and SECRET_KEY (each by a keyed hash
    of a constant)."""
    current, ring = crypto.keyring()
    return {
        "field_encryption_current": encryption_fingerprint(current),
        "field_encryption_ring": sorted(encryption_fingerprint(kid) for kid in ring),
        "blind_index": blind_index_fingerprint(),
        "audit_chain": audit_chain_fingerprint(),
        "secret_key": secret_key_fingerprint(),
    }


def versions() -> dict[str, str]:
    try:
        with open(Path(settings.BASE_DIR) / "pyproject.toml", "rb") as handle:
            app = str(tomllib.load(handle)["project"]["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        app = "unknown"
    return {"app": app, "python": platform.python_version(), "django": django.get_version()}


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).astimezone().isoformat(timespec="seconds")


def write_private(path: Path, text: str) -> None:
    """Writes a new file readable by its owner only, whole or not at all."""
    partial = path.with_name(path.name + ".partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(partial, path)


def write_manifest(folder: Path, manifest: dict[str, Any]) -> str:
    text = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    write_private(folder / MANIFEST, text)
    return hashlib.sha256(text.encode()).hexdigest()


def read_manifest(folder: Path) -> tuple[dict[str, Any], str]:
    path = folder / MANIFEST
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise BackupError(f"{folder} 中没有 {MANIFEST}：不是完整的备份（备份中断时不写清单）。") from None
    try:
        manifest = json.loads(raw)
    except ValueError:
        raise BackupError(f"{MANIFEST} 无法解析：备份已损坏。") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{MANIFEST} 不是本系统的备份清单。")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(f"备份格式版本 {manifest.get('format_version')} 不受支持（本程序为 {FORMAT_VERSION}）。")
    return manifest, hashlib.sha256(raw).hexdigest()


def list_line(sha256: str, relative: str) -> str:
    """One line of ``files.sha256``, in the format ``sha256sum -c`` reads."""
    return f"{sha256}  {FILES_DIR}/{relative}\n"


def parse_list_line(line: str, number: int) -> tuple[str, PurePosixPath]:
    """``(sha256, path inside files/)``; refuses any path that could leave the folder."""
    digest, sep, name = line.rstrip("\n").partition("  ")
    path = PurePosixPath(name)
    if (
        not sep
        or len(digest) != 64
        or any(c not in "0123456789abcdef" for c in digest)
        or str(path) != name
        or path.is_absolute()
        or len(path.parts) < 2
        or path.parts[0] != FILES_DIR
        or any(part in ("..", ".", "") for part in path.parts)
    ):
        raise BackupError(f"{FILE_LIST} 第 {number} 行格式不正确：备份已损坏。")
    return digest, PurePosixPath(*path.parts[1:])
