"""Development stand-ins for the operator's gateway (API.md "SMS backends").

They carry full mobile numbers, as the gateway would; production settings refuse them.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TextIO

from rewards.core import clock

from .base import OutgoingSms, Transport, TransportError


class ConsoleTransport(Transport):
    """Prints each message to standard output (not to the log: logs never hold full numbers)."""

    name = "console"

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream

    def send(self, sms: OutgoingSms) -> str:
        stream = self.stream or sys.stdout
        stream.write(f"[短信] 发往 {sms.to}：{sms.text}\n")
        stream.flush()
        return ""


class FileTransport(Transport):
    """Appends one JSON line ``{"to","text","at"}`` per message to ``path``.

    Opened append-only and written with a single unbuffered ``write``, so lines from several
    worker processes do not interleave; the file is readable by its owner only.
    """

    name = "file"

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def send(self, sms: OutgoingSms) -> str:
        at = clock.now().astimezone(clock.SHANGHAI).isoformat(timespec="seconds")
        line = json.dumps({"to": sms.to, "text": sms.text, "at": at}, ensure_ascii=False) + "\n"
        data = line.encode("utf-8")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                written = os.write(fd, data)
            finally:
                os.close(fd)
        except OSError as exc:
            raise TransportError(f"短信文件写入失败（{exc.strerror}）。") from None
        if written != len(data):
            raise TransportError("短信文件写入不完整（磁盘已满？）。")
        return ""
