"""The audit chain's anchor outside the database (SECURITY.md 17; decision 133, which left this open).

The keyed chain (decision 133) finds an edited or deleted entry and a head moved back, but a log
emptied together with its head, or an older copy of the whole database put back, is a chain that
is whole. So each ``audit_verify`` run appends the head it verified (entries, the last one, its
hash, the head's seal, the time) as one line to ``AUDIT_ANCHOR_FILE``, a file outside the
database (production: another owner, append-only, shipped to the log host), and logs the same
line on the logger ``rewards.audit.anchor`` (``AUDIT_ANCHOR_SYSLOG``: a syslog/journald copy).
The next run compares the chain with the newest line: fewer entries than anchored, or the
anchored entry gone or with another hash, is a log emptied, cut back or replaced since.

Each line carries an HMAC-SHA256 under ``AUDIT_CHAIN_KEY`` (``anchor:`` and the line's canonical
JSON), so that no line can be written without the key; and the SHA-256 of the line before it,
so that an older genuine line copied to the end (to vouch for an older database put back) does
not follow on. A restore through ``manage.py restore`` appends a line of its own naming the
backup, and an operator who has looked into an alarm may accept the log as it stands
(``audit_verify --accept``): the newest line is the lineage from then on.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import hmac
import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings

from . import clock, crypto
from .models import AuditChainHead, AuditEvent
from .oserrors import os_reason

if TYPE_CHECKING:
    from .audit import ChainReport

logger = logging.getLogger("rewards.audit.anchor")

VERSION = 1
#: What wrote a line, as the reports name it.
KINDS = {"verify": "核验", "restore": "恢复备份", "accept": "人工确认"}


@dataclass(frozen=True)
class Head:
    """The chain's head as an anchor line records it (``last_id`` 0: an empty log)."""

    entries: int
    last_id: int
    last_hash: str
    seal: str

    @classmethod
    def verified(cls, report: ChainReport) -> Head:
        return cls(entries=report.entries, last_id=report.last_id, last_hash=report.last_hash, seal=report.head_seal)

    @classmethod
    def current(cls) -> Head:
        """The head as it stands now (after a restore): entries counted, the last one, the seal."""
        last = AuditEvent.objects.order_by("-id").values_list("id", "entry_hash").first()
        seal = AuditChainHead.objects.filter(pk=1).values_list("seal", flat=True).first() or ""
        return cls(
            entries=AuditEvent.objects.count(),
            last_id=last[0] if last else 0,
            last_hash=last[1] if last else "",
            seal=seal,
        )


@dataclass
class AnchorCheck:
    """The newest anchor line and what comparing the chain with it found."""

    path: Path
    #: The newest line, when it is genuine (its HMAC holds and it follows the line before it).
    newest: dict[str, Any] | None = None
    #: No anchor yet (no file, or an empty one): this run writes the first line.
    missing: bool = False
    problems: list[str] = field(default_factory=list)


def anchor_path() -> Path:
    return Path(str(settings.AUDIT_ANCHOR_FILE))


def _canonical(fields: dict[str, Any]) -> str:
    return json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _mac(fields: dict[str, Any]) -> str:
    return crypto.audit_chain_hash("anchor:" + _canonical(fields))


def _link(line: bytes) -> str:
    return hashlib.sha256(line).hexdigest()


def _lines(raw: bytes) -> list[bytes]:
    return [line for line in raw.splitlines() if line.strip()]


def _genuine(line: bytes) -> tuple[dict[str, Any] | None, str]:
    """The line's fields when its HMAC holds, else ``None`` and why (after "最新一行")."""
    try:
        fields = json.loads(line)
    except ValueError:
        return None, "无法读取（不是锚点记录，可能被改动或写了一半）"
    if not isinstance(fields, dict):
        return None, "无法读取（不是锚点记录，可能被改动）"
    mac = fields.pop("mac", None)
    if not isinstance(mac, str) or not mac:
        return None, "没有签名（不是本系统写的锚点记录，可能是伪造的）"
    if not hmac.compare_digest(_mac(fields), mac):
        return None, "的签名不符（可能被伪造或改动，或不是用本机的 AUDIT_CHAIN_KEY 写的）"
    if fields.get("v") != VERSION or fields.get("kind") not in KINDS:
        return None, "的版本或种类无法识别"
    return fields, ""


