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
from rewards.applications.models import Application, Attachment
from rewards.applications.services import application_submit
from rewards.core.models import AuditEvent
from tests import factories

from ._worker import materials as worker_materials
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


def backup_of(folder) -> None:  # type: ignore[no-untyped-def]
    call_command("backup", "--output", str(folder), stdout=io.StringIO(), stderr=io.StringIO())


def applied(today, member) -> Application:  # type: ignore[no-untyped-def]
    """An application with three materials, committed (these tests back the database up)."""
    return application_submit(
        campaign=today, data=factories.annex3(member), files=worker_materials(), applicant_id_hash=member.id_hash
    ).application


def backed_up_then_lost(today, member, tmp_path, kind: str) -> tuple[Application, Attachment]:  # type: ignore[no-untyped-def]
    """An application backed up to ``tmp_path/backup``, then the file of its ``kind`` lost."""
    application = applied(today, member)
    backup_of(tmp_path / "backup")
    lost = application.attachments.get(kind=kind)
    default_storage.delete(lost.storage_name)
    return application, lost


@pytest.mark.django_db(transaction=True)  # the backup reads the database through its own connection
def test_lost_files_come_back_from_a_backup_checked_and_a_file_newer_than_it_is_named(today, member, tmp_path):
    application = applied(today, member)
    backup_of(tmp_path / "backup")
    lost = application.attachments.get(kind="bank_card")
    with default_storage.open(lost.storage_name, "rb") as handle:
        original = handle.read()
    default_storage.delete(lost.storage_name)
    # One file uploaded after the backup and lost too: the backup cannot give it back.
    newer = application.attachments.get(kind="id_card")
    Attachment.objects.filter(pk=newer.pk).update(storage_name="materials/2020/uploaded-after-the-backup")

    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as failed:
        call_command("check_materials", "--restore-from", str(tmp_path / "backup"), stdout=out, stderr=err)
    with default_storage.open(lost.storage_name, "rb") as handle:
        assert handle.read() == original  # back, byte for byte
    assert f"已从备份找回：申请 {application.application_no}（材料 {lost.pk}" in out.getvalue()
    assert "备份中也没有这个文件" in err.getvalue() and "从备份找回 1 份，1 份有问题" in str(failed.value)
    entry = AuditEvent.objects.filter(action="materials.check").get()
    assert entry.detail["restored"] == 1 and entry.detail["problems"] == 1 and entry.result == "failed"
    assert entry.detail["restored_materials"] == [lost.pk]

    # With the record's own name again, everything is there.
    Attachment.objects.filter(pk=newer.pk).update(storage_name=newer.storage_name)
    out = io.StringIO()
    call_command("check_materials", "--restore-from", str(tmp_path / "backup"), stdout=out, stderr=io.StringIO())
    assert "检查了 3 份材料，文件全部在存储中" in out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_a_backup_file_that_differs_from_the_record_or_its_list_is_not_copied_back(today, member, tmp_path):
    _, lost = backed_up_then_lost(today, member, tmp_path, "certificate")
    (tmp_path / "backup" / "files" / lost.storage_name).write_bytes(b"changed on the backup medium")
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("check_materials", "--restore-from", str(tmp_path / "backup"), stdout=io.StringIO(), stderr=err)
    assert "备份中的文件与备份清单不符" in err.getvalue() and not default_storage.exists(lost.storage_name)
    # The record's checksum (kept by the background step) is compared too.
    Attachment.objects.filter(pk=lost.pk).update(sha256="1" * 64)
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("check_materials", "--restore-from", str(tmp_path / "backup"), stdout=io.StringIO(), stderr=err)
    assert "与保存时的校验值不符，未恢复" in err.getvalue() and not default_storage.exists(lost.storage_name)
    # Nothing half-written beside it.
    assert [path.name for path in (tmp_path / "private" / "materials" / "2020").iterdir() if path.name.startswith(".")] == []


