"""``make demo``'s printout names the demo password file where it really is (``DATA_DIR``)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_the_printout_names_the_password_file_under_data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    out = io.StringIO()
    call_command("seed_demo", "--members", "5", stdout=out)
    password = (tmp_path / "demo-password").read_text().strip()
    assert f"密码：{password}   （保存在 {tmp_path / 'demo-password'}）" in out.getvalue()


def test_the_demo_shows_the_city_a_hard_signal_to_resolve(settings, tmp_path, business_day):
    """A new user clicking through `make run` as the city's reviewer meets the signal workflow."""
    from rewards.applications.models import Flag

    settings.DATA_DIR = tmp_path
    call_command("seed_demo", stdout=io.StringIO())  # as make run seeds it
    flags = Flag.objects.select_related("application")
    assert [(f.code, f.hard, f.resolved_at, f.application.status) for f in flags] == [("not_in_registry", True, None, "pending_city")] * 2
