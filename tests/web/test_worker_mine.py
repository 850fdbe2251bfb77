"""The worker pages (职工端): "my applications" (我的申请), online and batch, and nobody
else's."""

from __future__ import annotations

import pytest

from rewards.applications.models import Application
from rewards.core import clock
from rewards.core.vocab import Status
from tests import factories

from ._worker import sign_in, submit, submitted_with_password, text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_storage")]


# 我的申请 -------------------------------------------------------------------------------------


def test_my_applications_with_their_actions_and_no_full_numbers(client, today, member):
    application, _ = submitted_with_password(client, member)
    response = client.get("/worker/mine")
    body = text(response)
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    assert application.application_no in body and "个人网上申报" in body
    assert f'href="/worker/applications/{application.application_no}/edit">修改申请</a>' in body
    assert f'href="/worker/applications/{application.application_no}/withdraw">撤回申请</a>' in body
    assert f'href="/worker/applications/{application.application_no}/query-password">重新生成查询密码</a>' in body
    for number in (member.id_number, member.phone, application.bank_card_no):
        assert number not in body


def _batch_application(member, campaign, grassroots) -> Application:  # type: ignore[no-untyped-def]
    """An application the worker's union entered for them (单位统一申报), waiting for 初审."""
    return Application.objects.create(
        application_no="2020999001",
        campaign=campaign,
        channel="batch",
        status=Status.PENDING_GRASSROOTS,
        name=member.name,
        id_hash=member.id_hash,
        id_number=member.id_number,
        gender="male",
        birth_date="1980-01-01",
        occupation="电工",
        new_level="technician",
        certificate_no="B1",
        certificate_issue_date="2020-05-01",
        issuer="hr_zhejiang",
        phone_hash="x",
        phone=member.phone,
        bank_card_hash="y",
        bank_card_no=factories.new_card(),
        bank_branch="中国银行杭州分行",
        employer="杭州西湖精密机械有限公司",
        union=member.union,
        submitting_org=grassroots,
        amount="600.00",
        submitted_at=clock.now(),
    )


def test_batch_applications_are_listed_too(client, today, member, xihu_grassroots):
    sign_in(client, member)
    factories_app = _batch_application(member, today, xihu_grassroots)
    body = text(client.get("/worker/mine"))
    assert factories_app.application_no in body and "单位统一申报" in body and "基层工会初审" in body
    assert f"/worker/applications/{factories_app.application_no}/edit" not in body


def test_a_batch_application_before_its_first_review_says_it_can_be_withdrawn(client, today, member, xihu_grassroots):
    """Its card offers 撤回申请; its 下一步 said only 请耐心等待, as if there were nothing to do."""
    sign_in(client, member)
    application = _batch_application(member, today, xihu_grassroots)
    body = text(client.get("/worker/mine"))
    assert f"/worker/applications/{application.application_no}/withdraw" in body
    assert "申请正在审核中，请耐心等待，结果会以短信通知您。在审核人作出决定前，您可以撤回申请。" in body


def test_someone_elses_application_is_not_found(client, today, member, xihu):
    application, _ = submitted_with_password(client, member)
    other = factories.make_member(union=xihu)
    client.post("/worker/signout")
    sign_in(client, other)
    for path in ("edit", "withdraw", "query-password"):
        assert client.get(f"/worker/applications/{application.application_no}/{path}").status_code == 404
    assert client.post(f"/worker/applications/{application.application_no}/withdraw").status_code == 404
    application.refresh_from_db()
    assert application.status == Status.PENDING_DISTRICT


def test_without_applications_the_page_says_so_once_and_each_card_is_a_heading(client, today, member):
    sign_in(client, member)
    empty = text(client.get("/worker/mine"))
    assert empty.count("您还没有申请记录") == 1
    submit(client, member)
    page = text(client.get("/worker/mine"))
    assert "您还没有申请记录" not in page
    application = Application.objects.get(id_hash=member.id_hash)
    assert f'<h2 class="w-appno"><span class="sr-only">申请编号 </span>{application.application_no}</h2>' in page


@pytest.mark.parametrize(
    ("day", "said"),
    [("2020-03-25", "2020年度奖励申报 2020年3月26日 开始受理"), ("2020-12-16", "2020年度奖励申报已于 2020年12月15日 截止")],
)
def test_my_applications_says_why_there_is_no_apply_button(client, today, member, settings, day, said):
    """Before the opening and after the deadline the page had no 申请 button and no word why."""
    settings.APP_TODAY = day
    sign_in(client, member)
    body = text(client.get("/worker/mine"))
    assert "您还没有申请记录" in body and said in body
    assert "申请2020年度奖励" not in body


def test_a_rejected_application_says_which_years_award_is_closed(client, today, member, business_day):
    """Read again in 2021, “本年度不能再次申请” would close 2021: the card names 2020."""
    factories.make_application(campaign=today, member=member, status=Status.REJECTED)
    sign_in(client, member)
    business_day("2021-03-01")
    body = text(client.get("/worker/mine"))
    assert "经审核不予奖励，原因见审核意见。不能再次申请2020年度奖励。" in body and "本年度" not in body
