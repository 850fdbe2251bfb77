"""``manage.py check`` (and the web service's ExecStartPre ``check --deploy``) refuses field
encryption, blind-index and audit-chain keys that cannot work, before the first request meets
them."""

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
    chain_key = getattr(settings, "AUDIT_CHAIN_KEY", None)
    try:
        crypto.audit_chain_hash("check")
    except ImproperlyConfigured as exc:
        problems.append(Error(str(exc), hint=KEY_HINT, id="rewards.E004"))
    others = {getattr(settings, name, None) for name in ("FIELD_ENCRYPTION_KEY", "BLIND_INDEX_KEY")}
    if chain_key and chain_key in others:
        problems.append(Error("AUDIT_CHAIN_KEY 不能与 FIELD_ENCRYPTION_KEY 或 BLIND_INDEX_KEY 相同。", hint=KEY_HINT, id="rewards.E005"))
    return problems
