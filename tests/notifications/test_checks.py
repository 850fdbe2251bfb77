"""``manage.py check`` catches an SMS configuration that cannot send."""

from __future__ import annotations

from rewards.notifications.checks import check_sms_settings
from rewards.notifications.templates import SmsTemplate


def ids(settings) -> list[str]:  # type: ignore[no-untyped-def]
    return [message.id for message in check_sms_settings()]


def test_development_backends_pass(settings):
    for backend in ("console", "file"):
        settings.SMS_BACKEND = backend
        assert ids(settings) == []


def test_an_unknown_backend_is_an_error(settings):
    settings.SMS_BACKEND = "carrier-pigeon"
    assert ids(settings) == ["notifications.E001"]


def test_aliyun_needs_its_keys_and_a_template_for_every_message(settings):
    settings.SMS_BACKEND = "aliyun"
    settings.SMS_ALIYUN_ACCESS_KEY_ID = ""
    settings.SMS_ALIYUN_ACCESS_KEY_SECRET = ""
    settings.SMS_ALIYUN_TEMPLATES = {"otp": "SMS_1"}
    assert ids(settings) == ["notifications.E002", "notifications.W001"]
    settings.SMS_ALIYUN_ACCESS_KEY_ID = "testid"
    settings.SMS_ALIYUN_ACCESS_KEY_SECRET = "testsecret"
    settings.SMS_ALIYUN_TEMPLATES = {code: f"SMS_{n}" for n, code in enumerate(SmsTemplate.values)}
    assert ids(settings) == []
