"""The business clock.

Every deadline, window and "not in the future" check asks :func:`today`. ``APP_TODAY``
(API.md) moves the business date for demonstrations, training and tests of past
campaigns, and an application's 填报日期 with it (:func:`business_now`); history, audit,
sessions, codes and throttles keep the real clock (:func:`now`).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

SHANGHAI = ZoneInfo("Asia/Shanghai")


def now() -> dt.datetime:
    """The real, aware time: for history, audit, sessions, codes and throttles."""
    return timezone.now()


def simulated_today() -> dt.date | None:
    raw = getattr(settings, "APP_TODAY", None)
    if not raw:
        return None
    if isinstance(raw, dt.date):
        return raw
    return dt.date.fromisoformat(str(raw))


def today() -> dt.date:
    """The business date in Asia/Shanghai (``APP_TODAY`` when set)."""
    return simulated_today() or timezone.now().astimezone(SHANGHAI).date()


def business_now() -> dt.datetime:
    """When something happened in the campaign's terms (an application's 填报日期): the real
    time, moved to the business date when ``APP_TODAY`` is set, so that a demonstration or a
    training run dated inside a past campaign files its applications inside that campaign."""
    real = timezone.now()
    simulated = simulated_today()
    if simulated is None:
        return real
    return dt.datetime.combine(simulated, real.astimezone(SHANGHAI).timetz())


def as_business(moment: dt.datetime) -> dt.datetime:
    """A real moment (an upload's time) in the terms :func:`business_now` files applications in,
    to compare the two: itself, unless ``APP_TODAY`` is set."""
    simulated = simulated_today()
    if simulated is None:
        return moment
    return dt.datetime.combine(simulated, moment.astimezone(SHANGHAI).timetz())


def end_of_day(day: dt.date) -> dt.datetime:
    """23:59:59.999999 of ``day`` in Asia/Shanghai: "until 2020-12-15" includes that day."""
    return dt.datetime.combine(day, dt.time.max, tzinfo=SHANGHAI)
