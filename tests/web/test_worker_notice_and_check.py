"""The worker pages (职工端) with the Django test client: the notice (申报须知) and the
self-check (资格自测), full page and htmx."""

from __future__ import annotations

from typing import Any

import pytest

from ._worker import text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_storage")]


# 申报须知 ---------------------------------------------------------------------------------------


def test_notice_in_plain_words_with_amounts_countdown_and_three_buttons(client, today):
    response = client.get("/worker/")
    body = text(response)
    assert response.status_code == 200
    for words in (
        "500",
        "600",
        "800",
        "高级工",
        "技师",
        "高级技师",
        "2020年12月15日",
        "还剩 <b>61</b> 天",
        "2019年12月1日 至 2020年11月30日",
    ):
        assert words in body.replace('<span class="w-nowrap">', "").replace("</span>", "")
    assert "杭工e家" in body and "单位统一申报" in body and "个人网上申报" in body
    assert "身份证" in body and "银行卡" in body and "5 MB" in body
    for label, href in (("资格自测", "/worker/check"), ("登录申请", "/worker/signin?next=/worker/apply"), ("查询进度", "/worker/status")):
        assert f'href="{href}">{label}</a>' in body
    assert "no-store" in response["Cache-Control"]


def test_notice_without_a_campaign(client, db):
    response = client.get("/worker/")
    assert response.status_code == 404
    assert "目前没有奖励活动" in text(response)


def test_home_page_and_navigation_link_to_the_worker_pages(client, today):
    body = text(client.get("/"))
    assert 'href="/worker/"' in body


# 资格自测 ---------------------------------------------------------------------------------------


def check_form(member, **overrides: Any) -> dict[str, str]:  # type: ignore[no-untyped-def]
    data = {
        "name": member.name,
        "id_number": member.id_number,
        "new_level": "senior_worker",
        "certificate_issue_date": "2020-06-30",
        "issuer": "hr_hangzhou",
        "occupation": "车工",
    }
    data.update(overrides)
    return data


def test_self_check_without_javascript_explains_every_rule(client, today, member):
    response = client.post("/worker/check", check_form(member))
    body = text(response)
    assert response.status_code == 200
    assert "<html" in body and "符合奖励条件" in body and "500.00 元" in body
    assert body.count('<li class="pass">') == 6 and '<li class="fail">' not in body
    assert "您是西湖区总工会的实名认证会员" in body


def test_self_check_through_htmx_returns_the_partial_with_failures_explained(client, today, member):
    response = client.post("/worker/check", check_form(member, issuer="evaluation_org"), HTTP_HX_REQUEST="true")
    body = text(response)
    assert response.status_code == 200
    assert "<html" not in body and 'id="check-area"' in body
    assert "暂不符合奖励条件" in body
    assert body.count('<li class="fail">') == 1
    assert "社会培训评价组织的证书不在2020年度奖励范围内" in body


def test_rules_that_wait_for_the_member_check_read_as_not_judged_not_as_failed(client, today, member):
    response = client.post("/worker/check", check_form(member, name=member.name[:-1]), HTTP_HX_REQUEST="true")
    body = text(response)
    assert body.count('<li class="unjudged">') == 3 and body.count("未判断") == 3  # window, once a year, deadline
    assert body.count('<li class="fail">') == 1  # the member check: the one real problem
    assert body.count('<li class="pass">') == 2


def test_self_check_field_errors_next_to_the_fields_and_no_rule_runs(client, today, member):
    wrong = member.id_number[:-1] + ("0" if member.id_number[-1] != "0" else "1")
    response = client.post("/worker/check", check_form(member, id_number=wrong, certificate_issue_date=""), HTTP_HX_REQUEST="true")
    body = text(response)
    assert response.status_code == 200
    assert "身份证号码校验位不正确" in body and "此项必填" in body
    # "校验位" alone is a word few workers know, and points at the last digit, which is seldom the
    # one typed wrong: the message says what to do.
    assert "有一位数字输错" in body and "对照身份证逐位核对" in body
    assert 'id="field-id_number"' in body and "has-error" in body
    assert "w-checks" not in body
    assert f'value="{member.name}"' in body  # what was typed stays
