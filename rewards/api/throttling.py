"""Throttles named by API.md (``THROTTLE_<SCOPE>``), rates like ``60/min`` or ``5/10min``."""

from __future__ import annotations

import re
import time

from django.conf import settings
from django.core.cache import caches
from rest_framework.throttling import SimpleRateThrottle

_UNITS = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60, "h": 3600, "hour": 3600, "d": 86400, "day": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """``"5/10min"`` → ``(5, 600)``."""
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d*)\s*([a-z]+)\s*", rate)
    if not match or match[3] not in _UNITS:
        raise ValueError(f"无法识别的限流设置：{rate}")
    return int(match[1]), int(match[2] or 1) * _UNITS[match[3]]


class ScopedRateThrottle(SimpleRateThrottle):
    """Counts requests per client address in a scope; the cache alias decides whether the
    count is per process (``default``) or shared between server processes (``shared``)."""

    scope = ""
    cache_alias = "default"

    def __init__(self) -> None:
        self.cache = caches[self.cache_alias]
        self.timer = time.time
        self.rate = settings.THROTTLES[self.scope]
        self.num_requests, self.duration = parse_rate(self.rate)

    def get_cache_key(self, request, view):  # type: ignore[no-untyped-def]
        return f"throttle:{self.scope}:{self.get_ident(request)}"


class EligibilityThrottle(ScopedRateThrottle):
    """60 self-checks per client per minute (API.md); per process is enough for this one."""

    scope = "eligibility"
