"""Acceptance: a database dump holds no ID, card or mobile number in clear (SECURITY.md 14).

The data is committed (a transactional test) so that ``pg_dump``, a separate connection,
sees it; on SQLite the test database is dumped through its own connection.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from rewards.applications.models import Application
from rewards.core import crypto
from rewards.registries.importers import import_members
from rewards.registries.models import Member
from tests import factories
from tests.registries.tables import write_csv

pytestmark = pytest.mark.django_db(transaction=True)


def pg_dump_binary() -> str:
    candidates = []
    if os.environ.get("PGBIN"):
        candidates.append(os.path.join(os.environ["PGBIN"], "pg_dump"))
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_dump"), key=lambda p: int(p.split("/")[4]), reverse=True)
    candidates.append(shutil.which("pg_dump") or "")
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise AssertionError("找不到 pg_dump：请安装 Debian 软件包 postgresql，或用 scripts/with-postgres.sh 运行。")


def dump_database() -> str:
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        return "\n".join(connection.connection.iterdump())
    assert connection.vendor == "postgresql", connection.vendor
    db = settings.DATABASES["default"]
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    command = [pg_dump_binary(), "--no-owner", "--dbname", db["NAME"]]
    if db.get("HOST"):
        command += ["--host", db["HOST"]]
    if db.get("PORT"):
        command += ["--port", str(db["PORT"])]
    if db.get("USER"):
        command += ["--username", db["USER"]]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout


def make_application(member: Member, campaign, number: int) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """An online application of ``member``; returns its (mobile, card) numbers."""
    phone, card = factories.new_mobile(), factories.new_card()
    Application.objects.create(
        application_no=f"2020{number:06d}",
        campaign=campaign,
        channel="online",
        status="pending_district",
        name=member.name,
        id_hash=crypto.blind_index("id", member.id_number),
        id_number=member.id_number,
        gender="male",
        birth_date="1990-01-01",
        education="高中",
        occupation="车工",
        new_level="senior_worker",
        certificate_no=f"C2020{number:08d}",
        certificate_issue_date="2020-06-30",
        issuer="hr_hangzhou",
        phone_hash=crypto.blind_index("phone", phone),
        phone=phone,
        bank_card_hash=crypto.blind_index("card", card),
        bank_card_no=card,
        bank_branch="中国工商银行杭州西湖支行",
        employer=member.employer,
        union=member.union,
        submitted_at=timezone.now(),
    )
    return phone, card


def test_a_database_dump_holds_no_personal_number_in_clear(campaign, xihu, tmp_path):
    names = ["欧阳测试", "司马验证", "诸葛转储", "上官加密"]
    members = [factories.make_member(union=xihu, name=name) for name in names[:2]]
    imported = [
        [factories.new_id_number(), name, factories.new_mobile(), "西湖区总工会", "杭州转储测试有限公司工会", "杭州转储测试有限公司", "1"]
        for name in names[2:]
    ]
    import_members(
        write_csv(tmp_path / "members.csv", ["id_number", "name", "phone", "union", "grassroots_union", "employer", "verified"], imported)
    )
    members += list(Member.objects.filter(name__in=names[2:]))
    assert len(members) == 4
    id_numbers = [m.id_number for m in members]
    mobiles = [m.phone for m in members]
    cards = []
    for number, member in enumerate(members, start=1):
        factories.make_certificate(member=member)
        factories.make_past_award(member=member)
        phone, card = make_application(member, campaign, number)
        mobiles.append(phone)
        cards.append(card)
    # Sanity: the numbers are stored and read back in full.
    assert sorted(Application.objects.values_list("application_no", flat=True)) == [f"2020{n:06d}" for n in range(1, 5)]
    assert {a.id_number for a in Application.objects.all()} == set(id_numbers)
    assert {a.bank_card_no for a in Application.objects.all()} == set(cards)

    dump = dump_database()

    for name in names:
        assert name in dump, f"{name} 不在转储中：转储方式有误，本测试无从判断"
    assert "杭州转储测试有限公司工会" in dump
    leaks = [value for value in id_numbers + mobiles + cards if value in dump]
    assert leaks == []
    # Nor the numbers without their check character (an ID stored as digits, a card without Luhn digit).
    assert [value for value in id_numbers + cards if value[:-1] in dump] == []
