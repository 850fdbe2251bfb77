"""What a row of the batch sheet (and the paper entry) says to the clerk: a row imported before
(已存在) is information, not a problem; a name the member registry holds otherwise says what the
clerk can do; a person applying via another channel is refused with the application's number
only for whom may open that application (decision 19)."""

from __future__ import annotations

import re

import pytest

from rewards.applications.models import Application
from tests import factories
from tests.batches.sheets import row_for, sheet

from .test_batch_pages import latest_import, mixed_rows, paper_form, signed_in, upload

pytestmark = pytest.mark.django_db


def _cell(page: str, name: str) -> str:
    """The 问题 / 申请编号 cell of the row of ``name``."""
    row = re.search(rf"<td class=\"nowrap\">{re.escape(name)}</td>(.*?)</tr>", page, re.S)
    assert row, name
    return row.group(1)


def test_rows_imported_before_read_as_information_and_the_counts_say_new_unchanged_refused(clerk, workers):
    content = sheet(mixed_rows(workers))
    upload(clerk, content)
    saved = clerk.post(f"/staff/batch/{latest_import().pk}/save", follow=True).content.decode()
    assert re.search(r"<strong>3</strong><span>新增保存</span>", saved)
    assert re.search(r"<strong>0</strong><span>已存在，未重复保存</span>", saved)
    assert re.search(r"<strong>2</strong><span>有问题，未导入</span>", saved)

    upload(clerk, sheet([*mixed_rows(workers), row_for(workers[5], seq="6")]))
    page = clerk.get(f"/staff/batch/{latest_import().pk}/").content.decode()
    assert re.search(r"<strong>1</strong><span>可导入（新申请）</span>", page)
    assert re.search(r"<strong>3</strong><span>已存在，不重复保存</span>", page)
    assert re.search(r"<strong>2</strong><span>有问题，不导入</span>", page)
    before = Application.objects.get(id_hash=workers[0].id_hash)
    cell = _cell(page, workers[0].name)
    assert "row-errors" not in cell and 'class="row-info"' in cell
    assert f'href="/staff/applications/{before.application_no}"' in cell and "此前已导入，未重复保存" in cell
    assert f"本单位已填报该职工的申请（编号{before.application_no}，待基层工会初审），本行没有保存。" in cell
    assert "row-errors" in _cell(page, workers[4].name)  # a refused row is still said as a problem
    assert page.count('class="row-errors"') == 2


def test_a_name_the_registry_holds_otherwise_says_what_the_clerk_can_do(clerk, workers):
    upload(clerk, sheet([row_for(workers[0], name="王小明")]))
    said = " ".join(latest_import().results[0]["errors"])
    assert "请向该职工核实，对照其身份证核对填写的姓名和身份证号码（号码有误时会查到他人的登记）" in said
    assert "须由该职工所在单位的基层工会更正会员信息，待会员库更新后再申报" in said
    assert "联系所在单位工会" not in said


def _online(campaign, member):  # type: ignore[no-untyped-def]
    return factories.make_application(campaign=campaign, member=member, status="pending_district")


def test_a_clerk_is_not_told_the_number_of_an_application_it_cannot_open(clerk, workers, campaign, xihu_reviewer, xihu_grassroots):
    online = _online(campaign, workers[0])
    upload(clerk, sheet([row_for(workers[0])]))
    (said,) = latest_import().results[0]["errors"]
    assert (
        said == "该职工2020年度已有申请（个人网上申报），不能重复申报：无需再由本单位填报；申请编号和进度，职工本人可凭短信登录平台查看。"
    )
    assert online.application_no not in said
    # The clerk could not open it (a 404), so the row names no number to try.
    assert clerk.get(f"/staff/applications/{online.application_no}").status_code == 404

    # The district union entering for the same unit may open it: the number is said.
    upload(signed_in(xihu_reviewer), sheet([row_for(workers[0])]), org=xihu_grassroots.name)
    (said,) = latest_import().results[0]["errors"]
    assert said == f"该职工2020年度已有申请（编号{online.application_no}，个人网上申报），不能重复申报。"


