import getpass
import re
import sys
from pathlib import Path
from typing import IO, Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import CommandError, CommandParser
from django.db import DatabaseError

from rewards.core.commands import ChineseCommand
from rewards.core.oserrors import os_reason
from rewards.operations.keys import FIND, WHERE, BackupKeys, ConfiguredKey, backup_keys, configured_keys, fingerprints_of, record
from rewards.operations.manifest import BackupError, file_problem

_NAMED = re.compile(r"(export\s+)?(SECRET_KEY|FIELD_ENCRYPTION_KEY|FIELD_ENCRYPTION_OLD_KEYS|BLIND_INDEX_KEY|AUDIT_CHAIN_KEY)\s*=")
_KEYLIKE = re.compile(r"[A-Za-z0-9_-]{40,}={0,2}")
_AS = {
    "FIELD_ENCRYPTION_KEY": "作为字段加密密钥",
    "BLIND_INDEX_KEY": "作为查询索引密钥",
    "AUDIT_CHAIN_KEY": "作为审计链密钥",
    "SECRET_KEY": "作为 SECRET_KEY",
}


def _read_key(source: str, stdin: IO[str]) -> str:
    """One key, from a file or from standard input (a terminal's input is not echoed); never
    echoed back, nor its file's name (which might be a key typed there by mistake)."""
    if source == "-":
        text = getpass.getpass("请粘贴密钥（输入不回显），按回车：") if stdin.isatty() else stdin.read()
    else:
        try:
            text = Path(source).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            hint = (
                "密钥不可写在命令行上（会留在 shell 历史和进程列表中）：请放入只有自己能读的文件，或用 --key-file - 从标准输入读入。"
                if _KEYLIKE.fullmatch(source)
                else "请确认文件存在、运行命令的用户能读，且其中只有一个密钥。"
            )
            reason = os_reason(exc) if isinstance(exc, OSError) else "不是文本文件"
            raise CommandError(f"无法读取 --key-file 所给的文件（{reason}）。{hint}") from None
    text = text.strip()
    if not text:
        raise CommandError("没有读到密钥：文件或输入是空的。")
    if _NAMED.match(text):
        raise CommandError("请只给密钥本身，不要带变量名（如 FIELD_ENCRYPTION_KEY=）。")
    if len(text.split()) > 1 or "," in text:
        raise CommandError("一次只能核对一个密钥：文件或输入中应只有这一个密钥（FIELD_ENCRYPTION_OLD_KEYS 中的多个旧密钥请逐个核对）。")
    return text


class Command(ChineseCommand):
    help = (
        "列出本机配置的各个密钥的指纹（与备份清单和 restore 所报告的指纹按同一方法计算，从不显示密钥本身）；"
        "加 --backup 目录，逐个说明该备份需要的密钥本机是否已配置（缺少时退出码为 1）；已记入审计日志（crypto.fingerprints）"
    )
    stealth_options = ("stdin",)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--backup", type=Path, metavar="目录", help="backup 命令写出的备份目录：核对它需要的密钥")
        parser.add_argument(
            "--key-file",
            metavar="文件",
            help="另算一个尚未配置的密钥的指纹：文件中只放这一个密钥；写 - 则从标准输入读入（终端上不回显）。密钥本身不可写在命令行上",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        key = _read_key(options["key_file"], options.get("stdin") or sys.stdin) if options["key_file"] else None
        try:
            keys = configured_keys()
            checked = backup_keys(options["backup"], keys) if options["backup"] else None
            prints = fingerprints_of(key) if key is not None else {}
        except ImproperlyConfigured as exc:
            raise CommandError(f"{exc} 请检查环境文件（/etc/rewards/env）中的密钥。") from None
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        except OSError as exc:
            raise CommandError(str(file_problem("读取备份失败", exc))) from exc
        matches = sorted({need.setting for need in checked.needs if prints.get(need.setting) == need.fingerprint}) if checked else []
        try:
            recorded = record(keys=keys, checked=checked, key_file=bool(prints), matches=matches)
        except DatabaseError as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise CommandError(f"无法写入审计日志（{reason}），未显示任何指纹：请确认数据库可用后重试。") from None

        self._configured(keys)
        if prints:
            self._given(prints, keys)
        if not recorded:
            self.stdout.write("数据库为空（如恢复的目标）：本次查看未记入审计日志，以免 restore 因这条记录认为目标不是空的。")
        if checked is not None:
            self._backup(checked, prints)
        if recorded:
            self.stdout.write("已记入审计日志（crypto.fingerprints）。")
        if checked is not None and checked.missing:
            shown = "、".join(need.fingerprint for need in checked.missing)
            raise CommandError(f"这份备份需要的 {len(checked.missing)} 个密钥不在本机配置中（指纹 {shown}）：restore 会拒绝恢复它。")

    def _configured(self, keys: list[ConfiguredKey]) -> None:
        self.stdout.write("本机配置的密钥（只显示指纹，与备份清单和 restore 所报告的指纹按同一方法计算；密钥本身从不显示）：")
        seen: dict[str, str] = {}
        for key in keys:
            same = seen.get(key.fingerprint) if key.setting.startswith("FIELD_ENCRYPTION") else None
            seen.setdefault(key.fingerprint, key.setting)
            self.stdout.write(f"  {key.setting}：{key.role}，指纹 {key.fingerprint}" + (f"（与 {same} 相同）" if same else ""))

    def _given(self, prints: dict[str, str], keys: list[ConfiguredKey]) -> None:
        self.stdout.write("所给密钥的指纹：")
        if "FIELD_ENCRYPTION_KEY" not in prints:
            self.stdout.write("  不是 32 字节的 URL 安全 base64 密钥：不会是字段加密、查询索引或审计链密钥。")
        for setting, fingerprint in prints.items():
            here = [key.setting for key in keys if key.fingerprint == fingerprint and key.setting.startswith(setting.removesuffix("_KEY"))]
            self.stdout.write(f"  {_AS[setting]}：指纹 {fingerprint}（{'本机已配置为 ' + '、'.join(here) if here else '本机未配置'}）")

    def _backup(self, checked: BackupKeys, prints: dict[str, str]) -> None:
        self.stdout.write(f"备份 {checked.folder}（{checked.created_at}）需要的密钥：")
        for need in checked.needs:
            given = "；所给的密钥正是它" if prints.get(need.setting) == need.fingerprint else ""
            if need.found:
                state = f"已配置（{need.found}）"
            elif need.required:
                state = "缺少"
            else:
                state = "与本机不同：恢复后职工的查询密码将全部失效（登录后可重新获取），不妨碍恢复"
            self.stdout.write(f"  {need.label}，指纹 {need.fingerprint}：{state}{given}")
        for note in checked.notes:
            self.stdout.write(f"  {note}")
        for need in checked.missing:
            if prints.get(need.setting) == need.fingerprint:
                self.stderr.write(f"缺少{need.label}（指纹 {need.fingerprint}）：所给的密钥正是它，请{WHERE[need.setting]}后再恢复。")
            else:
                self.stderr.write(f"缺少{need.label}（指纹 {need.fingerprint}）：{FIND}，然后{WHERE[need.setting]}。")
        if not checked.missing:
            self.stdout.write(self.style.SUCCESS("这份备份需要的密钥本机都已配置。"))
