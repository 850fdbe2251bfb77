"""Field encryption and blind indexes for ID, bank-card and mobile numbers (SECURITY.md 14).

Values are sealed with AES-256-GCM under ``FIELD_ENCRYPTION_KEY``; the stored text is
``<key id>$<base64(nonce ‖ ciphertext)>`` so that ``FIELD_ENCRYPTION_OLD_KEYS`` can still
open values written before a rotation. Look-ups and duplicate checks never decrypt:
they compare a keyed HMAC-SHA256 (the blind index) under ``BLIND_INDEX_KEY``, which is
never rotated with the other key.

The audit log's hash chain (SECURITY.md 17) is keyed the same way: each entry's hash is an
HMAC-SHA256 under ``AUDIT_CHAIN_KEY``, kept outside the database like the other keys, so that
someone who can write to the database but does not hold the key cannot recompute the chain.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class DecryptionError(Exception):
    """A stored value cannot be opened with any configured key."""


def _decode_key(text: str, name: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(text.strip() + "=" * (-len(text.strip()) % 4))
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(f"{name} 不是有效的 URL 安全 base64 编码。") from exc
    if len(key) != 32:
        raise ImproperlyConfigured(f"{name} 必须是 32 个随机字节（URL 安全 base64 编码）。")
    return key


def key_id(key: bytes) -> str:
    """A short public name of a key: the first 8 hex digits of its SHA-256."""
    return hashlib.sha256(b"key-id:" + key).hexdigest()[:8]


@functools.lru_cache(maxsize=8)
def _keyring(current: str, old: tuple[str, ...]) -> tuple[str, dict[str, AESGCM]]:
    primary = _decode_key(current, "FIELD_ENCRYPTION_KEY")
    ring = {key_id(primary): AESGCM(primary)}
    for index, text in enumerate(old):
        key = _decode_key(text, f"FIELD_ENCRYPTION_OLD_KEYS[{index}]")
        ring.setdefault(key_id(key), AESGCM(key))
    return key_id(primary), ring


def field_key_id(text: str, name: str = "FIELD_ENCRYPTION_KEY") -> str:
    """The key id of a field key given as text (refused, in Chinese, unless 32 bytes)."""
    return key_id(_decode_key(text, name))


def field_key_ids() -> list[tuple[str, str]]:
    """``(setting, key id)`` of every configured field key, in order: ``FIELD_ENCRYPTION_KEY``
    (it encrypts new values), then ``FIELD_ENCRYPTION_OLD_KEYS`` as listed (they only decrypt)."""
    keyring()  # refuses a missing or malformed key, in Chinese
    old = tuple(getattr(settings, "FIELD_ENCRYPTION_OLD_KEYS", ()) or ())
    return [("FIELD_ENCRYPTION_KEY", field_key_id(str(settings.FIELD_ENCRYPTION_KEY)))] + [
        (f"FIELD_ENCRYPTION_OLD_KEYS[{index}]", field_key_id(text, f"FIELD_ENCRYPTION_OLD_KEYS[{index}]")) for index, text in enumerate(old)
    ]


def keyring() -> tuple[str, dict[str, AESGCM]]:
    current = getattr(settings, "FIELD_ENCRYPTION_KEY", None)
    if not current:
        raise ImproperlyConfigured("未配置 FIELD_ENCRYPTION_KEY，无法加密个人敏感信息。")
    return _keyring(current, tuple(getattr(settings, "FIELD_ENCRYPTION_OLD_KEYS", ()) or ()))


def encrypt(plaintext: str) -> str:
    kid, ring = keyring()
    nonce = os.urandom(12)
    sealed = ring[kid].encrypt(nonce, plaintext.encode("utf-8"), kid.encode())
    return f"{kid}${base64.b64encode(nonce + sealed).decode('ascii')}"


def decrypt(token: str) -> str:
    kid, _, body = token.partition("$")
    _, ring = keyring()
    cipher = ring.get(kid)
    if cipher is None or not body:
        # Name the key only when it looks like one: never echo what might be a value in clear.
        shown = kid if len(kid) == 8 and all(c in "0123456789abcdef" for c in kid) else "?"
        raise DecryptionError(f"没有编号为 {shown} 的密钥，无法解密。")
    try:
        raw = base64.b64decode(body)
        return cipher.decrypt(raw[:12], raw[12:], kid.encode()).decode("utf-8")
    except Exception as exc:  # cryptography raises InvalidTag
        raise DecryptionError("密文已损坏或密钥不匹配。") from exc


def needs_rotation(token: str) -> bool:
    kid, _ = keyring()
    return not token.startswith(kid + "$")


@functools.lru_cache(maxsize=4)
def _index_key(text: str) -> bytes:
    return _decode_key(text, "BLIND_INDEX_KEY")


def blind_index(kind: str, value: str, *, key: str | None = None) -> str:
    """Keyed hash of a normalised value; ``kind`` keeps ID, card and mobile indexes apart.
    ``key``: another key than the configured ``BLIND_INDEX_KEY`` (``key_fingerprints --key-file``)."""
    text = key if key is not None else getattr(settings, "BLIND_INDEX_KEY", None)
    if not text:
        raise ImproperlyConfigured("未配置 BLIND_INDEX_KEY，无法建立查询索引。")
    digest = hmac.new(_index_key(text), f"{kind}:{value}".encode(), hashlib.sha256)
    return digest.hexdigest()


@functools.lru_cache(maxsize=4)
def _digest_key(secret: str) -> bytes:
    return hashlib.sha256(f"digest:{secret}".encode()).digest()


def keyed_digest(purpose: str, value: str, *, secret: str | None = None) -> str:
    """HMAC under SECRET_KEY (or ``secret``) for server-side secrets such as query passwords."""
    key = _digest_key(secret if secret is not None else settings.SECRET_KEY)
    return hmac.new(key, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()


@functools.lru_cache(maxsize=4)
def _chain_template(text: str) -> hmac.HMAC:
    return hmac.new(_decode_key(text, "AUDIT_CHAIN_KEY"), digestmod=hashlib.sha256)


def audit_chain_hash(text: str, *, key: str | None = None) -> str:
    """HMAC-SHA256 of ``text`` under ``AUDIT_CHAIN_KEY`` (or ``key``) (hex). Every audited change
    runs this: a copy of a keyed template, so the key's pads are computed once per process (about
    as fast as a plain SHA-256 of the entry)."""
    key = key if key is not None else getattr(settings, "AUDIT_CHAIN_KEY", None)
    if not key:
        raise ImproperlyConfigured("未配置 AUDIT_CHAIN_KEY，无法为审计日志计算带密钥的哈希链。")
    mac = _chain_template(key).copy()
    mac.update(text.encode())
    return mac.hexdigest()
