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
