"""A checked import never saved is not 待确认保存 for ever: once it can no longer be saved (past
the 30 days the daily purge gives it, the campaign's deadline passed, or the same sheet uploaded
again since) the recent uploads say so and offer no saving, and saving it anyway is refused in
plain words, saving nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from rewards.applications.models import Application
from rewards.batches.imports import discard_stale
from rewards.batches.models import BatchImport, ImportStatus
from rewards.core import clock
from tests.batches.sheets import row_for, sheet

from .test_batch_pages import latest_import, upload

pytestmark = pytest.mark.django_db


def _aged(batch_import: BatchImport, days: float) -> BatchImport:
    BatchImport.objects.filter(pk=batch_import.pk).update(created_at=clock.now() - dt.timedelta(days=days))
    return BatchImport.objects.get(pk=batch_import.pk)


def _recent_row(clerk, batch_import: BatchImport) -> str:  # type: ignore[no-untyped-def]
    """The recent uploads' line of one import."""
    page = clerk.get("/staff/batch/").content.decode()
    link = f'href="/staff/batch/{batch_import.pk}/"'
    start = page.rindex("<tr>", 0, page.index(link))
    return page[start : page.index("</tr>", start)]


def test_a_preview_past_thirty_days_is_said_expired_and_cannot_be_saved(clerk, workers):
    upload(clerk, sheet([row_for(workers[0])]))
    fresh = _aged(latest_import(), 30 - 1 / 1440)  # a minute short of the 30 days: still saveable
    upload(clerk, sheet([row_for(workers[1])]))
    old = _aged(latest_import(), 30 + 1 / 1440)  # a minute past them

    line = _recent_row(clerk, fresh)
    assert "已检查，待确认保存" in line and "查看并保存" in line
    line = _recent_row(clerk, old)
    assert "未保存，已过期" in line and "查看并保存" not in line and "待确认保存" not in line
    page = clerk.get(f"/staff/batch/{old.pk}/").content.decode()
    assert "检查结果（未保存，已过期）" in page and "保存可导入的" not in page
    assert "已超过 30 天未保存，已过期" in page

    response = clerk.post(f"/staff/batch/{old.pk}/save", follow=True)
    assert "该检查结果已超过 30 天未保存，已过期，不能再保存：请重新上传文件，检查后再保存。" in response.content.decode()
    assert BatchImport.objects.get(pk=old.pk).status == ImportStatus.CHECKED
    assert not Application.objects.filter(id_hash=workers[1].id_hash).exists()

    clerk.post(f"/staff/batch/{fresh.pk}/save")
    assert BatchImport.objects.get(pk=fresh.pk).status == ImportStatus.DONE
    assert Application.objects.filter(id_hash=workers[0].id_hash).exists()


def test_a_preview_the_purge_discarded_reads_expired_and_saving_it_says_why_not(clerk, workers):
    upload(clerk, sheet([row_for(workers[0])]))
    old = _aged(latest_import(), 31)
    assert discard_stale() == 1
    assert "未保存，已过期" in _recent_row(clerk, old)
    response = clerk.post(f"/staff/batch/{old.pk}/save", follow=True)
    assert "该检查结果超过 30 天未保存，系统已自动放弃，不能再保存：请重新上传文件，检查后再保存。" in response.content.decode()
    assert not Application.objects.exists()


def test_a_preview_after_the_deadline_is_said_closed(clerk, workers, business_day):
    upload(clerk, sheet([row_for(workers[0])]))
    preview = latest_import()
    business_day("2020-12-15")  # the 2020 deadline (inclusive): still saveable
    assert "查看并保存" in _recent_row(clerk, preview)
    business_day("2020-12-16")
    line = _recent_row(clerk, preview)
    assert "未保存，申报已截止" in line and "查看并保存" not in line
    response = clerk.post(f"/staff/batch/{preview.pk}/save", follow=True)
    assert "2020年度奖励申报已于12月15日截止，该检查结果不能再保存。" in response.content.decode()
    assert not Application.objects.exists()


def test_the_same_sheet_uploaded_again_supersedes_the_earlier_preview(clerk, workers):
    content = sheet([row_for(workers[0]), row_for(workers[1], seq="2")])
    upload(clerk, content)
    first = latest_import()
    upload(clerk, sheet([row_for(workers[2])]))  # another sheet supersedes nothing
    other = latest_import()
    assert "查看并保存" in _recent_row(clerk, first)
    upload(clerk, content)
    second = latest_import()

    line = _recent_row(clerk, first)
    assert "未保存，已重新上传" in line and "查看并保存" not in line
    assert "查看并保存" in _recent_row(clerk, second) and "查看并保存" in _recent_row(clerk, other)
    page = clerk.get(f"/staff/batch/{first.pk}/").content.decode()
    assert f'href="/staff/batch/{second.pk}/"' in page and "保存可导入的" not in page
    response = clerk.post(f"/staff/batch/{first.pk}/save", follow=True)
    said = f"同一文件此后已重新上传（导入记录 {second.pk}），该检查结果不能再保存：请在较新的检查结果中确认保存。"
    assert said in response.content.decode()
    assert not Application.objects.exists()

    # The newer upload discarded: the earlier one is the one to save again.
    clerk.post(f"/staff/batch/{second.pk}/discard")
    assert "查看并保存" in _recent_row(clerk, first)
    clerk.post(f"/staff/batch/{first.pk}/save")
    assert Application.objects.filter(id_hash__in=[workers[0].id_hash, workers[1].id_hash]).count() == 2


def test_a_check_with_nothing_to_save_is_not_said_done_in_the_recent_uploads(clerk, workers):
    """Every row refused: nothing was saved, so the line does not read 已完成 beside the saved ones."""
    upload(clerk, sheet([row_for(workers[0], bank_card_no="6222021234567890123")]))
    refused = latest_import()
    assert refused.status == ImportStatus.DONE and not refused.save_after_check
    line = _recent_row(clerk, refused)
    assert "已检查，没有可导入的行" in line and "已完成" not in line
    upload(clerk, sheet([row_for(workers[1])]))
    saved = latest_import()
    clerk.post(f"/staff/batch/{saved.pk}/save")
    assert "已完成" in _recent_row(clerk, saved)
