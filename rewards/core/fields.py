"""Model fields for personal numbers: text sealed by :mod:`rewards.core.crypto`, and free text
whose ID and card numbers are masked before they are stored."""

from __future__ import annotations

from typing import Any

from django.db import models

from . import crypto
from .masking import mask_card_and_id_numbers


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


class _MaskedText:
    """Free text typed by people (a reviewer's opinion, a note, a bank's reason): every ID- or
    card-like number in it (18, or 16 and more digits) is masked before it is stored (SECURITY.md
    14: a dump of the database holds none of them in clear). The first and last digits stay, as
    on every list (``622202*********0016``), so the text still says which number it means. The
    services mask the applicant's own mobile too (:func:`~rewards.core.masking.mask_numbers_of`);
    another mobile, such as the reviewer's contact number, stays. The instance holds the masked
    text once saved, as a re-read would."""

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value = super().pre_save(model_instance, add)  # type: ignore[misc]
        if isinstance(value, str):
            masked = mask_card_and_id_numbers(value)
            if masked != value:
                setattr(model_instance, self.attname, masked)  # type: ignore[attr-defined]
            return masked
        return value

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)  # type: ignore[misc]
        return mask_card_and_id_numbers(value) if isinstance(value, str) else value


class MaskedTextField(_MaskedText, models.TextField):  # type: ignore[misc]
    description = "隐去长号码的文本"


class MaskedCharField(_MaskedText, models.CharField):  # type: ignore[misc]
    description = "隐去长号码的文本"
