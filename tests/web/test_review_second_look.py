"""The review pages as a reviewer meets them on a busy day: the search reads a number by its last
digits and a name typed with a space; a decision sent twice, or overtaken by another reviewer,
says what happened and keeps what was typed; the addresses a refused form was shown at open the
application again; what a district reviewer is told about a signal it cannot resolve."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import F

from rewards.applications.models import Application
from rewards.core import clock
from rewards.organisations.models import Role
from rewards.organisations.services import staff_create
from rewards.review.flags import refresh_flags
from rewards.review.selectors import PARTIAL_NUMBER_DIGITS, REPEAT_WINDOW
from tests import factories
from tests.conftest import PASSWORD
from tests.web.test_staff_pages import signed_in, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def second_city_reviewer(city):  # type: ignore[no-untyped-def]
    return staff_create(username="city.reviewer.b", role=Role.CITY_REVIEWER, organisation=city, password=PASSWORD, full_name="林终审")


def numbers(client, query: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [row["application_no"] for row in client.get("/staff/", {"status": "", "q": query}).context["rows"]]


def test_the_search_finds_a_number_by_its_last_digits_and_a_name_typed_with_spaces(campaign, business_day, xihu, xihu_reviewer):
    wang = submit(campaign, factories.make_member(union=xihu, name="王建华"))
    maimaiti = submit(campaign, factories.make_member(union=xihu, name="买买提·艾力"))
    client = signed_in(xihu_reviewer)
    tail = wang.application_no[-PARTIAL_NUMBER_DIGITS:]

    # The last three digits are enough; two are too few to mean one application.
    assert PARTIAL_NUMBER_DIGITS == 3
    assert numbers(client, tail) == [wang.application_no]
    assert numbers(client, tail[1:]) == []
    # Any longer tail, typed in full width or in groups, finds it too; the middle of a number does not.
    assert numbers(client, wang.application_no[-7:]) == [wang.application_no]
    wide = wang.application_no[-5:].translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert numbers(client, wide) == [wang.application_no]
    assert numbers(client, f"{wang.application_no[-6:-3]} {wang.application_no[-3:]}") == [wang.application_no]
    assert numbers(client, wang.application_no[2:6]) == []
    # A name as stored: spaces between Chinese characters and a full stop for the 间隔号 are read away.
    assert numbers(client, "王 建华") == [wang.application_no]
    assert numbers(client, "买买提.艾") == [maimaiti.application_no]
    assert numbers(client, "王  华") == []
    assert "可只输末几位" in client.get("/staff/").text


def test_a_decision_sent_twice_finds_its_work_done(campaign, business_day, member, xihu_reviewer):
    application = submit(campaign, member)
    client = signed_in(xihu_reviewer)
    url = f"/staff/applications/{application.application_no}/decision"
    assert client.post(url, {"decision": "approve"}).status_code == 302

    # Sent again moments later (the first answer slow, the button clicked again): no second
    # decision, no error; the reviewer is told it was saved.
    response = client.post(url, {"decision": "approve"}, follow=True)
    assert response.redirect_chain == [(f"/staff/applications/{application.application_no}", 302)]
    assert "该决定已经保存，重复提交的没有再次处理。该申请现为“待市总终审”。" in response.text
    assert application.events.filter(decision="approve").count() == 1

    # The last moment that still reads as the same form, then one step outside it.
    event = application.events.get(decision="approve")
    event.at = clock.now() - REPEAT_WINDOW + dt.timedelta(seconds=5)
    event.save()
    assert client.post(url, {"decision": "approve"}).status_code == 302
    application.events.filter(pk=event.pk).update(at=F("at") - dt.timedelta(seconds=6))
    response = client.post(url, {"decision": "approve"}, follow=True)
    assert response.redirect_chain == [(f"/staff/applications/{application.application_no}#decision", 302)]
    assert "您的决定没有保存" in response.text
    assert application.events.filter(decision="approve").count() == 1


def test_a_decision_overtaken_by_another_reviewer_names_it_and_keeps_the_opinion(
    campaign, business_day, member, xihu_reviewer, city_reviewer, second_city_reviewer
):
    application = submit(campaign, member)
    signed_in(xihu_reviewer).post(f"/staff/applications/{application.application_no}/decision", {"decision": "approve"})
    url = f"/staff/applications/{application.application_no}/decision"
    # Both opened the application; 陈 approves first, 林 then returns it with an opinion.
    assert signed_in(city_reviewer).post(url, {"decision": "approve"}).status_code == 302
    response = signed_in(second_city_reviewer).post(url, {"decision": "return", "opinion": "银行卡照片不清晰，请重新上传。"}, follow=True)

    assert response.redirect_chain == [(f"/staff/applications/{application.application_no}#decision", 302)]
    approved_at = clock.now().astimezone(clock.SHANGHAI)
    said = response.context["decision_error"]
    assert said.startswith("您的决定没有保存：杭州市总工会 city.reviewer已于 ")
    assert said.endswith("作出“通过”决定，该申请现为“已通过待发放”。")
    assert approved_at.strftime("%Y-%m-%d") in said  # Shanghai time, as every page shows it
    # No form to decide with any more, but what was typed is on the page to copy.
    assert 'name="decision"' not in response.text
    assert "您填写的意见没有保存" in response.text and "银行卡照片不清晰，请重新上传。" in response.text
    # The same reviewer choosing otherwise is no repeat either.
    response = signed_in(city_reviewer).post(url, {"decision": "reject", "opinion": "证书非本人。"}, follow=True)
    assert response.redirect_chain and "您的决定没有保存" in response.text
    application.refresh_from_db()
    assert application.status == "approved" and application.events.filter(decision="approve").count() == 2


def test_the_addresses_of_refused_forms_open_the_application_again(
    campaign, business_day, member, xihu_reviewer, city_reviewer, shangcheng
):
    application = submit(campaign, member, in_registry=False)
    signed_in(xihu_reviewer).post(f"/staff/applications/{application.application_no}/decision", {"decision": "approve"})
    city = signed_in(city_reviewer)
    base = f"/staff/applications/{application.application_no}"
    # A refused note is told on the application's page (redirected to); the form's address opened
    # again from the address bar (an older page's history) was a blank 405.
    refused = city.post(f"{base}/flags/not_in_registry/resolve", {"note": " "})
    assert refused.status_code == 302 and refused["Location"] == f"{base}#signals"
    response = city.get(f"{base}/flags/not_in_registry/resolve")
    assert response.status_code == 302 and response["Location"] == f"{base}#signals"
    response = city.get(f"{base}/decision")
    assert response.status_code == 302 and response["Location"] == f"{base}#decision"
    # Nothing was decided or resolved by opening them.
    application.refresh_from_db()
    assert application.status == "pending_city" and application.flags.get().resolved_at is None
    # Outside the caller's subtree the address still answers 404, as the application does.
    other = submit(campaign, factories.make_member(union=shangcheng, name="周强"))
    assert signed_in(xihu_reviewer).get(f"/staff/applications/{other.application_no}/decision").status_code == 404


def test_a_district_reviewer_is_told_who_resolves_a_signal(campaign, business_day, member, xihu, xihu_reviewer):
    hard = submit(campaign, member, in_registry=False)
    shared = factories.new_mobile()
    soft = [submit(campaign, factories.make_member(union=xihu, phone=shared)) for _ in range(3)]
    page = signed_in(xihu_reviewer).get(f"/staff/applications/{hard.application_no}").text
    assert "由市总工会终审人员核实并写明处理意见；处理前不能终审通过。" in page
    assert "待区县（产业）工会或市总工会审核人员核实处理" not in page  # only the city resolves (API.md roles)
    assert soft[-1].flags.filter(hard=False).exists()
    page = signed_in(xihu_reviewer).get(f"/staff/applications/{soft[-1].application_no}").text
    assert "提示信号，不影响审核决定，请审核时留意。" in page


def test_the_review_forms_are_sent_once_and_the_viewer_names_each_material_once(campaign, business_day, member, xihu_reviewer):
    application = submit(campaign, member)
    page = signed_in(xihu_reviewer).get(f"/staff/applications/{application.application_no}").text
    assert f'class="decision-form" data-decision-form data-year="{campaign.year}" data-once novalidate' in page
    # A thumbnail inside a link captioned with the material's name: its picture adds no second name.
    assert '<img alt="" data-thumb>' in page and 'alt="身份证（正反面）"' not in page
    assert 'class="viewer-heading" aria-live="polite"' in page
    assert 'data-viewer-help="pdf" hidden' in page


def test_a_resolved_signal_stays_on_its_row_marked_as_resolved(campaign, business_day, member, xihu_reviewer, city_reviewer):
    application = submit(campaign, member, in_registry=False)
    signed_in(xihu_reviewer).post(f"/staff/applications/{application.application_no}/decision", {"decision": "approve"})
    city = signed_in(city_reviewer)

    def row(query: str) -> dict:  # type: ignore[type-arg]
        return city.get(f"/staff/?{query}").context["rows"][0]

    assert row("status=&flag=not_in_registry")["flag_items"][0]["code"] == "not_in_registry"
    assert row("status=&flag=not_in_registry")["resolved_items"] == []
    city.post(f"/staff/applications/{application.application_no}/flags/not_in_registry/resolve", {"note": "已核实，证书库延迟入库。"})
    # Filtered by the signal, the row says it was resolved instead of showing no signal at all.
    found = row("status=&flag=not_in_registry")
    assert found["flag_items"] == [] and found["resolved_items"] == [{"code": "not_in_registry", "label": "人社证书库中查无此证书"}]
    assert "人社证书库中查无此证书（已处理）" in city.get("/staff/?status=&flag=not_in_registry").text
    # "Any open signal" no longer lists it; the API's rows keep only the open ones, as API.md says.
    assert city.get("/staff/?status=&flag=any").context["rows"] == []


def test_a_signal_gone_since_the_page_was_opened_is_said_so_not_a_missing_application(
    campaign, business_day, member, xihu_reviewer, city_reviewer
):
    application = submit(campaign, member, in_registry=False)
    signed_in(xihu_reviewer).post(f"/staff/applications/{application.application_no}/decision", {"decision": "approve"})
    city = signed_in(city_reviewer)
    assert "not_in_registry/resolve" in city.get(f"/staff/applications/{application.application_no}").text
    # Meanwhile the HR registry row arrives and the signal is worked out again: it is gone.
    factories.register_certificate(
        member,
        {
            "certificate_no": application.certificate_no,
            "new_level": application.new_level,
            "occupation": application.occupation,
            "certificate_issue_date": application.certificate_issue_date.isoformat(),
            "issuer": application.issuer,
        },
    )
    refresh_flags(application)
    assert not application.flags.exists()
    response = city.post(
        f"/staff/applications/{application.application_no}/flags/not_in_registry/resolve", {"note": "已核实。"}, follow=True
    )
    assert response.redirect_chain == [(f"/staff/applications/{application.application_no}#signals", 302)]
    assert "该风险信号已不存在" in response.text and "没有找到该申请" not in response.text


def test_an_application_without_stored_rule_results_says_so_and_claims_nothing(campaign, business_day, member, xihu, xihu_reviewer):
    """No stored results (an application from before the rules were kept, say): the page says
    none were kept, and neither “各项条件均符合” (all() of nothing) nor “有不符合的条件”."""
    application = submit(campaign, member)
    Application.objects.filter(pk=application.pk).update(checks=[])
    page = signed_in(xihu_reviewer).get(f"/staff/applications/{application.application_no}").text
    assert '<li class="note checks-none">没有保存资格审核结果。</li>' in page
    assert "提交时各项条件均符合" not in page and "提交时有不符合的条件" not in page
    kept = signed_in(xihu_reviewer).get(f"/staff/applications/{submit(campaign, factories.make_member(union=xihu)).application_no}").text
    assert "提交时各项条件均符合。" in kept and "checks-none" not in kept
