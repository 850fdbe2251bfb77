"""A worker whose form passes every field check but not a rule (a certificate date typed a
year wrong) keeps the three photos chosen: the refusal is shown above the form, in place, as a
typo is (decision 70), not as a new page that forgets the files."""

from __future__ import annotations

import pytest

from rewards.applications.models import Application
from tests import factories

from .conftest import HEIGHT, WIDTH, choose_files, fill_application, fits
from .test_online_chain import worker_sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHOSEN = "['id_card','certificate','bank_card'].map(k => document.querySelector('#id_' + k + '_file').files.length)"


def test_a_rule_failed_on_submission_leaves_the_photos_chosen(member, photos, live_server, page_factory):
    page = page_factory(width=WIDTH, height=HEIGHT)
    worker_sign_in(page, live_server.url, member)
    page.click("text=申请2020年度奖励")
    page.wait_for_selector("#id_occupation")
    fill_application(page, certificate_no="2020330100123", bank_card=factories.new_card())
    page.fill("#id_certificate_issue_date", "2018-06-30")  # a year before the make-up window
    choose_files(page, photos)

    page.click("button:has-text('提交申请')")

    page.wait_for_selector("text=不符合奖励条件，未能提交")
    outcome = page.inner_text("[data-precheck-outcome]")
    assert "发证时间" in outcome and "2018年6月30日" in outcome
    assert "已选择的材料仍然保留" in outcome
    assert page.evaluate(CHOSEN) == [1, 1, 1]
    assert page.input_value("#id_certificate_no") == "2020330100123"
    assert page.url.endswith("/worker/apply")
    fits(page)

    page.fill("#id_certificate_issue_date", "2020-06-30")
    page.click("button:has-text('提交申请')")
    page.wait_for_selector("#query-password")
    assert Application.objects.get(id_hash=member.id_hash).certificate_issue_date.isoformat() == "2020-06-30"
