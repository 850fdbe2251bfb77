"""SECURITY.md, Faults: "Disk full during an upload: a clear error, no row pointing at a
missing file". The disk is made to fill up on the third file of a submission (an injected
storage error: ENOSPC half-way through the write)."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
from django.core.files.storage import default_storage

from rewards.applications import materials
from rewards.applications.models import Application, Attachment
from rewards.notifications.models import SmsMessage

from .. import factories
from ..api.helpers import applicant_token, submit
from ..api.helpers import materials as photos

pytestmark = pytest.mark.django_db


class FillingDisk:
    """The ``n``-th file opened stops half-way through with "No space left on device" (its first
    write puts half of what it was given, in whole blocks, on the disk and then fails)."""

    def __init__(self, fail_on: int) -> None:
        self.fail_on = fail_on
        self.opened = 0
        self.failing: int | None = None
        self.real_open, self.real_write = os.open, os.write

    def install(self, monkeypatch) -> None:  # type: ignore[no-untyped-def]
        monkeypatch.setattr(materials.os, "open", self.open)
        monkeypatch.setattr(materials.os, "write", self.write)

    def open(self, path, flags, mode=0o777):  # type: ignore[no-untyped-def]
        fd = self.real_open(path, flags, mode)
        self.opened += 1
        self.failing = fd if self.opened == self.fail_on else None
        return fd

    def write(self, fd: int, data) -> int:  # type: ignore[no-untyped-def]
        if fd != self.failing:
            return self.real_write(fd, data)
        half = len(data) // 2 // 4096 * 4096
        if half:
            self.real_write(fd, data[:half])
        raise OSError(errno.ENOSPC, "No space left on device")


def stored_files() -> set[str]:
    root = Path(default_storage.location) / "materials"
    return {str(path) for path in root.rglob("*") if path.is_file()} if root.exists() else set()


@pytest.fixture(autouse=True)
def own_storage(settings, tmp_path):  # type: ignore[no-untyped-def]
    """A storage folder of this test alone: parallel test processes write materials too."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path / "private")}},
    }


@pytest.fixture
def worker(api, business_day, member):  # type: ignore[no-untyped-def]
    return applicant_token(api, member)


@pytest.mark.parametrize("fail_on", [1, 3])
def test_a_full_disk_answers_503_and_leaves_no_row_and_no_file(api, worker, member, monkeypatch, fail_on):
    before_files = stored_files()
    before_sms = SmsMessage.objects.count()
    FillingDisk(fail_on).install(monkeypatch)
    response = submit(api, worker, factories.annex3(member), photos())
    assert response.status_code == 503, response.content
    error = response.json()["error"]
    assert error["code"] == "storage_unavailable"
    assert "未保存" in error["message"]
    assert not Application.objects.filter(id_hash=member.id_hash).exists()
    assert not Attachment.objects.exists()
    assert stored_files() == before_files  # neither the half file nor the ones written before it
    assert SmsMessage.objects.count() == before_sms  # no "submitted" SMS for what was not saved


def test_after_the_disk_is_freed_the_same_worker_submits(api, worker, member, monkeypatch):
    FillingDisk(2).install(monkeypatch)
    assert submit(api, worker, factories.annex3(member), photos()).status_code == 503
    monkeypatch.undo()
    response = submit(api, worker, factories.annex3(member), photos())
    assert response.status_code == 201, response.content
    application = Application.objects.get(application_no=response.json()["application_no"])
    attachments = list(Attachment.objects.filter(application=application, current=True))
    assert sorted(attachment.kind for attachment in attachments) == ["bank_card", "certificate", "id_card"]
    for attachment in attachments:
        assert default_storage.exists(attachment.storage_name)


def test_the_worker_page_shows_the_message_and_keeps_the_form(client, member, business_day, monkeypatch):
    from tests.web._worker import form_for, sign_in  # the worker's pages, as a browser uses them

    sign_in(client, member)
    FillingDisk(1).install(monkeypatch)
    form = form_for(member)
    response = client.post("/worker/apply", {**form, **photos()})
    assert response.status_code == 503
    page = response.content.decode()
    assert "未保存" in page
    assert form["bank_branch"] in page  # what the worker typed is still there
    assert not Application.objects.filter(id_hash=member.id_hash).exists()
