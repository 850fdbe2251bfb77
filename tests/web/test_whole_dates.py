"""``whole_dates``: a date in a rule's message (and in the worker's next step and opinions) goes in
a ``nowrap`` span, the rest escaped; the layout itself is checked in Chromium
(tests/browser/test_rule_message_dates.py)."""

from __future__ import annotations

import pytest
from django.utils.safestring import SafeData, mark_safe

from rewards.web.templatetags.words import whole_dates

from .test_worker_notice_and_check import check_form


def test_each_date_and_campaign_year_is_wrapped_and_the_rest_escaped():
    said = whole_dates("发证时间2019年6月30日在补申报范围（2018年12月1日至2019年11月30日）内，<b>2019年度</b> & 2020年12月。")
    assert isinstance(said, SafeData)
    assert said == (
        '发证时间<span class="nowrap">2019年6月30日</span>在补申报范围（<span class="nowrap">2018年12月1日</span>至'
        '<span class="nowrap">2019年11月30日</span>）内，&lt;b&gt;<span class="nowrap">2019年度</span>&lt;/b&gt; &amp; '
        '<span class="nowrap">2020年12月</span>。'
    )
    assert whole_dates("2020年发证") == '<span class="nowrap">2020年</span>发证'


@pytest.mark.parametrize(
    "plain",
    ["2020000001", "申请编号2020000001", "发证时间不在范围内。", "20201年度", "第2020行"],
    ids=["编号", "带标签的编号", "无日期", "五位数字", "不带年"],
)
def test_what_is_no_date_stays_as_it_was(plain):
    assert whole_dates(plain) == plain


def test_nothing_and_markup_already_safe():
    assert whole_dates(None) == ""
    made = mark_safe("<em>2020年6月30日</em>")  # nosec B308 B703 - a literal
    assert whole_dates(made) is made


@pytest.mark.django_db
@pytest.mark.usefixtures("private_storage")
def test_the_self_check_wraps_its_dates(client, today, member):
    body = client.post("/worker/check", check_form(member, certificate_issue_date="2019-06-30")).content.decode()
    assert '（<span class="nowrap">2018年12月1日</span>至<span class="nowrap">2019年11月30日</span>）' in body
    assert '<span class="nowrap">2020年12月15日</span>（含当日）' in body
