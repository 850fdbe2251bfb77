"""Logging filters: no full personal number in the application log (SECURITY.md 18).

The project's own code logs objects by id; but Django logs the path of every 4xx answer
("Not Found: /staff/applications/…"), and a path holds whatever a caller typed or pasted into
it: an ID, card or mobile number where an application number goes. The filter masks every run of
11 or more digits in a record's message before any handler sees it, except inside a long
hexadecimal name (a material's storage name, a digest): its digits are not a number anyone typed,
and the operator needs the whole name to find the file. A record's traceback is masked too: an
exception's own message may quote the value it failed on (``invalid literal for int() with base
10: '3301…'``), and Django logs every 500 with its traceback.
"""

from __future__ import annotations

import logging
import logging.handlers
import re
import sys

from .masking import mask_digit_runs
from .oserrors import os_reason

#: A storage name (``materials/2020/`` + 40 hex digits, applications/materials.py) or a SHA-256: 32 or more
#: hexadecimal digits, at least one of them a letter, standing alone.
_HEX_NAME = re.compile(r"(?<![0-9A-Za-z])(?=[0-9]*[a-f])[0-9a-f]{32,}(?![0-9A-Za-z])")


def mask_log_message(message: str) -> str:
    """``message`` with every personal-looking number masked outside hexadecimal names."""
    pieces = _HEX_NAME.split(message)
    if len(pieces) == 1:
        return mask_digit_runs(message)
    names = _HEX_NAME.findall(message)
    return "".join(mask_digit_runs(piece) + (names[index] if index < len(names) else "") for index, piece in enumerate(pieces))


class MaskPersonalNumbers(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_log_message(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            # What the handler's formatter would write; kept in exc_text, which it then uses as is.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_log_message(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_log_message(record.stack_info)
        return True


class AnchorSyslogHandler(logging.handlers.SysLogHandler):
    """The audit anchor's copy to syslog (``AUDIT_ANCHOR_SYSLOG``): when the socket cannot be
    reached (no journald or rsyslog on the machine, a wrong path), one line in Chinese on stderr
    instead of the logging module's English traceback in cron's mail every night. The anchor
    file already holds the line (rewards/core/anchor.py writes it first)."""

    def handleError(self, record: logging.LogRecord) -> None:
        if not logging.raiseExceptions:
            return
        sys.stderr.write(
            f"审计锚点未能抄送系统日志 {self.address}（{os_reason(sys.exc_info()[1])}）：锚点文件中已写入这一行。"
            "请确认 journald 或 rsyslog 在运行，或在环境文件中清空 AUDIT_ANCHOR_SYSLOG（锚点行改为输出到标准错误）。\n"
        )
