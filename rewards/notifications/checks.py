"""``manage.py check`` refuses an SMS configuration that cannot send."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register

from .templates import SmsTemplate
from .transports import BACKENDS


@register("notifications")
def check_sms_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    backend = getattr(settings, "SMS_BACKEND", "console") or "console"
    if backend not in BACKENDS:
        return [Error(f"未知的短信通道 SMS_BACKEND={backend}。", hint="可选：console、file、aliyun。", id="notifications.E001")]
    if backend != "aliyun":
        return []
    problems: list[CheckMessage] = []
    missing = [
        name
        for name in ("SMS_ALIYUN_ACCESS_KEY_ID", "SMS_ALIYUN_ACCESS_KEY_SECRET", "SMS_ALIYUN_SIGN_NAME")
        if not getattr(settings, name, "")
    ]
    if missing:
        problems.append(Error("阿里云短信通道缺少配置：" + "、".join(missing), id="notifications.E002"))
    unmapped = [code.value for code in SmsTemplate if code.value not in (getattr(settings, "SMS_ALIYUN_TEMPLATES", {}) or {})]
    if unmapped:
        problems.append(
            Warning(
                "以下短信类型没有对应的阿里云模板，发送时会失败：" + "、".join(unmapped),
                hint='设置 SMS_ALIYUN_TEMPLATES，例如 "otp=SMS_1,submitted=SMS_2"。',
                id="notifications.W001",
            )
        )
    return problems
