"""A throttle's message says the time left as ``Retry-After`` counts it, in minutes once it is
a minute or more (never less than what is left)."""

from __future__ import annotations

import pytest

from rewards.core.throttle import _wait_said


@pytest.mark.parametrize(
    ("message", "wait", "said"),
    [
        ("请{wait}后再试。", 1, "请 1 秒后再试。"),
        ("请{wait}后再试。", 59, "请 59 秒后再试。"),
        ("请{wait}后再试。", 60, "请 1 分钟后再试。"),
        ("请{wait}后再试。", 61, "请 2 分钟后再试。"),  # never less than the time left
        ("请{wait}后再试。", 731, "请 13 分钟后再试。"),
        ("请1小时后再试。", 731, "请1小时后再试。"),  # a message without the placeholder is kept
        (None, 35, "操作过于频繁，请 35 秒后再试。"),
    ],
)
def test_the_time_left_is_said_as_retry_after_counts_it(message, wait, said):
    assert _wait_said(message, wait) == said
