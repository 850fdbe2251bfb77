"""The worker pages (职工端): the status query by ID number and query password (查询进度), and
a new query password."""

from __future__ import annotations

import pytest
from django.test import Client

from rewards.applications.services import password_matches
from rewards.review.services import review_decide
from tests import factories

from ._worker import HOST, submitted_with_password, text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_storage")]


# 查询进度 -------------------------------------------------------------------------------------


def test_status_by_id_and_password_shows_stage_opinions_amount_and_next_step(client, today, member, xihu_reviewer):
    application, password = submitted_with_password(client, member)
    anonymous = Client(HTTP_HOST=HOST)
    response = anonymous.post("/worker/status", {"id_number": member.id_number, "query_password": password.lower()})
    body = text(response)
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    assert application.application_no in body and "待区县（产业）工会审核" in body
    assert "预计 500.00 元" in body and "提交申请" in body and "您可以修改或撤回申请" in body

    review_decide(
        user=xihu_reviewer, application_no=application.application_no, decision="return", opinion="证书照片不清楚，请重新拍摄上传。"
    )
    body = text(anonymous.post("/worker/status", {"id_number": member.id_number, "query_password": password}))
    assert "已退回，请修改后重新提交" in body and "区县（产业）工会预审" in body and "退回修改" in body
    assert "证书照片不清楚，请重新拍摄上传。" in body and "重新提交" in body
    assert member.id_number not in body


def test_status_same_answer_for_any_wrong_pair_then_throttled(client, today, member):
    _, password = submitted_with_password(client, member)
    anonymous = Client(HTTP_HOST=HOST)
    wrong_password = anonymous.post("/worker/status", {"id_number": member.id_number, "query_password": "ZZZZZZZZZZ"})
    unknown_person = anonymous.post("/worker/status", {"id_number": factories.new_id_number(), "query_password": password})
    assert wrong_password.status_code == unknown_person.status_code == 404
    message = "身份证号码或查询密码不正确"
    assert message in text(wrong_password) and message in text(unknown_person)
    for _ in range(9):
        anonymous.post("/worker/status", {"id_number": member.id_number, "query_password": "ZZZZZZZZZZ"})
    throttled = anonymous.post("/worker/status", {"id_number": member.id_number, "query_password": password})
    assert throttled.status_code == 429 and "查询失败次数过多，请 15 分钟后再试。" in text(throttled)  # the window just began


@pytest.mark.parametrize(
    ("posted", "missing"),
    [
        ({}, {"id_number", "query_password"}),
        ({"id_number": "  "}, {"id_number", "query_password"}),
        ({"query_password": "ABCDE12345"}, {"id_number"}),
    ],
)
def test_an_empty_box_is_asked_for_not_called_a_wrong_password_nor_counted(client, today, member, posted, missing):
    from rewards.core.models import ThrottleEvent

    anonymous = Client(HTTP_HOST=HOST)
    response = anonymous.post("/worker/status", posted)
    body = text(response)
    assert response.status_code == 400 and "身份证号码或查询密码不正确" not in body
    assert ("请填写身份证号码。" in body) == ("id_number" in missing)
    assert ("请填写查询密码。" in body) == ("query_password" in missing)
    assert posted.get("query_password", "") in body  # what was typed stays in its box
    assert ThrottleEvent.objects.count() == 0


def test_the_api_asks_for_empty_fields_too(api, today):
    from rewards.core.models import ThrottleEvent

    answer = api.post("/api/v1/applications/query", {"id_number": "", "query_password": " "}, format="json")
    assert answer.status_code == 400
    assert answer.json()["error"]["fields"] == {"id_number": ["请填写身份证号码。"], "query_password": ["请填写查询密码。"]}
    assert ThrottleEvent.objects.count() == 0


# 查询密码 -------------------------------------------------------------------------------------


def test_new_query_password_shown_once_and_the_old_one_stops_working(client, today, member):
    application, old = submitted_with_password(client, member)
    url = f"/worker/applications/{application.application_no}/query-password"
    assert "原来的查询密码立即作废" in text(client.get(url))
    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == url
    body = text(client.get(url))
    new = body.split('id="query-password">')[1].split("<")[0]
    application.refresh_from_db()
    assert new != old and password_matches(application, new) and not password_matches(application, old)
    assert new not in text(client.get(url))


