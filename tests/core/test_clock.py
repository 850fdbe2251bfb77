"""The business clock: APP_TODAY when set, otherwise today's date in Asia/Shanghai."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from rewards.core import clock

# 16:30 UTC on 15 December is already 00:30 on 16 December in Hangzhou.
FROZEN = dt.datetime(2020, 12, 15, 16, 30, tzinfo=dt.UTC)


@pytest.fixture
def frozen_now(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(timezone, "now", lambda: FROZEN)
    return FROZEN


def test_today_is_the_shanghai_date_without_app_today(settings, frozen_now):
    settings.APP_TODAY = None

    assert clock.today() == dt.date(2020, 12, 16)
    assert clock.simulated_today() is None


def test_today_just_before_shanghai_midnight(settings, monkeypatch):
    settings.APP_TODAY = None
    monkeypatch.setattr(timezone, "now", lambda: dt.datetime(2020, 12, 15, 15, 59, 59, tzinfo=dt.UTC))

    assert clock.today() == dt.date(2020, 12, 15)


def test_app_today_moves_the_business_date(settings, frozen_now):
    settings.APP_TODAY = "2020-10-15"

    assert clock.today() == dt.date(2020, 10, 15)
    assert clock.simulated_today() == dt.date(2020, 10, 15)


def test_app_today_may_be_a_date(settings, frozen_now):
    settings.APP_TODAY = dt.date(2020, 3, 26)

    assert clock.today() == dt.date(2020, 3, 26)


def test_app_today_leaves_the_real_clock_alone(settings, frozen_now):
    settings.APP_TODAY = "2020-10-15"

    assert clock.now() == FROZEN


def test_end_of_day_is_the_last_moment_of_the_shanghai_day():
    end = clock.end_of_day(dt.date(2020, 12, 15))

    assert end.utcoffset() == dt.timedelta(hours=8)
    assert end.astimezone(dt.UTC) == dt.datetime(2020, 12, 15, 15, 59, 59, 999999, tzinfo=dt.UTC)
    assert end < FROZEN


@pytest.mark.parametrize(
    ("typed", "started"),
    [("2020-10-15", True), (" 2020-10-15 ", True), ("2020-13-01", False), ("2020/10/15", False), ("20201015", False), ("2020-2-3", False)],
)
def test_an_app_today_that_is_not_a_date_stops_the_start(tmp_path, typed, started):  # type: ignore[no-untyped-def]
    """API.md: ``APP_TODAY`` is ``YYYY-MM-DD``. One the clock cannot read made every request a 500."""
    import os
    import subprocess
    import sys

    show = "import django; django.setup(); from rewards.core import clock; print(clock.today())"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.development", "DATA_DIR": str(tmp_path), "APP_TODAY": typed}
    done = subprocess.run([sys.executable, "-c", show], env=env, capture_output=True, text=True, check=False, timeout=60)

    if started:
        assert done.stdout.strip() == "2020-10-15", done.stderr
    else:
        assert done.returncode != 0
        assert f"APP_TODAY={typed} 不是有效的日期：应写成 YYYY-MM-DD，例如 2020-10-15。" in done.stderr
