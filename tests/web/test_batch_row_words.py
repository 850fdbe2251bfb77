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
    assert said == "该职工本年度已有申请（个人网上申报），不能重复申报：无需再由本单位填报；申请编号和进度，职工本人可凭短信登录平台查看。"
    assert online.application_no not in said
    # The clerk could not open it (a 404), so the row names no number to try.
    assert clerk.get(f"/staff/applications/{online.application_no}").status_code == 404

    # The district union entering for the same unit may open it: the number is said.
    upload(signed_in(xihu_reviewer), sheet([row_for(workers[0])]), org=xihu_grassroots.name)
    (said,) = latest_import().results[0]["errors"]
    assert said == f"该职工本年度已有申请（编号{online.application_no}，个人网上申报），不能重复申报。"


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
        == "该职工本年度已有申请（单位统一申报，由其他单位工会填报），不能重复申报：会员库中该职工属本单位，如有疑问请联系区县（产业）工会核实。"
    )
    assert other.application_no not in said


def test_the_paper_entry_names_the_application_only_to_whom_may_open_it(clerk, workers, campaign, xihu_reviewer, xihu_grassroots):
    online = _online(campaign, workers[0])
    response = clerk.post("/staff/batch/new-entry", paper_form(workers[0]))
    page = response.content.decode()
    assert response.status_code == 409 and "该职工本年度已有申请（个人网上申报），不能重复申报" in page
    assert online.application_no not in page and "查看申请" not in page
    response = signed_in(xihu_reviewer).post("/staff/batch/new-entry", {**paper_form(workers[0]), "org": xihu_grassroots.name})
    page = response.content.decode()
    assert response.status_code == 409 and f"该职工本年度已有申请（编号{online.application_no}，个人网上申报）" in page
    assert f'href="/staff/applications/{online.application_no}"' in page
    assert Application.objects.count() == 1