@pytest.mark.django_db(transaction=True)
def test_a_folder_that_is_not_a_backup_is_refused_in_chinese(today, member, tmp_path):
    application = applied(today, member)
    default_storage.delete(application.attachments.get(kind="certificate").storage_name)
    (tmp_path / "nothing").mkdir()
    with pytest.raises(CommandError) as failed:
        call_command("check_materials", "--restore-from", str(tmp_path / "nothing"), stdout=io.StringIO(), stderr=io.StringIO())
    assert "中没有 manifest.json：不是完整的备份" in str(failed.value)


# The site works on while the walk runs: the purge at the end of retention, the re-encoding -----


def purge_file(item: Attachment) -> None:
    """What the purge at the end of retention does to one material: its file deleted, its row marked."""
    default_storage.delete(item.storage_name)
    Attachment.objects.filter(pk=item.pk).update(purged_at=timezone.now(), current=False)


def test_a_material_purged_or_reencoded_after_the_walk_read_its_row_is_no_problem(client, today, member):
    from rewards.applications.integrity import check

    application, _ = submitted_with_password(client, member)
    rows = list(application.attachments.order_by("pk"))
    purged, reencoded = rows[0], rows[1]

    calls: list[int] = []

    def meanwhile(done: int) -> None:  # called once each row has been read, before its file is looked for
        calls.append(done)
        if done == 1:
            purge_file(purged)
        if done == 2:
            assert materials.process(reencoded.pk) == "reencoded"  # the old name deleted, a new one kept

    report = check(progress=meanwhile, every=1)
    assert report.checked == 3 and report.problems == []
    assert calls == [1, 2, 3]  # the purge and the re-encoding did happen during the walk
    # One step back: a file really gone is still named.
    lost = application.attachments.get(pk=rows[2].pk)
    default_storage.delete(lost.storage_name)
    assert [problem.attachment_id for problem in check().problems] == [lost.pk]


def test_a_file_that_cannot_be_read_is_named_and_the_walk_goes_on(client, today, member, monkeypatch):
    from rewards.applications import integrity

    application, _ = submitted_with_password(client, member)
    for pk in application.attachments.values_list("pk", flat=True):
        materials.process(pk)
    unreadable = application.attachments.order_by("pk").first()
    real = integrity._sha256

    def refusing(name: str) -> str:
        if name == unreadable.storage_name:
            raise PermissionError(13, "Permission denied")
        return real(name)

    monkeypatch.setattr(integrity, "_sha256", refusing)
    report = integrity.check(checksums=True)
    assert report.checked == 3
    assert [(problem.attachment_id, problem.problem) for problem in report.problems] == [
        (unreadable.pk, "文件无法读取（Permission denied）")
    ]


@pytest.mark.django_db(transaction=True)
def test_a_material_purged_after_the_check_is_not_brought_back_from_the_backup(today, member, tmp_path, monkeypatch):
    """The end of retention deleted it (DOMAIN.md §9): a backup older than the purge still holds
    the file, and must not put it back."""
    from rewards.applications.management.commands import check_materials

    application = applied(today, member)
    backup_of(tmp_path / "backup")
    purged, lost = application.attachments.get(kind="id_card"), application.attachments.get(kind="bank_card")
    default_storage.delete(purged.storage_name)
    default_storage.delete(lost.storage_name)
    real = check_materials.check

    def then_purged(**options):  # type: ignore[no-untyped-def]
        report = real(**options)
        Attachment.objects.filter(pk=purged.pk).update(purged_at=timezone.now(), current=False)
        return report

    monkeypatch.setattr(check_materials, "check", then_purged)
    out = io.StringIO()
    call_command("check_materials", "--restore-from", str(tmp_path / "backup"), stdout=out, stderr=io.StringIO())
    assert not default_storage.exists(purged.storage_name)
    assert f"已清除或更换了文件，不再找回：申请 {application.application_no}（材料 {purged.pk}）" in out.getvalue()
    assert default_storage.exists(lost.storage_name)  # one step back: the one still kept comes back
    assert f"已从备份找回：申请 {application.application_no}（材料 {lost.pk}" in out.getvalue()
    assert AuditEvent.objects.get(action="materials.check").detail["restored"] == 1


