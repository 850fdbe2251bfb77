"""SECURITY.md 8: passwords hashed with Argon2 (older hashes upgraded at the next sign-in),
Django's password validators on, and no default accounts in production (the demo seed refuses)."""

from __future__ import annotations

import secrets

import pytest
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import get_default_password_validators
from django.core.management import CommandError, call_command

from rewards.organisations.models import StaffUser

from .staff_helpers import api_token, web_client, web_login
from .test_deploy_check import production, production_env

#: What config.settings.base sets (the test settings use a fast hasher instead).
DEPLOYED_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher", "django.contrib.auth.hashers.PBKDF2PasswordHasher"]
OLD_PASSWORD = "Old-" + secrets.token_urlsafe(12)  # a throwaway password, generated per run


def test_production_hashes_with_argon2_and_validates_passwords(tmp_path):
    result = production(
        production_env(tmp_path),
        "from django.conf import settings as s; print(s.PASSWORD_HASHERS[0]); "
        "print(sorted(v['NAME'].rsplit('.', 1)[1] for v in s.AUTH_PASSWORD_VALIDATORS)); "
        "from django.contrib.auth.hashers import make_password; print(make_password('x')[:9])",
    )
    assert result.returncode == 0, result.stderr
    hasher, validators, sample = result.stdout.splitlines()
    assert hasher == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert validators == str(
        sorted(["CommonPasswordValidator", "MinimumLengthValidator", "NumericPasswordValidator", "UserAttributeSimilarityValidator"])
    )
    assert sample == "argon2$ar"  # argon2-cffi is installed and used


@pytest.mark.django_db
@pytest.mark.parametrize("channel", ["web", "api"])
def test_an_older_hash_becomes_argon2_at_the_next_sign_in(settings, xihu_reviewer, channel):
    settings.PASSWORD_HASHERS = DEPLOYED_HASHERS
    StaffUser.objects.filter(pk=xihu_reviewer.pk).update(password=make_password(OLD_PASSWORD, hasher="pbkdf2_sha256"))
    if channel == "web":
        assert web_login(web_client(), "xihu.reviewer", OLD_PASSWORD).status_code == 302
    else:
        assert api_token(web_client(), "xihu.reviewer", OLD_PASSWORD).status_code == 200
    xihu_reviewer.refresh_from_db()
    assert xihu_reviewer.password.startswith("argon2$argon2id$")
    assert xihu_reviewer.check_password(OLD_PASSWORD)


def test_the_validators_are_on_in_every_environment():
    names = {type(v).__name__ for v in get_default_password_validators()}
    assert names == {"UserAttributeSimilarityValidator", "MinimumLengthValidator", "CommonPasswordValidator", "NumericPasswordValidator"}


@pytest.mark.django_db
def test_create_staff_refuses_a_weak_password(xihu, monkeypatch):
    monkeypatch.setenv("STAFF_PASSWORD", "password123")
    with pytest.raises(CommandError, match="密码不符合要求"):
        call_command("create_staff", "weak.user", "--role", "district_reviewer", "--org", "西湖区总工会")
    assert not StaffUser.objects.filter(username="weak.user").exists()


@pytest.mark.django_db
def test_the_demo_seed_creates_no_accounts_where_demo_data_is_not_allowed(settings):
    settings.DEMO_DATA_ALLOWED = False
    with pytest.raises(CommandError, match="生产环境不允许载入演示数据"):
        call_command("seed_demo", "--members", "5")
    assert not StaffUser.objects.exists()


def test_production_refuses_the_demo_seed(tmp_path):
    result = production(production_env(tmp_path), command=["manage.py", "seed_demo", "--members", "5"])
    assert result.returncode != 0
    assert "生产环境不允许载入演示数据" in result.stderr
    assert not (tmp_path / "data" / "demo-password").exists()
