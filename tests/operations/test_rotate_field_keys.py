"""``manage.py rotate_field_keys``: after a new FIELD_ENCRYPTION_KEY, every value written under an
old key is written again under the new one (a dry run counts them first), the application reads
the same numbers, the old key can then be retired, a value under an unknown key is reported and
left alone, and the run is audited."""

from __future__ import annotations

import base64
import io
import os

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from openpyxl import load_workbook

from rewards.applications.models import Application
from rewards.core import crypto
from rewards.core.audit import verify_chain
from rewards.core.models import AuditEvent
from rewards.operations.manifest import encryption_fingerprint, field_key_fingerprint
from rewards.registries.models import Member
from tests import factories

pytestmark = pytest.mark.django_db


def new_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def stored(model, pk: int, column: str) -> str:  # type: ignore[no-untyped-def]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {model._meta.db_table} WHERE id = %s", [pk])
        return str(cursor.fetchone()[0])


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("rotate_field_keys", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_values_under_the_old_key_are_written_again_under_the_new_one(settings, campaign, xihu):
    old = settings.FIELD_ENCRYPTION_KEY
    member = factories.make_member(union=xihu)
    application = factories.make_application(campaign=campaign, member=member)
    old_id = crypto.keyring()[0]
    settings.FIELD_ENCRYPTION_KEY, settings.FIELD_ENCRYPTION_OLD_KEYS = new_key(), [old]
    new_id = crypto.keyring()[0]
    newer = factories.make_member(union=xihu)  # written after the change: already under the new key

    dry = run("--dry-run")
    assert "applications.application.id_number：需要重新加密 1 条" in dry
    assert "registries.member.id_number：需要重新加密 1 条" in dry  # the member made before only
    assert stored(Application, application.pk, "id_number").startswith(old_id + "$")

    done = run()

    assert "已重新加密" in done and "即可从 FIELD_ENCRYPTION_OLD_KEYS 中删去旧密钥" in done and "30 分钟后" in done
    for model, pk, column in (
        (Application, application.pk, "id_number"),
        (Application, application.pk, "bank_card_no"),
        (Member, member.pk, "phone"),
        (Member, newer.pk, "id_number"),
    ):
        assert stored(model, pk, column).startswith(new_id + "$")
    settings.FIELD_ENCRYPTION_OLD_KEYS = []  # the old key retired: everything still reads
    assert Application.objects.get(pk=application.pk).id_number == member.id_number
    assert Member.objects.get(pk=member.pk).phone == member.phone
    assert "无需重新加密" in run()
    event = AuditEvent.objects.get(action="crypto.rotate")
    # The key is named by its fingerprint, as key_fingerprints and a backup's manifest name it, not by its id.
    fingerprint = encryption_fingerprint(new_id)
    assert fingerprint == field_key_fingerprint(settings.FIELD_ENCRYPTION_KEY)  # what key_fingerprints prints for it
    assert event.detail["key_fingerprint"] == fingerprint and "key" not in event.detail
    assert event.detail["rewritten"]["applications.application.id_number"] == 1
    assert f"当前密钥的指纹 {fingerprint}" in done and new_id not in done
    assert verify_chain() == []


def test_a_value_under_a_key_that_is_not_configured_is_reported_and_left(settings, campaign, xihu):
    member = factories.make_member(union=xihu)
    before = stored(Member, member.pk, "id_number")
    settings.FIELD_ENCRYPTION_KEY, settings.FIELD_ENCRYPTION_OLD_KEYS = new_key(), []  # the old key lost
    with pytest.raises(CommandError, match="无法解密"):
        run()
    assert stored(Member, member.pk, "id_number") == before


def test_the_staged_files_of_an_unfinished_batch_import_are_sealed_again(settings, grassroots_clerk, xihu, xihu_grassroots, business_day):
    from django.core.files.storage import default_storage

    from rewards.batches.imports import _read_stored, import_start

    from ..batches.sheets import row_for, sheet

    worker = factories.make_member(union=xihu, grassroots=xihu_grassroots, employer="杭州西湖精密机械有限公司")
    staged = import_start(
        user=grassroots_clerk, org=grassroots_clerk.organisation, sheet_file=io.BytesIO(sheet([row_for(worker)])), file_name="汇总表.xlsx"
    )
    assert staged.sheet_path  # checked, waiting for 确认保存
    old = settings.FIELD_ENCRYPTION_KEY
    settings.FIELD_ENCRYPTION_KEY, settings.FIELD_ENCRYPTION_OLD_KEYS = new_key(), [old]

    assert "batches.staged_files：已重新加密 1 条" in run()

    with default_storage.open(staged.sheet_path, "rb") as handle:
        assert handle.read().startswith(crypto.keyring()[0].encode() + b"$")
    settings.FIELD_ENCRYPTION_OLD_KEYS = []  # the old key retired: the clerk's 确认保存 still opens the sheet
    reopened = load_workbook(io.BytesIO(_read_stored(staged.sheet_path)))
    assert worker.name in [cell for row in reopened.active.iter_rows(values_only=True) for cell in row]
