"""JSON with every time in Beijing time, offset written (API.md "Conventions": ISO 8601 with
offset, Asia/Shanghai). Serializer fields already convert; the payloads the selectors build as
plain dicts carry the database's UTC datetimes, which DRF's encoder would write with ``Z``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.encoders import JSONEncoder


class LocalTimeEncoder(JSONEncoder):
    def default(self, obj: Any) -> Any:
        if isinstance(obj, dt.datetime) and timezone.is_aware(obj):
            return timezone.localtime(obj).isoformat()
        return super().default(obj)


class LocalTimeJSONRenderer(JSONRenderer):
    encoder_class = LocalTimeEncoder
