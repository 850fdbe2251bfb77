"""``key_fingerprints``: the keys configured here by fingerprint, and which keys a backup needs.

A backup's manifest names its keys by fingerprint only (:mod:`.manifest`), and ``restore``
names a missing field key by it: this lets the operator match those fingerprints against the
keys they hold, without a key ever being printed or audited. Every fingerprint comes from the
functions of :mod:`.manifest` that write the manifest, so the three always agree. What a backup
needs is what ``restore`` checks (:func:`rewards.operations.restore._check_keys`): the field keys
that sealed its data, its blind-index key and, when it names one, its audit-chain key; a different
``SECRET_KEY`` only costs the query passwords.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from rewards.core import crypto
from rewards.core.audit import audit

from . import database
from .manifest import (
    audit_chain_fingerprint,
    blind_index_fingerprint,
    encryption_fingerprint,
    field_key_fingerprint,
    read_manifest,
    secret_key_fingerprint,
)

FIELD = "字段加密密钥"
LABELS = {"BLIND_INDEX_KEY": "查询索引密钥", "AUDIT_CHAIN_KEY": "审计链密钥", "SECRET_KEY": "SECRET_KEY（查询密码）"}
#: The manifest's name of each key's fingerprint.
MANIFEST_NAMES = {"BLIND_INDEX_KEY": "blind_index", "AUDIT_CHAIN_KEY": "audit_chain", "SECRET_KEY": "secret_key"}
#: Where a key the backup needs goes once found, by the setting it is needed as.
WHERE = {
    "FIELD_ENCRYPTION_KEY": "放入 FIELD_ENCRYPTION_OLD_KEYS（逗号分隔，当前的 FIELD_ENCRYPTION_KEY 不变）",
    "BLIND_INDEX_KEY": "配置为 BLIND_INDEX_KEY",
    "AUDIT_CHAIN_KEY": "配置为 AUDIT_CHAIN_KEY",
}
FIND = (
    "请在保管密钥之处（运维的密钥库或保险柜；开发环境为 var/keys/）和做这份备份时的环境文件（/etc/rewards/env 的旧副本）中找到它"
    "（可用 manage.py key_fingerprints --key-file - 核对一个密钥的指纹，密钥从标准输入读入、不回显）"
)


@dataclass(frozen=True)
class ConfiguredKey:
    setting: str  # "FIELD_ENCRYPTION_KEY", "FIELD_ENCRYPTION_OLD_KEYS[0]", "BLIND_INDEX_KEY", …
    role: str
    fingerprint: str


@dataclass(frozen=True)
class KeyNeed:
    setting: str  # what the backup needs it as: FIELD_ENCRYPTION_KEY (current or old), BLIND_INDEX_KEY, …
    fingerprint: str
    found: str  # the setting that holds it here; "" when none does
    required: bool  # False: SECRET_KEY (restore only warns)

    @property
    def label(self) -> str:
        return FIELD if self.setting == "FIELD_ENCRYPTION_KEY" else LABELS[self.setting]


@dataclass
class BackupKeys:
    folder: Path
    created_at: str
    manifest_sha256: str
    needs: list[KeyNeed] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def missing(self) -> list[KeyNeed]:
        return [need for need in self.needs if need.required and not need.found]


def configured_keys() -> list[ConfiguredKey]:
    """Every key configured here, the field keys in their order (the first encrypts new values);
    raises ``ImproperlyConfigured`` (Chinese) for a key missing or malformed."""
    keys = []
    for index, (setting, kid) in enumerate(crypto.field_key_ids()):
        role = f"{FIELD}（当前：加密新写入的内容，也解密）" if index == 0 else f"{FIELD}（旧密钥第 {index} 个：只解密轮换前写入的内容）"
        keys.append(ConfiguredKey(setting, role, encryption_fingerprint(kid)))
    keys.append(ConfiguredKey("BLIND_INDEX_KEY", LABELS["BLIND_INDEX_KEY"], blind_index_fingerprint()))
    keys.append(ConfiguredKey("AUDIT_CHAIN_KEY", LABELS["AUDIT_CHAIN_KEY"], audit_chain_fingerprint()))
    keys.append(ConfiguredKey("SECRET_KEY", LABELS["SECRET_KEY"], secret_key_fingerprint()))
    return keys


def _holder(keys: list[ConfiguredKey], fingerprint: str, field_key: bool, setting: str = "") -> str:
    for key in keys:
        if key.fingerprint == fingerprint and (key.setting.startswith("FIELD_ENCRYPTION") if field_key else key.setting == setting):
            return key.setting
    return ""


def backup_keys(source: Path, keys: list[ConfiguredKey]) -> BackupKeys:
    """What the backup in ``source`` needs, key by key, and whether ``keys`` hold it."""
    folder = source.resolve()
    manifest, manifest_sha256 = read_manifest(folder)
    theirs: dict[str, Any] = manifest.get("keys") or {}
    result = BackupKeys(folder=folder, created_at=str(manifest.get("created_at") or "?"), manifest_sha256=manifest_sha256)
    used = sorted(str(digest) for digest in theirs.get("field_encryption_used") or [])
    for digest in used:
        result.needs.append(KeyNeed("FIELD_ENCRYPTION_KEY", digest, _holder(keys, digest, True), required=True))
    if not used:
        result.notes.append("备份中没有加密的个人信息：不需要字段加密密钥。")
    for setting, name in MANIFEST_NAMES.items():
        if setting == "AUDIT_CHAIN_KEY" and theirs.get(name) is None:
            # As restore: a backup from before the keyed chain (`migrate` seals its log).
            result.notes.append("备份早于审计链密钥：不需要 AUDIT_CHAIN_KEY。")
            continue
        digest = str(theirs.get(name) or "（清单未记录）")
        result.needs.append(KeyNeed(setting, digest, _holder(keys, digest, False, setting), required=setting != "SECRET_KEY"))
    return result


def fingerprints_of(key: str) -> dict[str, str]:
    """The fingerprint a key not configured here would have as each key: a field, blind-index or
    audit-chain key must be 32 bytes of URL-safe base64; any text may have been a SECRET_KEY."""
    try:
        prints = {"FIELD_ENCRYPTION_KEY": field_key_fingerprint(key, "所给的密钥")}
    except ImproperlyConfigured:
        prints = {}
    else:
        prints["BLIND_INDEX_KEY"] = blind_index_fingerprint(key)
        prints["AUDIT_CHAIN_KEY"] = audit_chain_fingerprint(key)
    prints["SECRET_KEY"] = secret_key_fingerprint(key)
    return prints


def record(*, keys: list[ConfiguredKey], checked: BackupKeys | None, key_file: bool, matches: list[str]) -> bool:
    """Audits the run (``crypto.fingerprints``: fingerprints and counts, never a key); returns
    False when it was not written because the database is empty: the target of a restore must
    stay empty, or ``restore`` would refuse it for this very entry."""
    if not database.non_empty_tables():
        return False
    detail: dict[str, Any] = {"keys": len(keys), "field_keys": sum(k.setting.startswith("FIELD_ENCRYPTION") for k in keys)}
    if checked is not None:
        detail.update(
            backup=str(checked.folder),
            manifest_sha256=checked.manifest_sha256,
            needed=len(checked.needs),
            missing=[f"{need.setting}:{need.fingerprint}" for need in checked.missing],
        )
    if key_file:
        detail.update(key_file=True, key_file_matches=matches)
    with transaction.atomic():
        audit("crypto.fingerprints", actor_label="cli", result="failed" if checked and checked.missing else "ok", detail=detail)
    return True
