"""Whether the audit anchor (decision 160, :mod:`rewards.core.anchor`) can do its work here: the
account the command runs as can append to ``AUDIT_ANCHOR_FILE`` (else each ``audit_verify`` fails
and ``restore`` refuses), the file is out of that account's reach as README "Deploying" asks
(another owner, a folder the account cannot write, append-only), and ``AUDIT_ANCHOR_SYSLOG`` is a
socket that takes the copy for the log host.

``manage.py check --deploy`` tests none of it on purpose: the web unit starts only when that check
has no warning, the website never writes the anchor, and a journald restart or a mistaken
``chattr`` must not keep the site down. ``audit_anchor_check`` is run by the operator at
installation and after changing the file or the log host; the nightly ``audit_verify`` reports a
failure to write all the same. Nothing is written: the file is opened for appending and closed, the
socket connected and closed.
"""

from __future__ import annotations

import fcntl
import os
import pwd
import socket
import stat
import struct
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

from rewards.core.oserrors import os_reason

FS_IOC_GETFLAGS = 0x80086601  # linux/fs.h, on 64-bit machines
FS_APPEND_FL = 0x00000020
MAKE_FILE = (
    "以 root 按 README“部署”一节创建：install -d -m 0750 -o root -g rewards {folder}；"
    "install -m 0660 -o root -g rewards /dev/null {path}；chattr +a {path}"
)


@dataclass
class AnchorReport:
    """What was found: ``ok`` lines, ``problems`` (``audit_verify`` would fail or send no copy),
    ``warnings`` (the anchor works but is not protected as it should be)."""

    ok: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _account() -> tuple[int, set[int], str]:
    """The account the command runs as: its uid, its groups and its name."""
    uid = os.geteuid()
    try:
        name = pwd.getpwuid(uid).pw_name
    except KeyError:
        name = str(uid)
    return uid, {os.getegid(), *os.getgroups()}, name


def _may_write(info: os.stat_result, uid: int, groups: set[int]) -> bool:
    """Whether an account may write a folder with ``info``, by its mode bits (root always may)."""
    if uid == 0:
        return True
    if info.st_uid == uid:
        return bool(info.st_mode & stat.S_IWUSR)
    if info.st_gid in groups:
        return bool(info.st_mode & stat.S_IWGRP)
    return bool(info.st_mode & stat.S_IWOTH)


def _append_only(path: Path) -> bool | None:
    """Whether the file has the append-only attribute (``chattr +a``); None when the file system
    cannot say (tmpfs, some network file systems)."""
    try:
        with open(path, "rb") as handle:
            flags = fcntl.ioctl(handle.fileno(), FS_IOC_GETFLAGS, struct.pack("l", 0))
    except OSError:
        return None
    return bool(struct.unpack("l", flags)[0] & FS_APPEND_FL)


def check_file(path: Path, report: AnchorReport) -> None:
    uid, groups, name = _account()
    folder = path.parent
    make = MAKE_FILE.format(folder=folder, path=path)
    if not path.exists() and not path.is_symlink():
        try:
            folder_info = folder.stat()
        except OSError as exc:
            report.problems.append(f"审计锚点文件 {path} 不存在，本账号也不能在 {folder} 中创建它（{os_reason(exc)}）。{make}")
            return
        if not _may_write(folder_info, uid, groups) or not os.access(folder, os.W_OK | os.X_OK):
            report.problems.append(f"审计锚点文件 {path} 不存在，本账号（{name}）也不能在 {folder} 中创建它（没有权限）。{make}")
            return
        report.warnings.append(
            f"审计锚点文件 {path} 不存在：首次 audit_verify 会创建它，但它将属于本账号（{name}），所在目录本账号也可以写入，"
            f"能访问数据库的人也能清空或替换它。{make}"
        )
        return
    try:
        fd = os.open(path, os.O_RDWR | os.O_APPEND)  # what rewards.core.anchor.append opens; nothing written
    except OSError as exc:
        report.problems.append(f"本账号（{name}）不能追加写入审计锚点文件 {path}（{os_reason(exc)}）：audit_verify 将无法记下链头。{make}")
        return
    os.close(fd)
    report.ok.append(f"审计锚点文件 {path}：本账号（{name}）可以追加写入。")
    info, folder_info = path.stat(), folder.stat()
    owned, folder_writable = info.st_uid == uid, _may_write(folder_info, uid, groups)
    if uid == 0:
        report.warnings.append(
            "以 root 运行，看不出服务的账号能否写入、能否删除或替换这个文件："
            "请以服务的账号运行 runuser -u rewards -- deploy/bin/manage audit_anchor_check。"
        )
    elif owned:
        report.warnings.append(f"文件属于本账号（{name}）：能访问数据库的人也能清空或改写它。应属于 root：chown root:rewards {path}")
    if folder_writable and uid != 0:
        report.warnings.append(
            f"所在目录 {folder} 本账号可以写入：能删除或替换这个文件。应属于 root：chown root:rewards {folder}；chmod 0750 {folder}"
        )
    if uid != 0 and not owned and not folder_writable:
        report.ok.append("文件不属于本账号，所在目录本账号不能写入：不能删除或替换它。")
    append_only = _append_only(path)
    if append_only:
        report.ok.append("已设为只许追加（chattr +a）。")
    elif append_only is None:
        report.warnings.append("无法查询是否只许追加（文件系统不支持）：请以 root 用 lsattr 查看，应有 a 标志。")
    else:
        report.warnings.append(f"没有设为只许追加：以 root 执行 chattr +a {path}（否则文件的属主可以截短或改写它）。")


def check_syslog(address: str, report: AnchorReport) -> None:
    if not address:
        report.ok.append("未设置 AUDIT_ANCHOR_SYSLOG：锚点行只写入锚点文件和标准错误，没有抄送日志主机。")
        return
    advice = "请确认 journald 或 rsyslog 在运行，或在环境文件中清空 AUDIT_ANCHOR_SYSLOG。"
    try:
        if not stat.S_ISSOCK(os.stat(address).st_mode):
            report.problems.append(f"系统日志 {address} 无法连接（不是套接字）：锚点行不会抄送到日志主机。{advice}")
            return
    except OSError as exc:
        report.problems.append(f"系统日志 {address} 无法连接（{os_reason(exc)}）：锚点行不会抄送到日志主机。{advice}")
        return
    problem: OSError | None = None
    for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):  # as logging's SysLogHandler tries them
        with closing(socket.socket(socket.AF_UNIX, kind)) as connection:
            try:
                connection.connect(address)
            except OSError as exc:
                problem = exc
                continue
        report.ok.append(f"系统日志 {address}：可以连接，每行锚点会抄送一份。")
        return
    report.problems.append(f"系统日志 {address} 无法连接（{os_reason(problem)}）：锚点行不会抄送到日志主机。{advice}")


def inspect(path: Path, syslog: str) -> AnchorReport:
    report = AnchorReport()
    check_file(path, report)
    check_syslog(syslog, report)
    return report