def test_another_unions_application_of_the_clerks_member_is_refused_without_its_number(clerk, workers, campaign, shangcheng_grassroots):
    other = factories.make_application(
        campaign=campaign,
        member=workers[0],
        status="pending_grassroots",
        channel="batch",
        submitting_org=shangcheng_grassroots,
        grassroots_union=shangcheng_grassroots,
    )
    upload(clerk, sheet([row_for(workers[0])]))
    (said,) = latest_import().results[0]["errors"]
    assert (
        said
        == "该职工2020年度已有申请（单位统一申报，由其他单位工会填报），不能重复申报：会员库中该职工属本单位，如有疑问请联系区县（产业）工会核实。"
    )
    assert other.application_no not in said


def test_the_paper_entry_names_the_application_only_to_whom_may_open_it(clerk, workers, campaign, xihu_reviewer, xihu_grassroots):
    online = _online(campaign, workers[0])
    response = clerk.post("/staff/batch/new-entry", paper_form(workers[0]))
    page = response.content.decode()
    assert response.status_code == 409 and "该职工2020年度已有申请（个人网上申报），不能重复申报" in page
    assert online.application_no not in page and "查看申请" not in page
    response = signed_in(xihu_reviewer).post("/staff/batch/new-entry", {**paper_form(workers[0]), "org": xihu_grassroots.name})
    page = response.content.decode()
    assert response.status_code == 409 and f"该职工2020年度已有申请（编号{online.application_no}，个人网上申报）" in page
    assert f'href="/staff/applications/{online.application_no}"' in page
    assert Application.objects.count() == 1


# --- the once-a-year rule's own words (decision 221 for the rule's refusal too) -----------------------


def _withdrawn_while_checked(monkeypatch, module, name, application):  # type: ignore[no-untyped-def]
    """The worker withdraws ``application`` while the row is being checked: the rules saw it
    live, the look-up for the person's live application that runs after them does not, and the
    refusal is the once-a-year rule's own, naming the application."""
    judged = getattr(module, name)

    def judge_then_withdraw(*args, **kwargs):  # type: ignore[no-untyped-def]
        answer = judged(*args, **kwargs)
        Application.objects.filter(pk=application.pk).update(status="withdrawn")
        return answer

    monkeypatch.setattr(module, name, judge_then_withdraw)


def test_a_rule_refusal_names_the_application_only_to_whom_may_open_it(
    monkeypatch, clerk, workers, campaign, xihu_reviewer, xihu_grassroots
):
    from rewards.batches import services

    online = _online(campaign, workers[0])
    _withdrawn_while_checked(monkeypatch, services, "judge_many", online)
    upload(clerk, sheet([row_for(workers[0])]))
    (said,) = latest_import().results[0]["errors"]
    # Told the fact and the channel, not a number it could not open.
    assert said.startswith("该职工已有一份2020年度申请（个人网上申报）正在办理中。") and online.application_no not in said

    Application.objects.filter(pk=online.pk).update(status="pending_district")
    upload(signed_in(xihu_reviewer), sheet([row_for(workers[0])]), org=xihu_grassroots.name)
    (said,) = latest_import().results[0]["errors"]
    assert said.startswith(f"该职工已有一份2020年度申请（申请编号{online.application_no}）正在办理中。")


