"""Throttles that hold across server processes: counted rows in the database.

Rates come from ``settings.THROTTLES`` (``THROTTLE_<SCOPE>``, e.g. ``5/10min``). Keys are
hashed before they are stored, so an ID number used as a key never lands in clear.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from typing import Any

from django.conf import settings

from . import clock, crypto
from .errors import DomainError
from .models import ThrottleEvent

_UNITS = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60, "h": 3600, "hour": 3600, "d": 86400, "day": 86400}


class Throttled(DomainError):
    status = 429
    code = "throttled"
    default_message = "操作过于频繁，请稍后再试。"


@functools.lru_cache(maxsize=64)
def parse_rate(rate: str) -> tuple[int, int]:
    """``"5/10min"`` → ``(5, 600)``."""
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d*)\s*([a-z]+)\s*", rate)
    if not match or match[3] not in _UNITS:
        raise ValueError(f"无法识别的限流设置：{rate}")
    return int(match[1]), int(match[2] or 1) * _UNITS[match[3]]


def _key(scope: str, key: str) -> str:
    return crypto.blind_index(f"throttle-{scope}", key)


def retry_after(scope: str, key: str, *, rate: str | None = None) -> int | None:
    """Seconds until another attempt is allowed, or None when one is allowed now."""
    limit, window = parse_rate(rate or settings.THROTTLES[scope])
    now = clock.now()
    since = now - dt.timedelta(seconds=window)
    times = list(
        ThrottleEvent.objects.filter(scope=scope, key_hash=_key(scope, key), at__gt=since)
        .order_by("-at")
        .values_list("at", flat=True)[:limit]
    )
    if len(times) < limit:
        return None
    oldest = times[-1]
    return max(1, math.ceil((oldest + dt.timedelta(seconds=window) - now).total_seconds()))


def any_recorded(scope: str, *, within_seconds: int) -> bool:
    """Whether any attempt of ``scope`` was counted in the last ``within_seconds``."""
    return ThrottleEvent.objects.filter(scope=scope, at__gt=clock.now() - dt.timedelta(seconds=within_seconds)).exists()


def record(scope: str, key: str) -> None:
    """Counts one attempt (plain SQL: every throttled request writes one row)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {ThrottleEvent._meta.db_table} (scope, key_hash, at) VALUES (%s, %s, %s)",  # noqa: S608 - identifiers from the models, values bound  # nosec B608
            [scope, _key(scope, key), connection.ops.adapt_datetimefield_value(clock.now())],
        )


def _under_limit(scope: str, key: str, rate: str | None) -> bool:
    """True when ``key`` has attempts left: one counting statement that stops at the limit."""
    from django.db import connection

    limit, window = parse_rate(rate or settings.THROTTLES[scope])
    since = connection.ops.adapt_datetimefield_value(clock.now() - dt.timedelta(seconds=window))
    table = ThrottleEvent._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*) FROM (SELECT 1 FROM {table} WHERE scope = %s AND key_hash = %s AND at > %s LIMIT %s) AS recent",  # noqa: S608 - identifiers from the models, values bound  # nosec B608
            [scope, _key(scope, key), since, limit],
        )
        (count,) = cursor.fetchone()
    return bool(count < limit)


def check(scope: str, key: str, *, rate: str | None = None, message: str | None = None) -> None:
    """Raises :class:`Throttled` (429 with Retry-After) when ``key`` used up its rate."""
    if _under_limit(scope, key, rate):
        return
    wait = retry_after(scope, key, rate=rate)
    if wait is not None:
        raise Throttled(_wait_said(message, wait), retry_after=wait)


def _wait_said(message: str | None, wait: int) -> str:
    """``message`` with ``{wait}`` said as the time left, in the words a person reads (the
    seconds stay in ``Retry-After``)."""
    if message is None:
        message = "操作过于频繁，请{wait}后再试。"
    if "{wait}" not in message:
        return message
    return message.replace("{wait}", f" {wait_in_words(wait)}")


def wait_in_words(wait: int) -> str:
    """``42`` → "42 秒", ``61`` → "2 分钟" (rounded up: never sooner than said)."""
    return f"{wait} 秒" if wait < 60 else f"{-(-wait // 60)} 分钟"


def hit(scope: str, key: str, *, rate: str | None = None, message: str | None = None) -> None:
    """:func:`check`, then :func:`record` the attempt: the usual pair for a throttled action."""
    check(scope, key, rate=rate, message=message)
    record(scope, key)


def clear(scope: str, key: str) -> None:
    ThrottleEvent.objects.filter(scope=scope, key_hash=_key(scope, key)).delete()


def purge_older_than(days: int = 2) -> int:
    deleted, _ = ThrottleEvent.objects.filter(at__lt=clock.now() - dt.timedelta(days=days)).delete()
    return deleted


def check_all(checks: list[tuple[str, str, str | None, str | None]]) -> None:
    """Several ``(scope, key, rate, message)`` checks in one query: the common case (nothing
    near its limit) costs one round trip; only a scope at its limit is looked at again."""
    from django.db import connection

    now = clock.now()
    clauses: list[str] = []
    params: list[Any] = []
    limits: list[tuple[tuple[str, str], int]] = []
    for scope, key, rate, _ in checks:
        limit, window = parse_rate(rate or settings.THROTTLES[scope])
        key_hash = _key(scope, key)
        limits.append(((scope, key_hash), limit))
        clauses.append("(scope = %s AND key_hash = %s AND at > %s)")
        params += [scope, key_hash, now - dt.timedelta(seconds=window)]
    table = ThrottleEvent._meta.db_table
    sql = f"SELECT scope, key_hash, COUNT(*) FROM {table} WHERE {' OR '.join(clauses)} GROUP BY scope, key_hash"  # noqa: S608 - identifiers from the models, values bound  # nosec B608
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        counts = {(scope, key_hash): count for scope, key_hash, count in cursor.fetchall()}
    for (scope, key, rate, message), (scope_key, limit) in zip(checks, limits, strict=True):
        if counts.get(scope_key, 0) >= limit:
            check(scope, key, rate=rate, message=message)
