"""放弃本次导入: a checked import the clerk will not save is discarded by its uploader; nothing is
saved, the staged sheet and zip and the refused rows (personal numbers) go at once, the per-row
results stay as the record, and the step is audited; a saved or running import cannot be."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage

from rewards.applications.models import Application
from rewards.batches.imports import import_discard
from rewards.batches.models import BatchImport, ImportStatus
from rewards.core.errors import Conflict, Forbidden
from rewards.core.models import AuditEvent
from rewards.notifications.models import SmsMessage
from tests.batches.sheets import materials_zip, row_for, sheet

from .test_batch_pages import latest_import, mixed_rows, signed_in, upload

pytestmark = pytest.mark.django_db


def test_the_uploader_discards_a_checked_import_and_its_staged_files_go(clerk, workers, django_capture_on_commit_callbacks):
    upload(clerk, sheet(mixed_rows(workers)), materials_zip([worker.id_number for worker in workers[:3]]))
    batch_import = latest_import()
    sheet_path, zip_path = batch_import.sheet_path, batch_import.zip_path
    assert default_storage.exists(sheet_path) and default_storage.exists(zip_path) and batch_import.rejected_rows
    page = clerk.get(f"/staff/batch/{batch_import.pk}/").content.decode()
    assert "放弃本次导入" in page and f"/staff/batch/{batch_import.pk}/discard" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = clerk.post(f"/staff/batch/{batch_import.pk}/discard")
    assert response.status_code == 302 and response["Location"] == f"/staff/batch/{batch_import.pk}/"
    batch_import.refresh_from_db()
    assert batch_import.status == ImportStatus.DISCARDED and batch_import.finished_at is not None
    assert batch_import.sheet_path == batch_import.zip_path == batch_import.rejected_rows == ""
    assert not default_storage.exists(sheet_path) and not default_storage.exists(zip_path)
    assert [row["status"] for row in batch_import.results] == ["valid", "valid", "valid", "rejected", "rejected"]
    assert not Application.objects.exists() and not SmsMessage.objects.exists()
    entry = AuditEvent.objects.get(action="batch.import_discard", object_id=str(batch_import.pk))
    assert entry.detail["valid"] == 3 and entry.detail["rejected"] == 2
    page = clerk.get(f"/staff/batch/{batch_import.pk}/").content.decode()
    assert "已放弃（未保存）" in page and "没有保存任何一行" in page
    assert "暂存的汇总表和材料压缩包已删除" in page  # a zip came with it
    assert "保存可导入的" not in page and "放弃本次导入</button>" not in page
    assert "下载有问题的行" not in page  # the refused rows went with the files
    assert "已放弃（未保存）" in clerk.get("/staff/batch/").content.decode()  # in the recent uploads


def test_a_discarded_import_can_no_longer_be_saved_or_discarded_again(clerk, workers):
    upload(clerk, sheet([row_for(workers[0])]))
    batch_import = latest_import()
    clerk.post(f"/staff/batch/{batch_import.pk}/discard")
    clerk.post(f"/staff/batch/{batch_import.pk}/save")
    assert BatchImport.objects.get(pk=batch_import.pk).status == ImportStatus.DISCARDED
    assert not Application.objects.exists()
    response = clerk.post(f"/staff/batch/{batch_import.pk}/discard", follow=True)
    assert "不能放弃" in response.content.decode()
    assert AuditEvent.objects.filter(action="batch.import_discard").count() == 1


def test_a_saved_import_cannot_be_discarded(clerk, workers, grassroots_clerk):
    upload(clerk, sheet([row_for(workers[0])]))
    batch_import = latest_import()
    clerk.post(f"/staff/batch/{batch_import.pk}/save")
    batch_import.refresh_from_db()
    with pytest.raises(Conflict):
        import_discard(user=grassroots_clerk, batch_import=batch_import)
    assert BatchImport.objects.get(pk=batch_import.pk).status == ImportStatus.DONE
    assert Application.objects.count() == 1
    assert "放弃本次导入" not in clerk.get(f"/staff/batch/{batch_import.pk}/").content.decode()


def test_an_import_with_no_valid_row_needs_no_discarding(clerk, workers):
    """Nothing to save: it is finished at once and its staged files are gone already."""
    upload(clerk, sheet(mixed_rows(workers)[3:]))
    batch_import = latest_import()
    assert batch_import.status == ImportStatus.DONE and batch_import.count("valid") == 0
    assert batch_import.sheet_path == ""
    assert "放弃本次导入</button>" not in clerk.get(f"/staff/batch/{batch_import.pk}/").content.decode()


def test_only_the_uploader_discards(clerk, workers, xihu_reviewer, grassroots_clerk):
    upload(clerk, sheet([row_for(workers[0])]))
    batch_import = latest_import()
    district = signed_in(xihu_reviewer)
    page = district.get(f"/staff/batch/{batch_import.pk}/").content.decode()
    assert "放弃本次导入</button>" not in page and "确认保存或放弃" in page
    district.post(f"/staff/batch/{batch_import.pk}/discard")
    assert BatchImport.objects.get(pk=batch_import.pk).status == ImportStatus.CHECKED
    with pytest.raises(Forbidden):
        import_discard(user=xihu_reviewer, batch_import=batch_import)


def test_an_import_outside_the_callers_subtree_is_404_and_recorded(clerk, workers, shangcheng_reviewer):
    upload(clerk, sheet([row_for(workers[0])]))
    batch_import = latest_import()
    response = signed_in(shangcheng_reviewer).post(f"/staff/batch/{batch_import.pk}/discard")
    assert response.status_code == 404
    assert BatchImport.objects.get(pk=batch_import.pk).status == ImportStatus.CHECKED
    assert AuditEvent.objects.filter(action="access.denied", detail__what="discard").exists()


# --- purge_expired discards what nobody saved within 30 days --------------------------------------


def _aged(days: float) -> BatchImport:
    import datetime as dt

    from rewards.core import clock

    batch_import = latest_import()
    BatchImport.objects.filter(pk=batch_import.pk).update(created_at=clock.now() - dt.timedelta(days=days))
    return BatchImport.objects.get(pk=batch_import.pk)


def test_the_daily_purge_discards_a_checked_import_left_over_thirty_days(clerk, workers, django_capture_on_commit_callbacks):
    import io

    from django.core.management import call_command

    upload(clerk, sheet([row_for(workers[0])]))
    stale = _aged(30 + 1 / 1440)  # a minute past the 30 days
    upload(clerk, sheet([row_for(workers[1])]))
    fresh = _aged(30 - 1 / 1440)  # a minute short of them
    upload(clerk, sheet([row_for(workers[2])]))
    clerk.post(f"/staff/batch/{latest_import().pk}/save")
    saved = _aged(90)
    staged = stale.sheet_path

    out = io.StringIO()
    call_command("purge_expired", "--dry-run", stdout=out)
    assert "将放弃 1 个超过 30 天未保存的单位申报导入" in out.getvalue()
    assert BatchImport.objects.get(pk=stale.pk).status == ImportStatus.CHECKED

    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("purge_expired", stdout=out)
    assert "已放弃 1 个超过 30 天未保存的单位申报导入" in out.getvalue()
    stale.refresh_from_db()
    assert stale.status == ImportStatus.DISCARDED and stale.sheet_path == "" and stale.rejected_rows == ""
    assert not default_storage.exists(staged)
    assert BatchImport.objects.get(pk=fresh.pk).status == ImportStatus.CHECKED
    assert BatchImport.objects.get(pk=saved.pk).status == ImportStatus.DONE
    entry = AuditEvent.objects.get(action="batch.import_discard", object_id=str(stale.pk))
    assert entry.actor_label == "cli" and entry.detail["stale_days"] == 30
    assert AuditEvent.objects.filter(action="data.purge").latest("id").detail["stale_imports"] == 1
    page = clerk.get(f"/staff/batch/{stale.pk}/").content.decode()
    assert "超过 30 天未保存，系统已自动放弃" in page and "没有保存任何一行" in page
    # The next day: nothing more to discard.
    out = io.StringIO()
    call_command("purge_expired", stdout=out)
    assert "未保存的单位申报导入" not in out.getvalue()


def test_a_discard_that_fails_leaves_the_import_and_its_files(
    clerk, workers, grassroots_clerk, monkeypatch, django_capture_on_commit_callbacks
):
    from rewards.batches import imports

    upload(clerk, sheet([row_for(workers[0])]))
    batch_import = latest_import()

    def audit_down(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr(imports, "audit", audit_down)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        import_discard(user=grassroots_clerk, batch_import=batch_import)
    kept = BatchImport.objects.get(pk=batch_import.pk)
    assert (
        kept.status == ImportStatus.CHECKED
        and kept.sheet_path == batch_import.sheet_path
        and kept.rejected_rows == batch_import.rejected_rows
    )
    assert default_storage.exists(batch_import.sheet_path)


def test_discarding_an_upload_without_a_zip_speaks_of_the_sheet_alone(clerk, workers):
    upload(clerk, sheet([row_for(workers[0])]))
    batch_import = latest_import()
    assert not batch_import.with_materials
    page = clerk.get(f"/staff/batch/{batch_import.pk}/").content.decode()
    assert 'data-confirm="放弃后不保存任何一行，暂存的汇总表将被删除。确定放弃本次导入吗？"' in page
    clerk.post(f"/staff/batch/{batch_import.pk}/discard")
    page = clerk.get(f"/staff/batch/{batch_import.pk}/").content.decode()
    assert "本次导入已由上传人放弃，暂存的汇总表已删除。" in page and "材料压缩包" not in page
