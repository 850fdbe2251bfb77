"""``THROTTLE_<SCOPE>`` (API.md "Configuration"): a rate the throttles cannot read stops the
start with a Chinese sentence naming the variable, as ``THROTTLE_LOGIN`` does; read at the first
request instead, it made every request of its scope (the self-check, SMS codes) a 500."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHOW = "import django; django.setup(); from django.conf import settings as s; print(s.THROTTLES['eligibility'], s.THROTTLES['otp'])"


def start(tmp_path: Path, **variables: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "DATA_DIR": str(tmp_path), **variables}
    return subprocess.run([sys.executable, "-c", SHOW], cwd=ROOT, env=env, capture_output=True, text=True, check=False, timeout=60)


@pytest.mark.parametrize(
    ("variable", "rate"),
    [
        ("THROTTLE_ELIGIBILITY", "sixty"),
        ("THROTTLE_OTP", "5/10 fortnights"),
        ("THROTTLE_OTP", "0/min"),
        ("THROTTLE_SUBMISSION", "10/0hour"),
    ],
)
def test_a_rate_that_cannot_be_read_stops_the_start(tmp_path, variable, rate):  # type: ignore[no-untyped-def]
    refused = start(tmp_path, **{variable: rate})

    assert refused.returncode != 0
    assert f"{variable}={rate} 无法识别：应形如 60/min 或 5/10min" in refused.stderr


@pytest.mark.parametrize(
    ("variables", "shown"),
    [({}, "60/min 5/10min"), ({"THROTTLE_ELIGIBILITY": "120/min", "THROTTLE_OTP": "3 / 10 min"}, "120/min 3 / 10 min")],
)
def test_a_readable_rate_is_the_one_used(tmp_path, variables, shown):  # type: ignore[no-untyped-def]
    started = start(tmp_path, **variables)

    assert started.stdout.strip() == shown, started.stderr
