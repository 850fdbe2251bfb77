"""A signal names other applications only to whom may open them (decision 221's rule, for the
signals): a 西湖区 reviewer reads the numbers of 西湖区's applications sharing the card and is
told that another unit's application shares it too, without its number; 上城区's reviewer the
other way round; the city reads every number. The stored sentence keeps every number, so a
resolution still answers the facts, and a change of facts the reader cannot see still raises
the signal again."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from rewards.applications.models import Application, Flag, FlagCode
from rewards.core.models import AuditEvent
from rewards.core.vocab import Status
from rewards.review.services import flag_resolve
from rewards.review.signal_words import _shared_as_seen
from tests import factories
from tests.api.helpers import bearer, staff_token
from tests.web.test_staff_pages import signed_in, submit

pytestmark = pytest.mark.django_db

CARD = "6222600260001072444"


@pytest.fixture
def sharing(campaign, business_day, xihu, shangcheng):  # type: ignore[no-untyped-def]
    """Two 西湖区 workers and one 上城区 worker on one bank card."""
    mine = submit(campaign, factories.make_member(union=xihu), bank_card_no=CARD)
    neighbour = submit(campaign, factories.make_member(union=xihu), bank_card_no=CARD)
    foreign = submit(campaign, factories.make_member(union=shangcheng), bank_card_no=CARD)
    for application in (mine, neighbour, foreign):
        application.refresh_from_db()
    return mine, neighbour, foreign


def names(text: str, number: str) -> bool:
    """Whether ``text`` names the application ``number``: not as the digits inside a longer
    number (a certificate number such as 202000000213 holds 2020000002)."""
    return re.search(rf"(?<!\d){number}(?!\d)", text) is not None


def api_flags(api: Client, user, number: str) -> dict[str, dict]:  # type: ignore[no-untyped-def]
    response = api.get(f"/api/v1/review/applications/{number}", **bearer(staff_token(api, user)))
    assert response.status_code == 200, response.content
    return {flag["code"]: flag for flag in response.json()["flags"]}


def test_a_district_reviewer_reads_its_own_numbers_and_a_count_of_the_others(sharing, xihu_reviewer, api):
    mine, neighbour, foreign = sharing
    stored = mine.flags.get(code=FlagCode.CARD_SHARED).message
    assert foreign.application_no in stored and neighbour.application_no in stored  # the facts, whole
    expected = f"该银行卡号也用于他人的申请（{neighbour.application_no}，另有其他单位的申请 1 份）。"

    html = signed_in(xihu_reviewer).get(f"/staff/applications/{mine.application_no}").content.decode()
    assert expected in html
    assert not names(html, foreign.application_no)

    response = api.get(f"/api/v1/review/applications/{mine.application_no}", **bearer(staff_token(api, xihu_reviewer)))
    assert response.status_code == 200
    assert not names(response.content.decode(), foreign.application_no)
    assert {flag["code"]: flag["message"] for flag in response.json()["flags"]}[FlagCode.CARD_SHARED] == expected
    assert mine.flags.get(code=FlagCode.CARD_SHARED).message == stored  # reading rewrites nothing


def test_the_other_district_reads_none_of_the_numbers(sharing, shangcheng_reviewer, api):
    mine, neighbour, foreign = sharing
    expected = "该银行卡号也用于他人的申请（其他单位的申请 2 份）。"
    html = signed_in(shangcheng_reviewer).get(f"/staff/applications/{foreign.application_no}").content.decode()
    assert expected in html
    assert not names(html, mine.application_no) and not names(html, neighbour.application_no)
    assert api_flags(api, shangcheng_reviewer, foreign.application_no)[FlagCode.CARD_SHARED]["message"] == expected


def test_the_city_reads_every_number(sharing, city_reviewer, api):
    mine, neighbour, foreign = sharing
    stored = mine.flags.get(code=FlagCode.CARD_SHARED).message
    assert stored == f"该银行卡号也用于他人的申请（{'、'.join(sorted([neighbour.application_no, foreign.application_no]))}）。"
    html = signed_in(city_reviewer).get(f"/staff/applications/{mine.application_no}").content.decode()
    assert stored in html and "其他单位的申请" not in html
    assert api_flags(api, city_reviewer, mine.application_no)[FlagCode.CARD_SHARED]["message"] == stored


def test_a_note_quoting_another_units_number_is_read_without_it(sharing, city_reviewer, xihu_reviewer, api):
    mine, neighbour, foreign = sharing
    note = f"与{foreign.application_no}、{neighbour.application_no}的申请人为同一家庭，已核实"
    flag_resolve(user=city_reviewer, application_no=mine.application_no, code=FlagCode.CARD_SHARED, note=note)
    html = signed_in(xihu_reviewer).get(f"/staff/applications/{mine.application_no}").content.decode()
    assert not names(html, foreign.application_no)
    assert f"与其他单位的申请、{neighbour.application_no}的申请人为同一家庭，已核实" in html
    flags = api_flags(api, xihu_reviewer, mine.application_no)
    assert flags[FlagCode.CARD_SHARED]["resolution_note"] == f"与其他单位的申请、{neighbour.application_no}的申请人为同一家庭，已核实"
    assert api_flags(api, city_reviewer, mine.application_no)[FlagCode.CARD_SHARED]["resolution_note"] == note
    assert Flag.objects.get(application=mine, code=FlagCode.CARD_SHARED).resolution_note == note


def test_facts_changed_out_of_the_readers_sight_still_raise_the_signal_again(campaign, sharing, city_reviewer, xihu_reviewer, shangcheng):
    """上城区's worker withdraws and another 上城区 worker uses the card: the 西湖区 reviewer reads
    the same sentence as before, the facts the note answered are not the same, so the signal is
    raised again; read again and again with nothing changed, a resolution stays."""
    mine, neighbour, foreign = sharing
    flag_resolve(user=city_reviewer, application_no=mine.application_no, code=FlagCode.CARD_SHARED, note="同一家庭，已核实")
    client = signed_in(xihu_reviewer)
    before = client.get(f"/staff/applications/{mine.application_no}").content.decode()
    client.get(f"/staff/applications/{mine.application_no}")
    assert Flag.objects.get(application=mine, code=FlagCode.CARD_SHARED).resolved_at is not None
    assert not AuditEvent.objects.filter(action="review.flag_reraised").exists()

    Application.objects.filter(pk=foreign.pk).update(status=Status.WITHDRAWN)
    newcomer = submit(campaign, factories.make_member(union=shangcheng), bank_card_no=CARD)  # mirrors onto the others
    flag = Flag.objects.get(application=mine, code=FlagCode.CARD_SHARED)
    assert newcomer.application_no in flag.message and foreign.application_no not in flag.message
    assert flag.resolved_at is None
    assert AuditEvent.objects.get(action="review.flag_reraised", object_id=str(mine.pk)).detail["note"] == "同一家庭，已核实"
    after = client.get(f"/staff/applications/{mine.application_no}").content.decode()
    sentence = f"该银行卡号也用于他人的申请（{neighbour.application_no}，另有其他单位的申请 1 份）。"
    assert sentence in before and sentence in after  # the same words: only the stored facts tell
    assert not names(after, newcomer.application_no)
    # The earlier sentence, with 上城区's number, is in the audit log: which a district reviewer cannot read.
    entry = AuditEvent.objects.get(action="review.flag_reraised", object_id=str(mine.pk))
    assert foreign.application_no in entry.detail["was"]
    assert client.get("/staff/audit").status_code == 403 and client.get(f"/staff/audit/{entry.pk}").status_code == 403


def test_each_years_group_counts_what_it_leaves_out():
    message = "该证书编号也用于他人的申请（2021000003、2021000004；2020年度：2020000005；2019年度：2019000001、2019000002）。"
    assert _shared_as_seen(message, frozenset()) == message
    assert (
        _shared_as_seen(message, frozenset({"2021000004", "2020000005", "2019000001"}))
        == "该证书编号也用于他人的申请（2021000003，另有其他单位的申请 1 份；2020年度：其他单位的申请 1 份；2019年度：2019000002，另有其他单位的申请 1 份）。"
    )
    assert _shared_as_seen("该银行卡号也用于他人的申请。", frozenset({"2021000003"})) is None  # not the listing sentence


def test_numbers_that_are_no_applications_read_as_written(campaign, business_day, xihu, xihu_reviewer, city_reviewer, api):
    """A certificate number in 人社证书库中没有编号为…的证书 and a mobile in a resolution note are
    nobody's application: a district reviewer reads them as written, not as “其他单位的申请”."""
    application = submit(campaign, factories.make_member(union=xihu), in_registry=False)
    flag = application.flags.get(code=FlagCode.NOT_IN_REGISTRY)
    assert application.certificate_no in flag.message and re.fullmatch(r"\d{10,20}", application.certificate_no)
    note = "已电话联系 13812345678 核实，证书在补录中"
    flag_resolve(user=city_reviewer, application_no=application.application_no, code=FlagCode.NOT_IN_REGISTRY, note=note)
    html = signed_in(xihu_reviewer).get(f"/staff/applications/{application.application_no}").content.decode()
    assert flag.message in html and note in html and "其他单位的申请" not in html
    flags = api_flags(api, xihu_reviewer, application.application_no)
    assert (flags[FlagCode.NOT_IN_REGISTRY]["message"], flags[FlagCode.NOT_IN_REGISTRY]["resolution_note"]) == (flag.message, note)


def test_a_listed_number_of_no_application_is_still_left_out(sharing, xihu_reviewer, api):
    """In the listing sentence every number is an application's: one no longer found (purged)
    is counted, not shown."""
    mine, neighbour, _ = sharing
    Flag.objects.filter(application=mine, code=FlagCode.CARD_SHARED).update(
        message=f"该银行卡号也用于他人的申请（{neighbour.application_no}；2019年度：2019999999）。"
    )
    expected = f"该银行卡号也用于他人的申请（{neighbour.application_no}；2019年度：其他单位的申请 1 份）。"
    assert api_flags(api, xihu_reviewer, mine.application_no)[FlagCode.CARD_SHARED]["message"] == expected
