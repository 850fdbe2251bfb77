"""``manage.py check`` (and the web service's ExecStartPre ``check --deploy``) refuses field
encryption keys that cannot work, before the first request meets them."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, register
from django.core.exceptions import ImproperlyConfigured

from . import crypto

KEY_HINT = '每个密钥须为 32 个随机字节的 URL 安全 base64 编码，例如：python3 -c "import base64,os;print(base64.urlsafe_b64encode(os.urandom(32)).decode())"'


@register("security")
def check_field_keys(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    problems: list[CheckMessage] = []
    try:
        crypto.keyring()
    except ImproperlyConfigured as exc:
        problems.append(Error(str(exc), hint=KEY_HINT, id="rewards.E001"))
    index_key = getattr(settings, "BLIND_INDEX_KEY", None)
    try:
        crypto.blind_index("check", "")
    except ImproperlyConfigured as exc:
        problems.append(Error(str(exc), hint=KEY_HINT, id="rewards.E002"))
    if index_key and index_key == getattr(settings, "FIELD_ENCRYPTION_KEY", None):
        problems.append(Error("BLIND_INDEX_KEY 与 FIELD_ENCRYPTION_KEY 不能相同。", hint=KEY_HINT, id="rewards.E003"))
    return problems
