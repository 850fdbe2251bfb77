"""Local key files for development and demonstration copies.

Production never uses this: it takes every key from the environment and refuses to
start without them (``config.settings.production``).
"""

from __future__ import annotations

import base64
import os
import secrets
from pathlib import Path

_NAMES = ("SECRET_KEY", "FIELD_ENCRYPTION_KEY", "BLIND_INDEX_KEY", "AUDIT_CHAIN_KEY")


def _new(name: str) -> str:
    if name == "SECRET_KEY":
        return secrets.token_urlsafe(50)
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def ensure_local_keys(folder: Path) -> dict[str, str]:
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    keys = {}
    for name in _NAMES:
        path = folder / name.lower()
        if not path.exists():
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(_new(name))
        keys[name] = path.read_text().strip()
    return keys
