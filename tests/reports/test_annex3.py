"""附件3 申请表 (API.md GET /api/v1/review/applications/{no}/annex3.pdf): the official form as a
PDF with the opinions of the reviews, full numbers only for a reviewer in scope, every print
audited, 404 outside the caller's subtree."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from rewards.applications.models import Application
from rewards.core import clock
from rewards.core.masking import mask_bank_card, mask_id_number, mask_phone
from rewards.core.models import AuditEvent
from rewards.core.vocab import Status
from rewards.reports.annex3 import ONLINE_NO_GRASSROOTS, opinion_boxes

from .. import factories
from .conftest import batch_application, decide, get_as, online_application, pdf_pages, pdf_text, signed_in, staff_token

pytestmark = pytest.mark.django_db

TITLE = "2020年杭州市工会职工高技能人才奖励申请表"
LABELS = (
    "所属区县市（产业）工会：",
    "填报日期：",
    "姓名",
    "性别",
    "学历",
    "申报奖励工种",
    "原有最高技能等级",
    "原有技能等级取得时间",
    "现晋升的技能等级",
    "等级证书编号",
    "发证时间",
    "身份证号码",
    "手机号码",
    "银行卡号",
    "银行卡开户行",
    "工作单位",
    "是否外来务工人员",
    "基层工会意见",
    "区县市产业工会意见",
    "市总工会意见",
    "盖章：",
    "备注：银行卡开户行请写至支行，例：××银行××支行。",
)


def url(application: Application) -> str:
    return f"/api/v1/review/applications/{application.application_no}/annex3.pdf"


@pytest.fixture
def reviewed(api, business_day, member, xihu_reviewer, city_reviewer) -> Application:  # type: ignore[no-untyped-def]
    """An online application: 西湖区 预审 with an opinion, then the city's 终审 without one."""
    application = online_application(api, member, is_migrant=True, hukou_place="安徽省安庆市", years_in_hangzhou=6)
    assert decide(api, staff_token(api, xihu_reviewer), application.application_no, "approve", "情况属实，同意推荐。").status_code == 200
    assert decide(api, staff_token(api, city_reviewer), application.application_no, "approve").status_code == 200
    application.refresh_from_db()
    assert application.status == Status.APPROVED
    return application


def test_the_reviewer_gets_the_official_form_with_opinions_and_full_numbers(api, reviewed, city_reviewer):
    response = get_as(api, city_reviewer, url(reviewed))
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "no-store"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f'filename="annex3-{reviewed.application_no}.pdf"' in disposition
    assert f"filename*=UTF-8''{quote(f'附件3-申请表-{reviewed.application_no}-{reviewed.name}.pdf', safe='')}" in disposition
    assert pdf_pages(response.content) == 1
    text = pdf_text(response.content)
    assert TITLE in text
    for label in LABELS:
        assert label in text, label
    assert "西湖区总工会" in text  # 所属区县市（产业）工会 and the district's box
    assert reviewed.name in text
    assert "车工" in text and "高级工" in text and reviewed.certificate_no in text
    assert reviewed.id_number in text
    assert reviewed.phone in text
    assert reviewed.bank_card_no in text
    assert "中国工商银行杭州西湖支行" in text
    assert "✓是（户籍地：安徽省安庆市，来杭年限：6年）" in text
    assert ONLINE_NO_GRASSROOTS in text  # online: no 基层工会 step
    # each box: the opinion (or "同意" for an approval without text), the reviewer's unit, the date
    assert "情况属实，同意推荐。盖章：西湖区总工会" in text
    assert "同意盖章：杭州市总工会" in text
    decided = reviewed.events.filter(decision="approve", from_status=Status.PENDING_CITY).get().at.astimezone(clock.SHANGHAI).date()
    assert f"盖章：杭州市总工会{decided.year}年{decided.month}月{decided.day}日" in text


def test_every_print_is_audited_without_personal_numbers(api, reviewed, city_reviewer):
    get_as(api, city_reviewer, url(reviewed))
    entry = AuditEvent.objects.get(action="report.annex3")
    assert entry.object_id == str(reviewed.pk)
    assert entry.actor == city_reviewer
    assert entry.detail == {"format": "pdf", "full": True}
    dumped = str(entry.detail) + entry.object_id
    for number in (reviewed.id_number, reviewed.phone, reviewed.bank_card_no):
        assert number not in dumped


def test_an_auditor_reads_the_form_with_masked_numbers(api, reviewed, auditor):
    response = get_as(api, auditor, url(reviewed))
    assert response.status_code == 200
    text = pdf_text(response.content)
    assert reviewed.name in text and "情况属实，同意推荐。" in text
    assert reviewed.id_number not in text
    assert reviewed.bank_card_no not in text
    assert reviewed.phone not in text
    assert mask_id_number(reviewed.id_number) in text
    assert mask_bank_card(reviewed.bank_card_no) in text
    assert mask_phone(reviewed.phone) in text
    assert "号码已脱敏" in text
    assert AuditEvent.objects.get(action="report.annex3").detail == {"format": "pdf", "full": False}


