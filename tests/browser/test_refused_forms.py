"""Refused staff forms in the browser. A signal note and a review decision that the server refuses
(another reviewer was quicker) bring the reviewer back to the application's page with the Chinese
sentence and what was typed, so that reloading it or going Back opens a page and posts nothing
again. The economic department's 不同意 asks for its opinion before the confirmation dialog."""

from __future__ import annotations

import pytest

from rewards.applications.models import Application
from rewards.campaigns.declarations import occupation_declare
from rewards.campaigns.models import DeclarationStatus, OccupationDeclaration
from rewards.campaigns.services import campaign_load_notice
from rewards.organisations.models import Role
from rewards.organisations.selectors import organisation_by_name
from rewards.organisations.services import staff_create
from rewards.review.services import flag_resolve, review_decide
from tests import factories
from tests.web.test_staff_pages import submit

from .conftest import STAFF_PASSWORD
from .test_declarations_training import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def waiting(settings, tmp_path):  # type: ignore[no-untyped-def]
    """One 西湖区 application at 终审 with a hard signal (certificate not in the HR registry), and
    two city reviewers: 陈 in the browser, 林 in another office."""
    settings.APP_TODAY = "2020-10-15"
    private = {"location": str(tmp_path / "private"), "base_url": None}
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": private}}
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    campaign, _ = campaign_load_notice(year=2020)
    city = organisation_by_name("杭州市总工会")
    xihu = organisation_by_name("西湖区总工会")
    district = staff_create(username="xihu.reviewer", role=Role.DISTRICT_REVIEWER, organisation=xihu, password=STAFF_PASSWORD)
    staff_create(username="city.reviewer", role=Role.CITY_REVIEWER, organisation=city, password=STAFF_PASSWORD, full_name="陈终审")
    other = staff_create(
        username="city.reviewer.b", role=Role.CITY_REVIEWER, organisation=city, password=STAFF_PASSWORD, full_name="林终审"
    )
    application = submit(campaign, factories.make_member(union=xihu, name="王建国"), in_registry=False)
    review_decide(user=district, application_no=application.application_no, decision="approve")
    return {"application": application, "other": other}


def test_a_refused_note_and_decision_come_back_to_the_page_with_what_was_typed(waiting, live_server, page_factory):
    application, other = waiting["application"], waiting["other"]
    number = application.application_no
    page = page_factory(1366, 900)
    base = live_server.url
    sign_in(page, base, "city.reviewer")
    detail = f"{base}/staff/applications/{number}"
    page.goto(detail)

    # 陈 writes a note on the signal; 林 resolves it first.
    page.fill("#note-not_in_registry", "已电话联系人社局，证书延迟入库")
    flag_resolve(user=other, application_no=number, code="not_in_registry", note="证书库延迟入库，已核实。")
    page.click(".resolve-form button[type=submit]")
    page.wait_for_selector("#signals .form-error")
    assert page.url == f"{detail}#signals"
    assert "您的处理说明没有保存：该风险信号已处理。" in page.inner_text("#signals")
    assert "已电话联系人社局，证书延迟入库" in page.inner_text("#signals")

    # 陈 returns it with an opinion; 林 has approved it meanwhile.
    page.check("input[name=decision][value=return]")
    page.fill("#opinion", "证书照片不清晰，请重新上传。")
    review_decide(user=other, application_no=number, decision="approve")
    page.click(".decision-form button[type=submit]")
    page.wait_for_selector("#decision .form-error")
    assert page.url == f"{detail}#decision"
    said = page.inner_text("#decision")
    assert "您的决定没有保存：杭州市总工会 " in said and "作出“通过”决定" in said
    assert "证书照片不清晰，请重新上传。" in said  # kept, to copy

    # Reloading and going Back open pages: no form is posted again, no browser question.
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    response = page.reload()
    assert response is not None and response.request.method == "GET" and response.status == 200
    assert page.locator("#decision .form-error").count() == 0  # told once
    response = page.go_back()
    assert response is not None and response.request.method == "GET"
    assert "/decision" not in page.url and "/resolve" not in page.url
    assert dialogs == []
    application = Application.objects.get(pk=application.pk)
    assert application.status == "approved" and application.events.filter(decision="return").count() == 0
    assert application.flags.get().resolution_note == "证书库延迟入库，已核实。"


@pytest.fixture
def declared(settings):  # type: ignore[no-untyped-def]
    settings.APP_TODAY = "2020-08-20"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    campaign_load_notice(year=2020)
    city = organisation_by_name("杭州市总工会")
    xihu = organisation_by_name("西湖区总工会")
    union = staff_create(username="xihu.reviewer", role=Role.DISTRICT_REVIEWER, organisation=xihu, password=STAFF_PASSWORD)
    staff_create(username="economic", role=Role.ECONOMIC_OFFICER, organisation=city, password=STAFF_PASSWORD, full_name="赵敏")
    return occupation_declare(user=union, occupation="无人机驾驶员", reason="辖区无人机企业集中。")


def test_disagreeing_asks_for_the_opinion_before_the_confirmation(declared, live_server, page_factory):
    page = page_factory(1440, 900)
    sign_in(page, live_server.url, "economic")
    page.goto(f"{live_server.url}/staff/occupations/")
    card = page.locator(f"#declaration-{declared.pk}")
    asked: list[str] = []
    page.on("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))

    card.locator("input[value=reject]").check()
    card.locator("button[type=submit]").click()
    problem = card.locator("[data-decision-problem]")
    problem.wait_for()
    assert problem.inner_text() == "不同意时请填写经济部意见，意见将告知申报的工会。"
    assert asked == []  # no confirmation for a form that would be refused
    assert card.locator("textarea[name=opinion]").evaluate("(field) => field === document.activeElement")
    assert OccupationDeclaration.objects.get(pk=declared.pk).status == DeclarationStatus.PENDING

    # With its opinion the choice is confirmed, then saved; the problem line goes as it is typed.
    card.locator("textarea[name=opinion]").fill("该职业已有国家职业资格，不属于非通用性职业。")
    assert problem.count() == 0
    card.locator("button[type=submit]").click()
    page.wait_for_selector(".flash-success")
    assert len(asked) == 1 and asked[0].startswith("不同意西湖区总工会申报的“无人机驾驶员”？")
    assert OccupationDeclaration.objects.get(pk=declared.pk).status == DeclarationStatus.REJECTED
