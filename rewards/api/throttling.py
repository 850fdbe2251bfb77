"""The per-client throttle of the eligibility self-check (API.md: 60 per client per minute).

A fixed-window counter in the process-local cache: one ``add`` and one ``incr`` per request,
whatever the rate (DRF's sliding-window throttle stores every request time and re-pickles the
list, which grows with the rate). The self-check changes nothing, so a count per process is
enough; the throttles that protect accounts and codes count in the database
(:mod:`rewards.core.throttle`) so that they hold across server processes.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import caches
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from rewards.core.throttle import parse_rate


class FixedWindowThrottle(BaseThrottle):
    scope = ""
    cache_alias = "default"

    def __init__(self) -> None:
        self.limit, self.window = parse_rate(settings.THROTTLES[self.scope])
        self.wait_seconds = 0.0

    def allow_request(self, request: Request, view: APIView) -> bool:
        cache = caches[self.cache_alias]
        now = time.time()
        window_start = int(now // self.window) * self.window
        key = f"throttle:{self.scope}:{self.get_ident(request)}:{window_start}"
        if cache.add(key, 1, timeout=self.window + 1):
            count = 1
        else:
            try:
                count = cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.add(key, 1, timeout=self.window + 1)
                count = 1
        if count > self.limit:
            self.wait_seconds = window_start + self.window - now
            return False
        return True

    def wait(self) -> float:
        return max(1.0, self.wait_seconds)


class EligibilityThrottle(FixedWindowThrottle):
    scope = "eligibility"