def test_the_paper_entrys_rule_refusal_names_the_application_only_to_whom_may_open_it(
    monkeypatch, clerk, workers, campaign, xihu_reviewer, xihu_grassroots
):
    from rewards.batches import entry

    online = _online(campaign, workers[0])
    _withdrawn_while_checked(monkeypatch, entry, "judge", online)
    page = clerk.post("/staff/batch/new-entry", paper_form(workers[0])).content.decode()
    assert "该职工已有一份2020年度申请（个人网上申报）正在办理中" in page
    assert online.application_no not in page  # nor in the rule results listed under the form

    Application.objects.filter(pk=online.pk).update(status="pending_district")
    district = signed_in(xihu_reviewer)
    page = district.post("/staff/batch/new-entry", {**paper_form(workers[0]), "org": xihu_grassroots.name}).content.decode()
    assert f"该职工已有一份2020年度申请（申请编号{online.application_no}）正在办理中" in page
    assert not Application.objects.filter(channel="batch").exists()


@pytest.mark.parametrize(
    ("status", "words"),
    [
        ("approved", "该职工已获得2020年度奖励{said}，同一对象每年度仅限享受一次奖励。"),
        ("rejected", "该职工的2020年度申请{said}已被决定不予奖励，不能再次申请2020年度奖励。"),
    ],
)
def test_the_award_of_another_union_is_said_without_its_number(
    status, words, workers, campaign, shangcheng_grassroots, xihu_grassroots, xihu
):
    from rewards.batches.refusals import in_staff_words
    from rewards.eligibility.facts import PriorApplication, RegistryFacts
    from rewards.eligibility.rules import rule_once
    from rewards.eligibility.selectors import campaign_terms

    def said(application, visible):  # type: ignore[no-untyped-def]
        prior = PriorApplication(application_no=application.application_no, status=status)
        check = rule_once(campaign_terms(campaign, union_id=None), RegistryFacts(None, True, False, same_campaign=(prior,)))
        assert not check.passed
        return in_staff_words([check.message], visible=frozenset(visible))[0]

    theirs = factories.make_application(
        campaign=campaign,
        member=workers[0],
        status=status,
        channel="batch",
        submitting_org=shangcheng_grassroots,
        grassroots_union=shangcheng_grassroots,
        union=shangcheng_grassroots.parent,
    )
    # Another union's clerk (and the district above the clerk): the fact and the channel.
    assert said(theirs, {xihu_grassroots.pk}) == words.format(said="（单位统一申报，由其他单位工会填报）")
    assert said(theirs, {xihu.pk, xihu_grassroots.pk}) == words.format(said="（单位统一申报，由其他单位工会填报）")
    # The union that entered it, and the city: the number.
    assert said(theirs, {shangcheng_grassroots.pk}) == words.format(said=f"（申请编号{theirs.application_no}）")
    # A worker's own online application: the channel.
    Application.objects.filter(pk=theirs.pk).update(channel="online", submitting_org=None)
    assert said(theirs, {xihu_grassroots.pk}) == words.format(said="（个人网上申报）")
    assert said(theirs, {shangcheng_grassroots.parent.pk}) == words.format(said=f"（申请编号{theirs.application_no}）")


# --- the paper entry's own refusals name the campaign's year (as the rules do, decision 233) -----


def test_the_paper_entry_of_a_person_the_union_entered_before_names_the_year(clerk, workers):
    first = clerk.post("/staff/batch/new-entry", paper_form(workers[0]))
    assert first.status_code == 302
    number = Application.objects.get().application_no
    response = clerk.post("/staff/batch/new-entry", paper_form(workers[0]))
    page = response.content.decode()
    assert response.status_code == 409
    assert f"该职工2020年度已有申请（编号{number}，本单位已录入），不能重复申报。" in page
    assert "本年度" not in page and Application.objects.count() == 1


def test_the_paper_entry_of_a_person_who_applied_meanwhile_names_the_year(clerk, workers, monkeypatch):
    """Checked clean, then the person's application arrived before the save (another tab)."""
    from rewards.batches import entry

    monkeypatch.setattr(entry, "entry_save", lambda **kwargs: None)
    response = clerk.post("/staff/batch/new-entry", paper_form(workers[0]))
    assert response.status_code == 409
    assert "该职工2020年度已有申请，不能重复申报。" in response.content.decode()
    assert not Application.objects.exists()
