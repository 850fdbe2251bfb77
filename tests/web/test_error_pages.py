"""Error pages as production shows them (DEBUG off): Chinese, with a way back, never Django's
English defaults; the API keeps its JSON error shape for a missing URL and a server fault."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.web.error_urls")]

ENGLISH = ("Not Found", "Server Error", "Forbidden", "Bad Request", "CSRF verification failed", "requested resource")


def chinese_page(response, heading: str) -> str:  # type: ignore[no-untyped-def]
    text = response.content.decode()
    assert response["Content-Type"].startswith("text/html")
    assert heading in text and '<html lang="zh-CN">' in text
    assert 'href="/worker/"' in text and "返回职工申报首页" in text  # a way back, on a phone too
    assert not any(word in text for word in ENGLISH), text
    return text


@pytest.mark.parametrize("url", ["/worker/no-such-page", "/staff/no-such-page", "/no-such-page"])
def test_an_unknown_page_is_a_chinese_404(client, url):
    response = client.get(url)
    assert response.status_code == 404
    chinese_page(response, "没有找到这个页面")


def test_an_unknown_api_url_keeps_the_json_shape(client):
    response = client.get("/api/v1/no-such-endpoint")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


def test_a_server_fault_on_a_page_is_a_chinese_500_that_says_nothing_was_saved():
    response = Client(raise_request_exception=False).get("/worker/boom")
    assert response.status_code == 500
    text = chinese_page(response, "系统暂时出错，请稍后再试")
    assert "改动也都没有保存" in text and "a bug" not in text


def test_a_server_fault_in_the_api_answers_its_json_shape():
    response = Client(raise_request_exception=False).post("/api/v1/boom")
    assert response.status_code == 500
    assert response.json() == {"error": {"code": "server_error", "message": "系统暂时出错，操作没有完成，请稍后再试。"}}


def test_a_refusal_is_a_chinese_403(client):
    response = client.get("/staff/denied")
    assert response.status_code == 403
    chinese_page(response, "您没有权限查看这个页面")


def test_a_bad_request_is_a_chinese_400(client):
    response = client.get("/worker/suspicious")
    assert response.status_code == 400
    chinese_page(response, "请求无法处理")


def test_an_expired_form_says_so_in_chinese():
    response = Client(enforce_csrf_checks=True).post("/worker/status", {"id_number": "330106198503150016", "query_password": "x"})
    assert response.status_code == 403
    text = chinese_page(response, "页面已过期，请重新打开后再提交")
    assert "刷新页面后重新填写" in text


def test_the_browsers_own_request_for_an_icon_finds_one(client):
    """``/favicon.ico`` was a 404 in every page's console; the pages link the same SVG."""
    from django.contrib.staticfiles import finders

    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"] == "/static/web/favicon.svg"
    assert finders.find("web/favicon.svg")
    assert client.post("/favicon.ico").status_code == 405
    assert '<link rel="icon" href="/static/web/favicon.svg"' in client.get("/worker/no-such-page").content.decode()


def test_make_run_serves_the_demo_with_debug_off_and_the_static_files_from_the_apps():
    """A new user trying the demo meets the Chinese 404 page, not Django's list of every URL."""
    from pathlib import Path

    from config.settings import development

    makefile = (Path(__file__).resolve().parents[2] / "Makefile").read_text()
    assert "DEBUG ?= 0" in makefile and "DEBUG=$(DEBUG) APP_TODAY" in makefile
    assert development.WHITENOISE_USE_FINDERS is True
