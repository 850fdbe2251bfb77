"""config.settings.production refuses to start without its secrets, with a simulated business
date, or with a development SMS backend (API.md "Configuration", STYLE.md 7)."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SECRETS = ("SECRET_KEY", "ALLOWED_HOSTS", "FIELD_ENCRYPTION_KEY", "BLIND_INDEX_KEY", "AUDIT_CHAIN_KEY")


def complete_env(data_dir: Path) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DATA_DIR": str(data_dir),
        "SECRET_KEY": "production-secret-" + "s" * 40,
        "ALLOWED_HOSTS": "rewards.hzgh.example",
        "FIELD_ENCRYPTION_KEY": base64.urlsafe_b64encode(os.urandom(32)).decode(),
        "BLIND_INDEX_KEY": base64.urlsafe_b64encode(os.urandom(32)).decode(),
        "AUDIT_CHAIN_KEY": base64.urlsafe_b64encode(os.urandom(32)).decode(),
        "AUDIT_ANCHOR_FILE": str(data_dir.parent / "audit-anchor" / "anchor.jsonl"),
        "SMS_BACKEND": "aliyun",
        "SMS_ALIYUN_ACCESS_KEY_ID": "test-key-id",
        "SMS_ALIYUN_ACCESS_KEY_SECRET": "test-key-secret",
        "SMS_ALIYUN_TEMPLATES": "otp=SMS_1,submitted=SMS_2",
    }


def import_production(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "import config.settings.production as s; print('DEBUG', s.DEBUG, 'APP_TODAY', s.APP_TODAY)"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def env(tmp_path) -> dict[str, str]:
    return complete_env(tmp_path / "data")


def test_imports_with_every_secret_and_a_real_sms_backend(env):
    result = import_production(env)

    assert result.returncode == 0, result.stderr
    assert "DEBUG False APP_TODAY None" in result.stdout


def test_refuses_to_start_without_any_secret_and_names_each(env):
    for name in SECRETS:
        del env[name]

    result = import_production(env)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    for name in SECRETS:
        assert name in result.stderr


@pytest.mark.parametrize("missing", SECRETS)
def test_refuses_to_start_without_one_secret(env, missing):
    env[missing] = ""

    result = import_production(env)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "生产环境缺少必需的配置项" in result.stderr
    message = result.stderr.strip().splitlines()[-1]
    assert [name for name in SECRETS if name in message] == [missing]


def test_refuses_a_simulated_business_date(env):
    env["APP_TODAY"] = "2020-10-15"

    result = import_production(env)

    assert result.returncode != 0
    assert "APP_TODAY" in result.stderr


def test_refuses_the_benchmark_endpoints(env):
    env["BENCH_ENDPOINTS"] = "1"

    result = import_production(env)

    assert result.returncode != 0
    assert "BENCH_ENDPOINTS" in result.stderr


@pytest.mark.parametrize("backend", ["console", "file", ""])
def test_refuses_a_development_sms_backend(env, backend):
    env["SMS_BACKEND"] = backend

    result = import_production(env)

    assert result.returncode != 0
    assert "SMS_BACKEND" in result.stderr


def test_aliyun_backend_without_its_keys_is_refused(tmp_path):
    env = complete_env(tmp_path)
    del env["SMS_ALIYUN_ACCESS_KEY_SECRET"]
    result = import_production(env)
    assert result.returncode != 0
    assert "SMS_ALIYUN_ACCESS_KEY_SECRET" in result.stderr


def test_refuses_to_start_without_an_audit_anchor_file(env):
    del env["AUDIT_ANCHOR_FILE"]

    result = import_production(env)

    assert result.returncode != 0
    assert "生产环境须设置 AUDIT_ANCHOR_FILE" in result.stderr


def test_refuses_an_audit_anchor_file_inside_data_dir(env):
    env["AUDIT_ANCHOR_FILE"] = str(Path(env["DATA_DIR"]) / "logs" / "anchor.jsonl")

    result = import_production(env)

    assert result.returncode != 0
    assert "AUDIT_ANCHOR_FILE 不能放在 DATA_DIR 中" in result.stderr