def test_after_the_deadline_an_undecided_application_is_offered_withdrawal_only(client, today, member, settings):
    """Corrections end with the application deadline (2020-12-15), withdrawing does not."""
    _, password = submitted_with_password(client, member)
    anonymous = Client(HTTP_HOST=HOST)
    settings.APP_TODAY = "2020-12-15"  # the last day: still both
    body = text(anonymous.post("/worker/status", {"id_number": member.id_number, "query_password": password}))
    assert "您可以修改或撤回申请" in body
    settings.APP_TODAY = "2020-12-16"
    body = text(anonymous.post("/worker/status", {"id_number": member.id_number, "query_password": password}))
    assert "您可以撤回申请" in body and "修改或撤回" not in body


@pytest.mark.parametrize(
    ("returned_on", "last_day"),
    [
        pytest.param("2020-10-15", "12月15日", id="申报截止更晚"),
        pytest.param("2020-11-30", "12月15日", id="15天恰好到截止日"),
        pytest.param("2020-12-01", "12月16日", id="15天晚于截止日一天"),
    ],
)
def test_the_return_sms_names_the_last_day_to_resubmit(client, today, member, xihu_reviewer, settings, returned_on, last_day):
    """A worker who reads only the SMS must learn there is a last day: the later of the
    application deadline and 15 days after the return, that day included (最迟于)."""
    from rewards.notifications.models import SmsMessage

    application, _ = submitted_with_password(client, member)
    settings.APP_TODAY = returned_on
    review_decide(user=xihu_reviewer, application_no=application.application_no, decision="return", opinion="卡号不清楚")
    sms = SmsMessage.objects.get(template="returned")
    assert f"原因：卡号不清楚。请最迟于{last_day}登录平台修改后重新提交。" in sms.text
    assert len(sms.text) <= 70  # with a short reason, still one SMS


def test_a_returned_application_past_its_grace_no_longer_asks_to_be_resubmitted(client, today, member, xihu_reviewer, settings):
    """Returned on 2020-12-10, resubmittable until 2020-12-25: from the 26th the status page and
    "my applications" say that the period has passed, not "在2020年12月25日前重新提交"."""
    application, password = submitted_with_password(client, member)
    settings.APP_TODAY = "2020-12-10"
    review_decide(user=xihu_reviewer, application_no=application.application_no, decision="return", opinion="卡号不清楚")
    anonymous = Client(HTTP_HOST=HOST)
    settings.APP_TODAY = "2020-12-25"  # the last day
    body = text(anonymous.post("/worker/status", {"id_number": member.id_number, "query_password": password}))
    assert "在2020年12月25日前（含当日）重新提交" in body and "登录修改" in body
    settings.APP_TODAY = "2020-12-26"
    for body in (
        text(anonymous.post("/worker/status", {"id_number": member.id_number, "query_password": password})),
        text(client.get("/worker/mine")),
    ):
        assert "重新提交的期限（2020年12月25日）已过" in body
        assert "前（含当日）重新提交" not in body and "登录修改" not in body


def test_a_withdrawal_after_the_deadline_does_not_offer_a_new_application(client, today, member, settings):
    application, password = submitted_with_password(client, member)
    settings.APP_TODAY = "2020-12-16"
    confirm = text(client.get(f"/worker/applications/{application.application_no}/withdraw"))
    assert "撤回后不能再重新申请" in confirm and "前（含当日）重新申请" not in confirm
    assert f"/worker/applications/{application.application_no}/edit" not in confirm  # corrections ended with the deadline
    response = client.post(f"/worker/applications/{application.application_no}/withdraw", follow=True)
    body = text(response)
    assert "已撤回" in body and "本年度申报已于2020年12月15日截止" in body
    assert "前（含当日）重新申请" not in body
    anonymous = Client(HTTP_HOST=HOST)
    body = text(anonymous.post("/worker/status", {"id_number": member.id_number, "query_password": password}))
    assert "前（含当日）重新申请" not in body and "本年度申报已于2020年12月15日截止" in body


def test_a_withdrawal_on_the_last_day_names_the_day_a_new_application_is_still_possible(client, today, member, settings):
    """ "Before the deadline" said no date: the worker is told which day, the last one included."""
    application, password = submitted_with_password(client, member)
    settings.APP_TODAY = "2020-12-15"  # the deadline itself: a new application is still possible today
    confirm = text(client.get(f"/worker/applications/{application.application_no}/withdraw"))
    assert "可以在2020年12月15日前（含当日）重新申请" in confirm and "撤回后不能再重新申请" not in confirm
    response = client.post(f"/worker/applications/{application.application_no}/withdraw", follow=True)
    assert "可以在2020年12月15日前（含当日）重新申请" in text(response)  # the message and the card
    anonymous = Client(HTTP_HOST=HOST)
    body = text(anonymous.post("/worker/status", {"id_number": member.id_number, "query_password": password}))
    assert "可以在2020年12月15日前（含当日）重新申请" in body
