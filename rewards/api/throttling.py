"""Throttles named by API.md (``THROTTLE_<SCOPE>``), rates like ``60/min`` or ``5/10min``."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import caches
from rest_framework.throttling import SimpleRateThrottle

from rewards.core.throttle import parse_rate


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
