"""What an operating-system error means, in Chinese, for the messages an operator reads (a
command's refusal, cron's mail): Python's own ``strerror`` is English ("Permission denied")."""

from __future__ import annotations

import errno

_REASONS = {
    errno.EACCES: "没有权限",
    errno.EPERM: "不允许此操作",
    errno.ENOENT: "不存在",
    errno.ENOTDIR: "路径中有一段不是目录",
    errno.EISDIR: "是目录而不是文件",
    errno.ENOSPC: "磁盘空间不足",
    errno.EDQUOT: "超出磁盘配额",
    errno.EROFS: "文件系统只读",
    errno.EIO: "读写出错，磁盘或网络存储可能有故障",
    errno.ECONNREFUSED: "没有程序在接收",
}


def os_reason(problem: BaseException | None) -> str:
    """``没有权限`` for EACCES and the like; the system's own words for the rest."""
    if problem is None:
        return "未知原因"
    code = getattr(problem, "errno", None)
    return _REASONS.get(code or 0) or getattr(problem, "strerror", None) or type(problem).__name__
