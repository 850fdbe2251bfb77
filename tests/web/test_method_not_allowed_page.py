"""A form's address opened or reloaded answers a Chinese page, not Django's blank 405; the API keeps
its own 405 body in the contract's shape."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.web.test_staff_pages import signed_in

pytestmark = pytest.mark.django_db


def test_a_staff_forms_address_opened_directly_is_explained_in_chinese(xihu_reviewer):
    client = signed_in(xihu_reviewer)

    answer = client.get(reverse("staff:approve_many"))

    page = answer.content.decode()
    assert answer.status_code == 405
    assert answer["Allow"] == "POST"
    assert "此地址只接收表单提交，不能直接打开" in page and "不会提交或重复提交任何内容" in page
    assert "Content-Security-Policy" in answer.headers and "no-store" in answer["Cache-Control"]


def test_a_workers_form_address_opened_directly_is_explained_too():
    answer = Client().get(reverse("worker:precheck"))

    assert answer.status_code == 405 and "此地址只接收表单提交" in answer.content.decode()


def test_the_api_keeps_its_own_405_body():
    answer = Client().delete("/api/v1/campaigns/current")

    assert answer.status_code == 405
    assert answer["Content-Type"].startswith("application/json")
    assert "此地址只接收表单提交" not in answer.content.decode()
