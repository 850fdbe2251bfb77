"""The audit log's chain check as the auditor uses it (校验审计链): an intact chain recorded, the
anchor, an emptied or changed or deleted entry found, a long chain checked in steps, a forged
step refused. Split from test_audit_pages.py; fixtures in conftest.py."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from django.db import connection

from rewards.core import audit as audit_module
from rewards.core.audit import verify_chain
from rewards.core.models import AuditChainHead, AuditEvent
from rewards.web.staff import auditlog as pages

from ._audit_log import URL

pytestmark = pytest.mark.django_db

TABLE = AuditEvent._meta.db_table


# --- the chain check ----------------------------------------------------------------------------


def test_the_chain_check_reports_an_intact_chain_and_is_recorded(audit_story, auditor_client, auditor):  # type: ignore[no-untyped-def]
    entries = AuditEvent.objects.count()
    response = auditor_client.post(f"{URL}/verify")
    page = response.content.decode()
    assert response.status_code == 200
    assert "审计链完整" in page
    assert f"共校验 <strong>{entries}</strong> 条记录" in page
    check = AuditEvent.objects.get(action="audit.verify")
    assert (check.actor, check.result, check.object_type) == (auditor, "ok", "core.auditevent")
    assert check.detail["entries"] == entries and check.detail["problems"] == 0 and check.detail["channel"] == "web"
    assert verify_chain() == []  # the check's own entry extends the chain


def test_the_chain_check_says_when_there_is_no_anchor_yet_and_when_the_log_matches_it(audit_story, auditor_client):  # type: ignore[no-untyped-def]
    page = auditor_client.post(f"{URL}/verify").content.decode()
    assert "审计链完整" in page and "还没有审计锚点" in page
    assert AuditEvent.objects.filter(action="audit.verify").latest("id").detail["anchor"] == "missing"

    call_command("audit_verify", stdout=io.StringIO())  # the nightly run: anchors the head it verified
    anchored = AuditEvent.objects.count() - 1  # the command's own entry comes after the head it anchored
    page = auditor_client.post(f"{URL}/verify").content.decode()

    assert "审计链完整" in page and "与数据库之外的审计锚点一致" in page and f"记下的 {anchored} 条都在" in page
    assert AuditEvent.objects.filter(action="audit.verify").latest("id").detail["anchor"] == "ok"


def test_the_chain_check_finds_a_log_emptied_with_its_head_against_the_anchor(audit_story, auditor_client):  # type: ignore[no-untyped-def]
    call_command("audit_verify", stdout=io.StringIO())
    with connection.cursor() as cursor:  # what someone with the database alone can do
        cursor.execute(f"DELETE FROM {TABLE}")
        cursor.execute(f"DELETE FROM {AuditChainHead._meta.db_table}")

    page = auditor_client.post(f"{URL}/verify").content.decode()

    assert "审计链不完整：发现 1 处问题" in page and "被清空" in page
    assert "查看第" not in page  # the entries the anchor names are gone: no link to them
    check = AuditEvent.objects.get(action="audit.verify")  # the page's own, the only entry now
    assert check.result == "failed" and check.detail["anchor"] == "failed"


def test_the_chain_check_finds_an_entry_changed_behind_the_applications_back(audit_story, auditor_client):  # type: ignore[no-untyped-def]
    tampered = audit_story["entries"]["reject"]
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET result = %s WHERE id = %s", ["ok-forged", tampered.pk])

    page = auditor_client.post(f"{URL}/verify").content.decode()

    assert "审计链不完整：发现 1 处问题" in page
    assert f"第 {tampered.pk} 条的内容与其哈希不符" in page
    assert f'href="{URL}/{tampered.pk}"' in page
    check = AuditEvent.objects.get(action="audit.verify")
    assert check.result == "failed" and check.detail["problems"] == 1
    assert auditor_client.get(URL).content.decode().count("发现问题") >= 1


def test_the_chain_check_finds_a_deleted_entry(audit_story, auditor_client):  # type: ignore[no-untyped-def]
    gone = audit_story["entries"]["file"]
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE id = %s", [gone.pk])
    page = auditor_client.post(f"{URL}/verify").content.decode()
    assert f"第 {gone.pk + 1} 条的前序哈希" in page


def test_a_long_chain_is_checked_in_steps_with_progress(monkeypatch, audit_story, auditor_client, auditor):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(audit_module, "VERIFY_STEP_ROWS", 4)
    total = AuditEvent.objects.count()
    tampered = audit_story["entries"]["import"]
    with connection.cursor() as cursor:
        forged = AuditEvent._meta.get_field("detail").get_db_prep_value({"accepted": 200}, connection)
        cursor.execute(f"UPDATE {TABLE} SET detail = %s WHERE id = %s", [forged, tampered.pk])

    response = auditor_client.post(f"{URL}/verify")
    steps = 1
    while "正在校验" in response.content.decode():
        page = response.content.decode()
        assert "<progress" in page and 'hx-trigger="load delay:50ms, submit"' in page
        state = re.search(r'name="state" value="([^"]+)"', page)
        assert state is not None
        response = auditor_client.post(f"{URL}/verify", {"state": state.group(1)}, HTTP_HX_REQUEST="true")
        steps += 1
    assert steps >= total // 4
    page = response.content.decode()
    assert "发现 1 处问题" in page and f"第 {tampered.pk} 条的内容与其哈希不符" in page
    check = AuditEvent.objects.get(action="audit.verify")
    assert check.detail["entries"] == total and check.result == "failed"


def test_a_forged_or_foreign_step_is_refused(audit_story, auditor_client, administrator):  # type: ignore[no-untyped-def]
    assert auditor_client.post(f"{URL}/verify", {"state": "forged"}).status_code == 400
    from django.core import signing

    theirs = signing.dumps({**pages._start_state(administrator)}, salt=pages.VERIFY_SALT, compress=True)
    response = auditor_client.post(f"{URL}/verify", {"state": theirs})
    assert response.status_code == 400 and "已过期或无效" in response.content.decode()
    assert not AuditEvent.objects.filter(action="audit.verify").exists()
