"""The development backends (API.md "SMS backends"): console and file, chosen by SMS_BACKEND."""

from __future__ import annotations

import logging
import stat

import pytest
from django.core.exceptions import ImproperlyConfigured

from rewards.notifications.models import SmsStatus
from rewards.notifications.services import sms_enqueue
from rewards.notifications.transports import (
    AliyunTransport,
    ConsoleTransport,
    FileTransport,
    OutgoingSms,
    TransportError,
    get_transport,
)

from .conftest import MOBILE


def test_file_transport_appends_one_exact_json_line(tmp_path, frozen_clock):
    path = tmp_path / "new-folder" / "sms.jsonl"
    transport = FileTransport(path)
    transport.send(OutgoingSms(to=MOBILE, text="【杭州市总工会】您的验证码为482913。", template="otp"))
    transport.send(OutgoingSms(to="13800000000", text='引号"与\\反斜杠', template="otp"))
    assert path.read_bytes().decode("utf-8") == (
        '{"to": "13912347919", "text": "【杭州市总工会】您的验证码为482913。", "at": "2020-10-15T10:00:00+08:00"}\n'
        '{"to": "13800000000", "text": "引号\\"与\\\\反斜杠", "at": "2020-10-15T10:00:00+08:00"}\n'
    )
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_file_transport_reports_a_file_it_cannot_write(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    with pytest.raises(TransportError) as info:
        FileTransport(blocker / "sms.jsonl").send(OutgoingSms(to=MOBILE, text="x", template="otp"))
    assert MOBILE not in info.value.message


@pytest.mark.django_db
def test_the_file_backend_delivers_through_the_outbox(sms_file, frozen_clock, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = sms_enqueue(phone=MOBILE, template="submitted", params={"application_no": "2020000123"}, event_key="app:1:submitted:1")
    assert message is not None
    assert sms_file.read_text(encoding="utf-8") == (
        '{"to": "13912347919", "text": "【杭州市总工会】您的高技能人才奖励申请（编号2020000123）已提交，请等待审核。", '
        '"at": "2020-10-15T10:00:00+08:00"}\n'
    )
    message.refresh_from_db()
    assert message.status == SmsStatus.SENT


@pytest.mark.django_db
def test_the_console_backend_prints_the_message_but_logs_no_number(settings, capsys, caplog, django_capture_on_commit_callbacks):
    settings.SMS_BACKEND = "console"
    caplog.set_level(logging.DEBUG)
    with django_capture_on_commit_callbacks(execute=True):
        message = sms_enqueue(phone=MOBILE, template="submitted", params={"application_no": "2020000123"}, event_key="app:1:submitted:1")
    assert message is not None
    out = capsys.readouterr().out
    assert f"[短信] 发往 {MOBILE}：【杭州市总工会】您的高技能人才奖励申请（编号2020000123）已提交，请等待审核。\n" in out
    message.refresh_from_db()
    assert message.status == SmsStatus.SENT
    assert MOBILE not in caplog.text


def test_get_transport_follows_sms_backend(settings, tmp_path):
    settings.SMS_BACKEND = "console"
    assert isinstance(get_transport(), ConsoleTransport)
    settings.SMS_BACKEND = "file"
    settings.SMS_FILE_PATH = str(tmp_path / "sms.jsonl")
    transport = get_transport()
    assert isinstance(transport, FileTransport) and transport.path == tmp_path / "sms.jsonl"
    settings.SMS_BACKEND = "aliyun"
    settings.SMS_ALIYUN_ACCESS_KEY_ID = "testid"
    settings.SMS_ALIYUN_ACCESS_KEY_SECRET = "testsecret"
    settings.SMS_ALIYUN_TEMPLATES = {"otp": "SMS_1"}
    assert isinstance(get_transport(), AliyunTransport)
    settings.SMS_ALIYUN_ACCESS_KEY_SECRET = ""
    with pytest.raises(ImproperlyConfigured):
        get_transport()
    settings.SMS_BACKEND = "carrier-pigeon"
    with pytest.raises(ImproperlyConfigured, match="未知的短信通道"):
        get_transport()
