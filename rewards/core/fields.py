"""Model field that stores text sealed by :mod:`rewards.core.crypto`."""

from __future__ import annotations

from typing import Any

from django.db import models

from . import crypto


class EncryptedTextField(models.TextField):
    """Encrypted at rest; decrypted when read. Never filter on it: use its blind index."""

    description = "加密存储的文本"

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        return crypto.decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return crypto.encrypt(str(value))

    def get_lookup(self, lookup_name: str):  # type: ignore[no-untyped-def]
        if lookup_name not in ("isnull",):
            return None  # encrypted values cannot be compared; use the blind index
        return super().get_lookup(lookup_name)
