"""A review decision or a signal note the server refuses sends the reviewer back to the
application's page (POST-redirect-GET) with the Chinese sentence and what was typed kept, so that
a reload or the Back button opens the page instead of posting the form again. What was typed
waits in the session encrypted, and is shown once."""

from __future__ import annotations

import html

import pytest

from rewards.applications.models import Application
from rewards.review.services import flag_resolve
from rewards.web.staff import refusals
from tests import factories
from tests.web.test_staff_pages import signed_in, submit

pytestmark = pytest.mark.django_db


def test_a_refused_decision_is_told_on_the_page_with_what_was_typed(campaign, business_day, member, xihu_reviewer):
    application = submit(campaign, member)
    client = signed_in(xihu_reviewer)
    page = f"/staff/applications/{application.application_no}"
    opinion = "银行卡照片与本人姓名不一致，身份证 330106199001011234 请核对"

    response = client.post(f"{page}/decision", {"decision": "approve", "opinion": opinion, "materials": ["bank_card"]})
    assert response.status_code == 302 and response["Location"] == f"{page}#decision"
    # Kept in the session, but not in clear.
    stored = str(client.session[refusals.SESSION_KEY])
    assert "银行卡照片" not in stored and "330106199001011234" not in stored

    shown = client.get(response["Location"])
    text = html.unescape(shown.content.decode())
    assert shown.status_code == 200
    assert "只有退回修改时才能要求重新上传材料" in text
    assert f">{opinion}</textarea>" in text
    assert 'value="approve" required checked' in text and 'value="bank_card" checked' in text
    # Shown once: the reload that follows is the plain page.
    again = html.unescape(client.get(page).content.decode())
    assert "只有退回修改时才能要求重新上传材料" not in again and opinion not in again
    assert Application.objects.get(pk=application.pk).status == "pending_district"


def test_a_negative_decision_without_an_opinion_keeps_the_choice(campaign, business_day, member, xihu_reviewer):
    application = submit(campaign, member)
    client = signed_in(xihu_reviewer)
    page = f"/staff/applications/{application.application_no}"
    response = client.post(f"{page}/decision", {"decision": "reject", "opinion": "  "}, follow=True)
    assert response.redirect_chain == [(f"{page}#decision", 302)]
    assert response.context["decision_error"] and "意见" in response.context["decision_error"]
    assert 'value="reject" required checked' in response.content.decode()
    assert Application.objects.get(pk=application.pk).status == "pending_district"


def test_a_refusal_stays_with_its_own_application(campaign, business_day, member, xihu_reviewer, xihu):
    first = submit(campaign, member)
    second = submit(campaign, factories.make_member(union=xihu))
    client = signed_in(xihu_reviewer)
    client.post(f"/staff/applications/{first.application_no}/decision", {"decision": "return", "opinion": ""})
    other = client.get(f"/staff/applications/{second.application_no}")
    assert other.context.get("decision_error") is None
    assert client.get(f"/staff/applications/{first.application_no}").context["decision_error"]


def test_a_refused_signal_note_is_told_and_kept(campaign, business_day, member, xihu_reviewer, city_reviewer):
    application = submit(campaign, member, in_registry=False)
    signed_in(xihu_reviewer).post(f"/staff/applications/{application.application_no}/decision", {"decision": "approve"})
    city = signed_in(city_reviewer)
    page = f"/staff/applications/{application.application_no}"
    url = f"{page}/flags/not_in_registry/resolve"

    refused = city.post(url, {"note": "   "})
    assert refused.status_code == 302 and refused["Location"] == f"{page}#signals"
    assert "请写明核实情况和处理意见。" in city.get(refused["Location"]).content.decode()

    # Resolved meanwhile by another tab: the note typed here is not lost.
    flag_resolve(user=city_reviewer, application_no=application.application_no, code="not_in_registry", note="证书库延迟入库，已核实。")
    refused = city.post(url, {"note": "已电话联系人社局核实"})
    assert refused.status_code == 302 and refused["Location"] == f"{page}#signals"
    text = city.get(refused["Location"]).content.decode()
    assert "您的处理说明没有保存：该风险信号已处理。" in text and "已电话联系人社局核实" in text
    assert application.flags.get().resolution_note == "证书库延迟入库，已核实。"