@pytest.mark.django_db(transaction=True)
def test_a_file_listed_in_the_backup_but_not_in_it_is_said_in_chinese(today, member, tmp_path):
    application, lost = backed_up_then_lost(today, member, tmp_path, "certificate")
    (tmp_path / "backup" / "files" / lost.storage_name).unlink()
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("check_materials", "--restore-from", str(tmp_path / "backup"), stdout=io.StringIO(), stderr=err)
    assert (
        f"未能找回：申请 {application.application_no}（材料 {lost.pk}）：备份清单中有这个文件，备份中却没有（备份不完整），未恢复"
        in err.getvalue()
    )
    assert not default_storage.exists(lost.storage_name)
    assert [path.name for path in (tmp_path / "private" / "materials" / "2020").iterdir() if path.name.startswith(".")] == []


@pytest.mark.django_db(transaction=True)
def test_a_photo_the_background_step_found_missing_is_reencoded_once_it_is_back(today, member, tmp_path):
    """The re-encoding that strips a photo's metadata (SECURITY.md 13) ran while the file was
    gone and marked it unreadable (无法完整读取, hidden from the worker): once the file is back
    from the backup it is processed again, not left as a damaged original with its metadata."""
    from rewards.applications.models import Processing

    application = applied(today, member)
    lost = application.attachments.get(kind="bank_card")
    assert lost.processing == Processing.REENCODED  # the background step ran at the commit
    # As the upload was before it: the original, pending, with its metadata; backed up so.
    with default_storage.open(lost.storage_name, "rb") as handle:
        original = default_storage.save("materials/2020/original-upload", handle)
    Attachment.objects.filter(pk=lost.pk).update(storage_name=original, processing=Processing.PENDING, sha256="")
    backup_of(tmp_path / "backup")
    default_storage.delete(original)
    assert materials.process(lost.pk) == Processing.UNREADABLE  # the file was not there
    out = io.StringIO()
    call_command("check_materials", "--restore-from", str(tmp_path / "backup"), stdout=out, stderr=io.StringIO())
    lost.refresh_from_db()
    assert lost.processing == Processing.REENCODED and default_storage.exists(lost.storage_name)
    with default_storage.open(lost.storage_name, "rb") as handle:
        assert lost.sha256 == hashlib.sha256(handle.read()).hexdigest()
    assert "检查了 3 份材料，从备份找回 1 份" in out.getvalue()
    assert lost.storage_name != original and not default_storage.exists(original)  # the original with its metadata gone
    # One step back: a material the background step had already kept is left as it is.
    kept = application.attachments.get(kind="id_card")
    assert Attachment.objects.get(pk=kept.pk).storage_name == kept.storage_name


@pytest.mark.django_db(transaction=True)
def test_a_volume_without_hard_links_still_gets_its_files_back(today, member, tmp_path, monkeypatch):
    import errno
    import os

    _, lost = backed_up_then_lost(today, member, tmp_path, "bank_card")

    def no_links(source, target):  # type: ignore[no-untyped-def]
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    out = io.StringIO()
    call_command("check_materials", "--restore-from", str(tmp_path / "backup"), stdout=out, stderr=io.StringIO())
    assert "从备份找回 1 份" in out.getvalue() and default_storage.exists(lost.storage_name)
    assert [path.name for path in (tmp_path / "private" / "materials" / "2020").iterdir() if path.name.startswith(".")] == []


def test_a_replaced_material_is_named_as_such(client, today, member):
    application, _ = submitted_with_password(client, member)
    old = application.attachments.get(kind="bank_card")
    Attachment.objects.filter(pk=old.pk).update(current=False)  # as after a resubmission with a new card photo
    default_storage.delete(old.storage_name)
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("check_materials", stdout=io.StringIO(), stderr=err)
    assert err.getvalue().strip().endswith("文件缺失（已被后来上传的文件替换，审核不再使用，仅作留存）")