def read_newest(path: Path | None = None) -> AnchorCheck:
    """The newest line of the anchor file, checked: its HMAC, and its link to the line before."""
    path = path or anchor_path()
    check = AnchorCheck(path=path)
    try:
        lines = _lines(path.read_bytes())
    except FileNotFoundError:
        check.missing = True
        return check
    except OSError as exc:
        check.problems.append(f"无法读取审计锚点文件 {path}（{os_reason(exc)}）：无法核对审计日志是否被清空或替换。")
        return check
    if not lines:
        check.missing = True  # made empty beforehand (deploy: another owner, append-only)
        return check
    newest, why = _genuine(lines[-1])
    where = f"审计锚点文件 {path} 的最新一行（第 {len(lines)} 行）"
    if newest is None:
        check.problems.append(f"{where}{why}：无法据此核对审计日志是否被清空或替换。")
    elif newest.get("prev") != (_link(lines[-2]) if len(lines) > 1 else ""):
        check.problems.append(f"{where}与前一行不衔接（可能是把较早的锚点行重抄到了末尾，或其前的行被删除或改动）。")
    else:
        check.newest = newest
    return check


def compare(check: AnchorCheck, report: ChainReport | Any) -> None:
    """The chain just walked against the newest genuine line: it must still hold every entry the
    line anchored, the anchored one unchanged."""
    anchored = check.newest
    if anchored is None:
        return
    since = f"自上次{KINDS[anchored['kind']]}（{_local(anchored['at'])}，共 {anchored['entries']} 条，至第 {anchored['last_id']} 条）以来"
    if report.entries < anchored["entries"]:
        if report.entries == 0:
            check.problems.append(f"审计日志{since}被清空：现在没有任何记录（记录和链头可能被一并删除，或换上了空的或较早的数据库）。")
        else:
            check.problems.append(
                f"审计日志{since}被截短或替换：现在只有 {report.entries} 条，少于锚点记下的 {anchored['entries']} 条"
                "（可能恢复了较早的数据库副本，或有记录被删除）。"
            )
        return
    if not anchored["last_id"]:
        return
    stored = AuditEvent.objects.filter(pk=anchored["last_id"]).values_list("entry_hash", flat=True).first()
    if stored is None:
        check.problems.append(
            f"审计日志{since}被替换：锚点记下的第 {anchored['last_id']} 条已不存在（可能恢复了较早的数据库副本，或整个日志被重写）。"
        )
    elif stored != anchored["last_hash"]:
        check.problems.append(
            f"审计日志{since}被替换：第 {anchored['last_id']} 条的哈希与锚点记下的不同（可能恢复了较早的数据库副本，或整个日志被重写）。"
        )


def check_chain(report: ChainReport | Any) -> AnchorCheck:
    """Reads the newest anchor line and compares the chain just walked with it (``report`` needs
    only its ``entries``: the staff page's step-by-step walk passes its own count)."""
    check = read_newest()
    compare(check, report)
    if check.problems:
        logger.error("审计锚点核对未通过：%s", "；".join(check.problems))
    return check


def _local(at: Any) -> str:
    try:
        return dt.datetime.fromisoformat(str(at)).astimezone(clock.SHANGHAI).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return str(at)


def append(kind: str, head: Head, **extra: Any) -> dict[str, Any]:
    """Appends one signed line for ``head``, linked to the line before it, and logs it.

    The file is opened for appending only (an append-only file allows nothing else) and locked
    while the last line is read and the new one written, so that two runs at once do not both
    link to the same line. Raises ``OSError`` when the file cannot be written.
    """
    path = anchor_path()
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o640)
    with os.fdopen(fd, "r+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        handle.seek(0)
        lines = _lines(handle.read())
        fields: dict[str, Any] = {
            "v": VERSION,
            "kind": kind,
            "at": clock.now().astimezone(clock.SHANGHAI).isoformat(timespec="seconds"),
            "entries": head.entries,
            "last_id": head.last_id,
            "last_hash": head.last_hash,
            "seal": head.seal,
            "prev": _link(lines[-1]) if lines else "",
            **extra,
        }
        fields["mac"] = _mac(fields)
        line = _canonical(fields)
        handle.write(line.encode() + b"\n")
        handle.flush()
        os.fsync(handle.fileno())
    logger.info("审计锚点 %s", line)
    return fields


def writable(path: Path | None = None) -> bool:
    """Whether :func:`append` may write the anchor file (asked before a restore touches anything)."""
    path = path or anchor_path()
    return os.access(path, os.W_OK) if path.exists() else path.parent.is_dir() and os.access(path.parent, os.W_OK)
