"""deploy/: the example environment passes production's `check --deploy`, the services and cron
name commands that exist, the wrapper runs manage.py with the environment file, and nginx lets
through what the application accepts and tells it the client's address."""

from __future__ import annotations

import base64
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import get_commands

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


def example_env(tmp_path: Path) -> dict[str, str]:
    """deploy/env.example with its empty secrets filled in and its folders moved under tmp_path."""
    values = {}
    for line in (DEPLOY / "env.example").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            values[name] = value
    filled = {
        "SECRET_KEY": secrets.token_urlsafe(50),
        "FIELD_ENCRYPTION_KEY": base64.urlsafe_b64encode(os.urandom(32)).decode(),
        "BLIND_INDEX_KEY": base64.urlsafe_b64encode(os.urandom(32)).decode(),
        "SMS_ALIYUN_ACCESS_KEY_ID": "LTAI-example",
        "SMS_ALIYUN_ACCESS_KEY_SECRET": secrets.token_urlsafe(20),
    }
    assert set(filled) <= {name for name, value in values.items() if not value}, "env.example leaves these for the operator"
    values.update(filled)
    values.update(DATA_DIR=str(tmp_path / "data"), XDG_CACHE_HOME=str(tmp_path / "cache"))
    return values


def test_the_example_environment_passes_the_production_deploy_check(tmp_path):  # type: ignore[no-untyped-def]
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "THROTTLE_", "APP_TODAY", "DATABASE_URL"))}
    env.update(example_env(tmp_path))
    assert env["DJANGO_SETTINGS_MODULE"] == "config.settings.production"
    done = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_wrapper_runs_manage_py_with_the_environment_file(tmp_path):  # type: ignore[no-untyped-def]
    env_file = tmp_path / "env"
    env_file.write_text(f"DJANGO_SETTINGS_MODULE=config.settings.development\nDATA_DIR={tmp_path / 'data'}\n", encoding="utf-8")
    wrapper = DEPLOY / "bin" / "manage"
    assert os.access(wrapper, os.X_OK)
    clean = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "DATA_DIR"))}
    done = subprocess.run([str(wrapper), "diffsettings"], env={**clean, "REWARDS_ENV": str(env_file)}, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert f"DATA_DIR = PosixPath('{tmp_path / 'data'}')" in done.stdout


def _named_commands() -> list[str]:
    text = "\n".join(path.read_text(encoding="utf-8") for path in [*DEPLOY.glob("systemd/*.service"), DEPLOY / "cron.d" / "rewards"])
    return re.findall(r"(?:bin/manage|manage\.py) ([a-z_]+)", text)


def test_the_services_and_cron_name_commands_that_exist():
    named = _named_commands()
    assert {"db_worker", "sms_flush", "process_materials", "purge_expired", "backup", "audit_verify", "check"} <= set(named)
    missing = sorted(set(named) - set(get_commands()))
    assert missing == []


def test_nginx_passes_what_the_application_accepts_and_names_the_client():
    nginx = (DEPLOY / "nginx" / "rewards.conf").read_text(encoding="utf-8")
    web = (DEPLOY / "systemd" / "rewards-web.service").read_text(encoding="utf-8")
    megabytes = int(re.search(r"client_max_body_size (\d+)m;", nginx).group(1))  # type: ignore[union-attr]
    assert megabytes * 1024 * 1024 >= 3 * settings.UPLOAD_MAX_BYTES + 1024 * 1024  # three materials and the form
    bind = re.search(r"--bind (127\.0\.0\.1:\d+)", web).group(1)  # type: ignore[union-attr]
    assert f"proxy_pass http://{bind};" in nginx
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in nginx
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in nginx  # what SECURE_PROXY_SSL_HEADER reads
    assert "TRUSTED_PROXIES=127.0.0.1" in (DEPLOY / "env.example").read_text(encoding="utf-8")


@pytest.mark.parametrize("unit", ["rewards-web.service", "rewards-worker.service"])
def test_the_services_read_the_environment_file_and_keep_files_private(unit):  # type: ignore[no-untyped-def]
    text = (DEPLOY / "systemd" / unit).read_text(encoding="utf-8")
    assert "EnvironmentFile=/etc/rewards/env" in text and "UMask=0077" in text and "User=rewards" in text
