"""Refused staff forms in the browser. A signal note and a review decision that the server refuses
(another reviewer was quicker) bring the reviewer back to the application's page with the Chinese
sentence and what was typed, so that reloading it or going Back opens a page and posts nothing
again."""

from __future__ import annotations

import pytest

from rewards.applications.models import Application
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