def test_another_districts_reviewer_gets_404_and_the_denial_is_audited(api, reviewed, shangcheng_reviewer):
    response = get_as(api, shangcheng_reviewer, url(reviewed))
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    denial = AuditEvent.objects.get(action="access.denied")
    assert denial.result == "denied"
    assert denial.object_id == str(reviewed.pk)
    assert denial.detail["what"] == "annex3"
    assert not AuditEvent.objects.filter(action="report.annex3").exists()


def test_unknown_number_is_404_even_when_the_client_asks_for_a_pdf(api, campaign, city_reviewer):
    token = staff_token(api, city_reviewer)
    response = api.get(
        "/api/v1/review/applications/2020999999/annex3.pdf", HTTP_ACCEPT="application/pdf", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_anonymous_is_401_and_an_administrator_403(api, reviewed, administrator):
    assert api.get(url(reviewed)).status_code == 401
    response = get_as(api, administrator, url(reviewed))
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"


def test_a_batch_application_shows_the_grassroots_opinion_and_the_clerk_prints_its_own(
    api, campaign, business_day, xihu_grassroots, grassroots_clerk, xihu_reviewer
):
    application = batch_application(campaign, xihu_grassroots, name="王建国", status=Status.PENDING_GRASSROOTS)
    assert decide(api, staff_token(api, grassroots_clerk), application.application_no, "approve").status_code == 200
    assert decide(api, staff_token(api, xihu_reviewer), application.application_no, "return", "请补充等级证书复印件。").status_code == 200
    response = get_as(api, grassroots_clerk, url(application))
    assert response.status_code == 200
    text = pdf_text(response.content)
    assert "王建国" in text
    assert f"同意盖章：{xihu_grassroots.name}" in text
    assert "退回修改：请补充等级证书复印件。盖章：西湖区总工会" in text
    assert ONLINE_NO_GRASSROOTS not in text
    assert application.id_number in text  # the submitting clerk is a reviewer of its own rows
    assert "✓否" in text


def test_a_clerk_of_another_union_gets_404(api, campaign, business_day, shangcheng_grassroots, grassroots_clerk):
    application = batch_application(campaign, shangcheng_grassroots, name="李秀英")
    assert get_as(api, grassroots_clerk, url(application)).status_code == 404


def test_the_latest_decision_at_a_level_fills_its_box(campaign, xihu_grassroots, xihu_reviewer, grassroots_clerk):
    from rewards.applications.services import record_event

    application = batch_application(campaign, xihu_grassroots, name="陈志强", status=Status.PENDING_GRASSROOTS)
    record_event(
        application,
        stage="初审",
        decision="approve",
        from_status=Status.PENDING_GRASSROOTS,
        to_status="pending_district",
        actor=grassroots_clerk,
    )
    record_event(
        application,
        stage="复审",
        decision="return",
        opinion="证书模糊",
        from_status=Status.PENDING_DISTRICT,
        to_status="returned",
        actor=xihu_reviewer,
    )
    record_event(
        application,
        stage="初审",
        decision="approve",
        opinion="已补正",
        from_status=Status.PENDING_GRASSROOTS,
        to_status="pending_district",
        actor=grassroots_clerk,
    )
    record_event(
        application, stage="复审", decision="approve", from_status=Status.PENDING_DISTRICT, to_status="pending_city", actor=xihu_reviewer
    )
    boxes = opinion_boxes(application, list(application.events.select_related("organisation")))
    assert [(box.org_name, box.text) for box in boxes] == [(xihu_grassroots.name, "已补正"), ("西湖区总工会", "同意"), ("", "")]
    assert boxes[2].date is None


# --- the staff pages -------------------------------------------------------------------------


def test_the_detail_page_links_to_the_form_and_the_page_route_sends_it(api, reviewed, xihu_reviewer):
    client = signed_in(xihu_reviewer)
    page = client.get(f"/staff/applications/{reviewed.application_no}")
    link = f"/staff/applications/{reviewed.application_no}/annex3.pdf"
    assert link in page.text and "打印申请表（附件3）" in page.text
    response = client.get(link)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
    assert reviewed.id_number in pdf_text(response.content)
    assert AuditEvent.objects.filter(action="report.annex3", object_id=str(reviewed.pk)).count() == 1


def test_the_page_route_is_404_outside_the_subtree(campaign, business_day, shangcheng, shangcheng_reviewer, xihu):
    other = factories.make_member(union=xihu)
    from rewards.organisations.services import organisation_ensure

    unit, _ = organisation_ensure(name="杭州西湖测试有限公司工会", kind="grassroots", parent=xihu)
    application = batch_application(campaign, unit, name=other.name)
    response = signed_in(shangcheng_reviewer).get(f"/staff/applications/{application.application_no}/annex3.pdf")
    assert response.status_code == 404
    assert AuditEvent.objects.filter(action="access.denied", object_id=str(application.pk)).exists()
