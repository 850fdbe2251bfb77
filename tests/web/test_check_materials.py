"""``manage.py check_materials``: every material's file still in storage (and, with
``--checksums``, as it was saved); each problem named, audited, exit code 1 when any."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from rewards.applications import materials
from rewards.applications.models import Attachment
from rewards.core.models import AuditEvent

from ._worker import submitted_with_password

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_storage")]


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("check_materials", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_all_files_present_is_exit_zero_and_audited(client, today, member):
    application, _ = submitted_with_password(client, member)
    out, err = run()
    assert "检查了 3 份材料，文件全部在存储中" in out and err == ""
    entry = AuditEvent.objects.get(action="materials.check")
    assert entry.result == "ok" and entry.detail["checked"] == 3 and entry.detail["problems"] == 0
    assert application.attachments.count() == 3


def test_a_missing_file_is_named_and_fails_a_purged_one_is_not_looked_for(client, today, member):
    application, _ = submitted_with_password(client, member)
    lost = application.attachments.get(kind="bank_card")
    default_storage.delete(lost.storage_name)
    purged = application.attachments.get(kind="id_card")
    default_storage.delete(purged.storage_name)
    Attachment.objects.filter(pk=purged.pk).update(purged_at=timezone.now())
    with pytest.raises(CommandError) as failed:
        run()
    assert "检查了 2 份材料，1 份有问题" in str(failed.value) and "需重新上传" in str(failed.value)
    entry = AuditEvent.objects.get(action="materials.check")
    assert entry.result == "failed" and entry.detail == {**entry.detail, "checked": 2, "problems": 1}


def test_the_problem_line_names_the_application_kind_and_storage_name(client, today, member):
    application, _ = submitted_with_password(client, member)
    lost = application.attachments.get(kind="certificate")
    default_storage.delete(lost.storage_name)
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("check_materials", stdout=io.StringIO(), stderr=err)
    assert err.getvalue().strip() == f"申请 {application.application_no} 的等级证书（材料 {lost.pk}，存储名 {lost.storage_name}）：文件缺失"


def test_checksums_find_a_changed_file_only_when_asked(client, today, member):
    application, _ = submitted_with_password(client, member)
    for pk in application.attachments.values_list("pk", flat=True):
        materials.process(pk)  # the background step keeps each checksum
    item = application.attachments.get(kind="id_card", current=True)
    Attachment.objects.filter(pk=item.pk).update(sha256="0" * 64)  # as if the file had changed since
    run()  # presence only: fine
    with pytest.raises(CommandError) as failed:
        run("--checksums")
    assert "1 份有问题" in str(failed.value)
    # With every checksum right again, it passes.
    for each in application.attachments.filter(purged_at__isnull=True):
        with default_storage.open(each.storage_name, "rb") as handle:
            Attachment.objects.filter(pk=each.pk).update(sha256=hashlib.sha256(handle.read()).hexdigest())
    out, _ = run("--checksums")
    assert "内容与校验值一致" in out
