"""The administration's background-task section is in Chinese: the app's name, the columns, the
field names and the statuses; and the compiled catalogue says what its source says."""

from __future__ import annotations

import gettext
import re
from pathlib import Path

import pytest
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult, get_date_max

CATALOGUE = Path(__file__).resolve().parents[2] / "rewards" / "core" / "locale" / "zh_Hans" / "LC_MESSAGES"


def _source() -> dict[str, str]:
    """``msgid`` (with ``msgctxt`` as gettext keys it) → ``msgstr`` from django.po."""
    text = (CATALOGUE / "django.po").read_text(encoding="utf-8")
    entries = re.findall(r'(?:msgctxt "([^"]*)"\n)?msgid "([^"]+)"\nmsgstr "([^"]*)"', text)
    return {(f"{context}\x04{msgid}" if context else msgid): msgstr for context, msgid, msgstr in entries}


def _plurals() -> dict[tuple[str, int], str]:
    """``(msgid, 0)`` → ``msgstr[0]`` of the plural entries (Chinese has one form)."""
    text = (CATALOGUE / "django.po").read_text(encoding="utf-8")
    entries = re.findall(r'msgid "([^"]+)"\nmsgid_plural "[^"]+"\nmsgstr\[0\] "([^"]*)"', text)
    return {(msgid, 0): msgstr for msgid, msgstr in entries}


def test_the_compiled_catalogue_matches_its_source():
    with (CATALOGUE / "django.mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    source, plurals = _source(), _plurals()
    assert len(source) == 25 and len(plurals) == 3
    assert {key: compiled._catalog.get(key) for key in source} == source  # type: ignore[attr-defined]
    assert {key: compiled._catalog.get(key) for key in plurals} == plurals  # type: ignore[attr-defined]


def test_number_messages_end_in_a_chinese_full_stop():
    """Django's own catalogue ends these with "." (a campaign's amounts, a training budget)."""
    from django import forms
    from django.core.exceptions import ValidationError

    field = forms.DecimalField(max_digits=6, decimal_places=2)
    for value, message in (("1.234", "小数不能超过 2 位。"), ("12345.67", "总共不能超过 6 位数字。")):
        with pytest.raises(ValidationError) as refused:
            field.clean(value)
        assert refused.value.messages == [message]


@pytest.mark.django_db
def test_the_task_results_read_in_chinese(api, administrator):
    DBTaskResult.objects.create(  # one result to list (the tests' backend runs tasks at once, keeping none)
        task_path="rewards.notifications.tasks.deliver_sms",
        args_kwargs={"args": [1], "kwargs": {}},
        backend_name="default",
        run_after=get_date_max(),
        status=TaskResultStatus.SUCCESSFUL,
        exception_class_path="",
        traceback="",
    )
    api.force_login(administrator)
    index = api.get("/admin/").content.decode()
    assert "后台任务" in index and "Tasks Database Backend" not in index

    page = api.get("/admin/django_tasks_database/dbtaskresult/").content.decode()
    for chinese in ("后台任务记录", "任务", "状态", "排队时间", "开始时间", "结束时间", "优先级", "队列"):
        assert chinese in page
    for english in ("Task Results", "enqueued at", "Task name", "Queue name"):
        assert english not in page
    assert str(TaskResultStatus.SUCCESSFUL.label) == "成功"


@pytest.mark.django_db
def test_the_add_staff_page_of_the_admin_has_no_english_left(api, administrator):
    api.force_login(administrator)
    page = api.get("/admin/organisations/staffuser/add/").content.decode()
    visible = re.sub(r"<(script|style)\b.*?</\1>|<[^>]+>", " ", page, flags=re.S)
    english = [words for words in re.findall(r"[A-Za-z][A-Za-z ’',.]{10,}", visible) if words.strip() not in ("", "admin")]
    assert english == []
    assert "保存后还可以填写电子邮件等其他信息" in page


def test_a_short_password_is_refused_in_chinese():
    """Django 5.2 reworded the length check ("%d"); its Chinese catalogue still has the old words."""
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        validate_password("Zq7!x")
    assert "密码太短，至少需要 10 个字符。" in refused.value.messages
    assert not any("password" in message.lower() for message in refused.value.messages)
