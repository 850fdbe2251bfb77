"""SECURITY.md 11: under ``config.settings.production`` with its required environment,
``manage.py check --deploy --fail-level WARNING`` passes with no warning at all, and the
cookies are Secure, HttpOnly and SameSite."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from rewards.notifications.templates import SmsTemplate
from tests.test_settings_production import complete_env

ROOT = Path(__file__).resolve().parents[2]


def production_env(tmp_path: Path) -> dict[str, str]:
    """Everything production requires, with a template registered for every kind of SMS."""
    env = complete_env(tmp_path / "data")
    env["SMS_ALIYUN_TEMPLATES"] = ",".join(f"{code.value}=SMS_{n}" for n, code in enumerate(SmsTemplate, start=1))
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.production"
    return env


def production(env: dict[str, str], code: str = "", *, command: list[str] | None = None) -> subprocess.CompletedProcess[str]:
    """Runs ``manage.py …`` (or ``code`` after ``django.setup()``) in a fresh interpreter."""
    args = [sys.executable, *command] if command else [sys.executable, "-c", f"import django; django.setup(); {code}"]
    return subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_check_deploy_passes_with_no_warning(tmp_path):
    result = production(production_env(tmp_path), command=["manage.py", "check", "--deploy", "--fail-level", "WARNING"])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout, result.stdout + result.stderr


def test_check_deploy_does_fail_on_a_warning(tmp_path):
    """The check above can fail: the same run without HSTS is refused."""
    env = production_env(tmp_path)
    env["SECURE_HSTS_SECONDS"] = "0"
    result = production(env, command=["manage.py", "check", "--deploy", "--fail-level", "WARNING"])
    assert result.returncode != 0 and "security.W004" in result.stderr


def test_production_cookies_and_second_factor_defaults(tmp_path):
    result = production(
        production_env(tmp_path),
        "from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.SESSION_COOKIE_SAMESITE, s.CSRF_COOKIE_SECURE, "
        "s.CSRF_COOKIE_SAMESITE, s.CSRF_COOKIE_HTTPONLY, s.SESSION_COOKIE_NAME, s.SECURE_SSL_REDIRECT, s.DEBUG); print(','.join(s.STAFF_MFA_ROLES))",
    )
    assert result.returncode == 0, result.stderr
    cookies, roles = result.stdout.splitlines()
    assert cookies == "True True Lax True Lax True __Host-sessionid True False"
    assert roles == "finance_officer,admin"


def test_development_and_tests_require_no_second_factor(settings, tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "STAFF_MFA_ROLES"}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.development", DATA_DIR=str(tmp_path))
    result = production(env, "from django.conf import settings as s; print(repr(s.STAFF_MFA_ROLES))")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
    assert settings.STAFF_MFA_ROLES == []
