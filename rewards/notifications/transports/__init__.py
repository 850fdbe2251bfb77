"""SMS transports behind one small interface (STYLE.md 6), chosen by ``SMS_BACKEND``."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .aliyun import AliyunTransport
from .base import OutgoingSms, Transport, TransportError
from .local import ConsoleTransport, FileTransport

__all__ = ["AliyunTransport", "ConsoleTransport", "FileTransport", "OutgoingSms", "Transport", "TransportError", "get_transport"]

BACKENDS = ("console", "file", "aliyun")


def get_transport() -> Transport:
    backend = getattr(settings, "SMS_BACKEND", "console") or "console"
    if backend == "console":
        return ConsoleTransport()
    if backend == "file":
        if not settings.SMS_FILE_PATH:
            raise ImproperlyConfigured("SMS_BACKEND=file 需要设置 SMS_FILE_PATH。")
        return FileTransport(settings.SMS_FILE_PATH)
    if backend == "aliyun":
        return AliyunTransport.from_settings()
    raise ImproperlyConfigured(f"未知的短信通道 SMS_BACKEND={backend}（可选：{'、'.join(BACKENDS)}）。")
