"""非通用性职业 and 培训计划 pages with the Django test client: the union declares (places left
and the deadline shown), the economic department decides with an opinion, the union records and
updates its plans, the city sees totals; who sees which link and page; downloads."""

from __future__ import annotations

import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

import rewards.web
from rewards.campaigns.declarations import occupation_declare
from rewards.campaigns.models import OccupationDeclaration
from rewards.campaigns.setup.year_copy import campaign_copy
from rewards.core.models import AuditEvent
from rewards.organisations.services import staff_create
from rewards.training.models import TrainingPlan
from rewards.web.staff import refusals

pytestmark = pytest.mark.django_db

DECLARATIONS = "/staff/occupations/"
TRAINING = "/staff/training/"


def signed_in(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    return client


@pytest.fixture
def before_deadline(business_day):  # type: ignore[no-untyped-def]
    business_day("2020-08-20")


def text(response) -> str:  # type: ignore[no-untyped-def]
    return response.content.decode()


# 非通用性职业 ------------------------------------------------------------------------------


def test_the_union_page_shows_places_left_and_the_deadline(campaign, xihu_reviewer, before_deadline):
    occupation_declare(user=xihu_reviewer, occupation="无人机驾驶员", reason="产业集聚。")

    page = text(signed_in(xihu_reviewer).get(DECLARATIONS))

    assert '<strong data-testid="remaining">2</strong>' in page
    assert "2020年8月30日" in page and "还剩 11 天" in page
    assert "无人机驾驶员" in page and "产业集聚。" in page
    assert 'action="/staff/occupations/declare"' in page


def test_declaring_from_the_page(campaign, xihu, xihu_reviewer, before_deadline):
    client = signed_in(xihu_reviewer)

    response = client.post(f"{DECLARATIONS}declare", {"occupation": "茶艺师", "reason": "西湖龙井茶文化产业。"}, follow=True)

    assert response.status_code == 200
    assert "已申报“茶艺师”" in text(response)
    declaration = OccupationDeclaration.objects.get()
    assert (declaration.union, declaration.occupation, declaration.declared_by) == (xihu, "茶艺师", xihu_reviewer)


def test_a_declaration_and_its_decision_are_dated_on_the_business_date(campaign, xihu_reviewer, economic_officer, before_deadline):
    """With APP_TODAY (the demo, a training run) a declaration made on 2020-08-20 read 申报 in the
    real year, after the deadline it was made before; its 审核 the same (decision 84's rule)."""
    signed_in(xihu_reviewer).post(f"{DECLARATIONS}declare", {"occupation": "茶艺师", "reason": "西湖龙井茶文化产业。"})
    declaration = OccupationDeclaration.objects.get()
    signed_in(economic_officer).post(f"{DECLARATIONS}{declaration.pk}/decision", {"decision": "approve", "opinion": "同意备案。"})

    declaration.refresh_from_db()
    assert declaration.status == "approved"
    assert timezone.localtime(declaration.created_at).date().isoformat() == "2020-08-20"
    assert timezone.localtime(declaration.decided_at).date().isoformat() == "2020-08-20"
    page = text(signed_in(xihu_reviewer).get(DECLARATIONS))
    assert page.count("2020-08-20 ") == 2


def test_a_declaration_without_a_reason_keeps_what_was_typed(campaign, xihu_reviewer, before_deadline):
    response = signed_in(xihu_reviewer).post(f"{DECLARATIONS}declare", {"occupation": "民航乘务员", "reason": " "}, follow=True)

    assert response.redirect_chain == [(f"{DECLARATIONS}#declare-title", 302)]  # told on the page (POST-redirect-GET)
    page = text(response)
    assert "请填写申报理由" in page and 'value="民航乘务员"' in page
    assert not OccupationDeclaration.objects.exists()


def test_the_fourth_declaration_is_refused_on_the_page(campaign, xihu_reviewer, before_deadline):
    for name in ("甲职业", "乙职业", "丙职业"):
        occupation_declare(user=xihu_reviewer, occupation=name, reason="理由")

    response = signed_in(xihu_reviewer).post(f"{DECLARATIONS}declare", {"occupation": "丁职业", "reason": "我的理由"}, follow=True)

    assert response.redirect_chain == [(f"{DECLARATIONS}#declare-title", 302)]
    page = text(response)
    assert "已达上限3项" in page and '<strong data-testid="remaining">0</strong>' in page
    assert OccupationDeclaration.objects.count() == 3


def test_after_the_deadline_the_form_is_gone(campaign, xihu_reviewer, business_day):
    business_day("2020-09-01")

    page = text(signed_in(xihu_reviewer).get(DECLARATIONS))

    assert page.count("非通用性职业申报已于2020年8月30日截止") == 1  # said once, where the form was
    assert '<span class="tag">已截止</span>' in page  # beside the deadline
    assert 'action="/staff/occupations/declare"' not in page
    # The unused places are no longer places to declare (it said "3 项还可申报").
    assert "项还可申报" not in page
    assert '<strong data-testid="remaining">3</strong><span>项名额未用（申报已截止）</span>' in page


def test_next_years_campaign_not_yet_open_is_not_called_past(campaign, xihu_reviewer, administrator, business_day):
    """In October 2020 the city has already copied 2021: its page is not 往年 (a past year) and
    does not say "不能再申报" (no longer), it says from when declaring opens."""
    campaign_copy(from_year=2020, to_year=2021, acting_user=administrator)
    business_day("2020-10-15")

    page = text(signed_in(xihu_reviewer).get(f"{DECLARATIONS}?year=2021"))

    assert "2021年度活动自2021年3月26日起受理申报" in page
    assert "往年" not in page and "不能再申报" not in page
    assert '<strong data-testid="remaining">3</strong><span>项名额（尚未开始受理）</span>' in page
    assert 'action="/staff/occupations/declare"' not in page


def test_between_campaigns_the_coming_one_says_when_declaring_opens(campaign, xihu_reviewer, administrator, business_day):
    """After 2020's grace and before 2021 opens, 2021 is the page's year: declaring has not
    started yet, which is not "不能再申报"."""
    campaign_copy(from_year=2020, to_year=2021, acting_user=administrator)
    business_day("2021-01-10")

    page = text(signed_in(xihu_reviewer).get(DECLARATIONS))

    assert "2021年度申报情况" in page and "2021年度活动自2021年3月26日起受理申报" in page
    assert "不能再申报" not in page and "项还可申报" not in page
    assert 'action="/staff/occupations/declare"' not in page


def test_a_past_year_still_reads_as_past(campaign, xihu_reviewer, administrator, business_day):
    campaign_copy(from_year=2020, to_year=2021, acting_user=administrator)
    business_day("2021-04-01")

    page = text(signed_in(xihu_reviewer).get(f"{DECLARATIONS}?year=2020"))

    assert "<span>项名额未用（往年）</span>" in page and "这是往年的申报记录，只能查看。" in page


def test_the_economic_officer_sees_pending_ones_and_decides(
    campaign, xihu_reviewer, shangcheng_reviewer, economic_officer, before_deadline
):
    mine = occupation_declare(user=xihu_reviewer, occupation="无人机驾驶员", reason="本区无人机企业集聚。")
    occupation_declare(user=shangcheng_reviewer, occupation="中式面点师", reason="老字号集中。")
    client = signed_in(economic_officer)

    page = text(client.get(DECLARATIONS))
    refused = client.post(f"{DECLARATIONS}{mine.pk}/decision", {"decision": "reject", "opinion": ""}, follow=True)
    # The form is novalidate: the server says it, on the page (redirected to), keeping the opinion.
    undecided = client.post(f"{DECLARATIONS}{mine.pk}/decision", {"opinion": "同意备案。"}, follow=True)
    assert undecided.redirect_chain == [(f"{DECLARATIONS}#declaration-{mine.pk}", 302)]
    assert "请选择“备案同意”或“不同意”" in text(undecided) and ">同意备案。</textarea>" in text(undecided)
    done = client.post(f"{DECLARATIONS}{mine.pk}/decision", {"decision": "approve", "opinion": "同意备案。"}, follow=True)

    assert "本区无人机企业集聚。" in page and "老字号集中。" in page
    assert f'action="/staff/occupations/{mine.pk}/decision"' in page
    assert refused.redirect_chain and "请填写意见" in text(refused) and 'value="reject" required checked' in text(refused)
    assert "已备案同意西湖区总工会申报的“无人机驾驶员”" in text(done)
    mine.refresh_from_db()
    assert mine.status == "approved" and mine.opinion == "同意备案。"


def test_a_decision_asks_for_confirmation_naming_the_choice(campaign, xihu_reviewer, economic_officer, before_deadline):
    """A decision is made once: the form carries the confirmation of each choice, which
    staff-programme.js puts in data-confirm when it is chosen (staff-forms.js then asks)."""
    occupation_declare(user=xihu_reviewer, occupation="无人机驾驶员", reason="理由")

    page = text(signed_in(economic_officer).get(DECLARATIONS))

    assert (
        'data-confirm-approve="备案同意西湖区总工会申报的“无人机驾驶员”？同意后该工会职工持此职业国家行业主管部门证书的即可申请奖励。审核后不能更改。"'
        in page
    )
    assert 'data-confirm-reject="不同意西湖区总工会申报的“无人机驾驶员”？审核后不能更改。"' in page
    script = (Path(rewards.web.__file__).parent / "static" / "web" / "staff-programme.js").read_text()
    assert '"data-confirm-" + radio.value' in script and 'setAttribute("data-confirm"' in script


def test_a_decision_on_a_declaration_withdrawn_meanwhile_is_refused_at_the_top_of_the_page(
    campaign, xihu_reviewer, shangcheng_reviewer, economic_officer, before_deadline
):
    """The officer's page still shows the card; the district withdraws; the card the refusal
    would stand beside is gone, so the refusal is shown at the top."""
    withdrawn = occupation_declare(user=xihu_reviewer, occupation="无人机驾驶员", reason="理由")
    decided = occupation_declare(user=xihu_reviewer, occupation="茶艺师", reason="理由")
    occupation_declare(user=shangcheng_reviewer, occupation="中式面点师", reason="老字号集中。")
    officer = signed_in(economic_officer)
    signed_in(xihu_reviewer).post(f"{DECLARATIONS}{withdrawn.pk}/withdraw")

    response = officer.post(f"{DECLARATIONS}{withdrawn.pk}/decision", {"decision": "approve", "opinion": "同意备案。"}, follow=True)

    assert response.redirect_chain == [(f"{DECLARATIONS}#declaration-{withdrawn.pk}", 302)]
    page = text(response)
    notice = '<p class="form-error" role="alert" id="decision-notice">西湖区总工会申报的“无人机驾驶员”已被撤回，您的决定未保存。</p>'
    assert notice in page and page.index(notice) < page.index('id="pending-title"')
    assert f'id="declaration-{withdrawn.pk}"' not in page and "中式面点师" in page
    withdrawn.refresh_from_db()
    assert withdrawn.status == "withdrawn" and withdrawn.decided_by is None
    # Decided meanwhile (another tab): said the same way, naming the decision that stands.
    officer.post(f"{DECLARATIONS}{decided.pk}/decision", {"decision": "approve", "opinion": ""})
    again = text(officer.post(f"{DECLARATIONS}{decided.pk}/decision", {"decision": "reject", "opinion": "不同意。"}, follow=True))
    assert "西湖区总工会申报的“茶艺师”已审核（已备案同意），您的决定未保存。" in again
    # A refusal about a card still pending stays beside it, with nothing at the top.
    pending = OccupationDeclaration.objects.get(occupation="中式面点师")
    beside = text(officer.post(f"{DECLARATIONS}{pending.pk}/decision", {"decision": "reject", "opinion": ""}, follow=True))
    assert "请填写意见" in beside and 'id="decision-notice"' not in beside


def test_the_withdraw_confirmation_says_whether_the_place_can_be_used_again(campaign, xihu_reviewer, business_day):
    business_day("2020-08-20")
    occupation_declare(user=xihu_reviewer, occupation="无人机驾驶员", reason="理由")
    client = signed_in(xihu_reviewer)
    assert 'data-confirm="撤回“无人机驾驶员”的申报？撤回后名额空出，截止日前可以重新申报。"' in text(client.get(DECLARATIONS))

    business_day("2020-09-01")  # after the declaration deadline (2020-08-30), still pending
    page = text(client.get(DECLARATIONS))
    assert 'data-confirm="撤回“无人机驾驶员”的申报？申报已于2020年8月30日截止，撤回后本年度不能再申报。"' in page
    assert "截止日前可以重新申报" not in page
    done = text(client.post(f"{DECLARATIONS}{OccupationDeclaration.objects.get().pk}/withdraw", follow=True))
    assert "已撤回“无人机驾驶员”的申报。2020年度的申报已截止，不能再申报。" in done and "名额已空出" not in done


def test_the_city_counts_per_union_leave_withdrawn_declarations_out(
    campaign, xihu_reviewer, shangcheng_reviewer, economic_officer, before_deadline
):
    """A withdrawn declaration was never put forward (Annex 5 leaves it out): the 申报 column,
    the number of declaring unions and the 合计 line do not count it."""
    withdrawn = occupation_declare(user=xihu_reviewer, occupation="无人机驾驶员", reason="理由")
    signed_in(xihu_reviewer).post(f"{DECLARATIONS}{withdrawn.pk}/withdraw")
    occupation_declare(user=shangcheng_reviewer, occupation="中式面点师", reason="老字号集中。")
    occupation_declare(user=shangcheng_reviewer, occupation="调酒师", reason="酒店集中。")

    page = text(signed_in(economic_officer).get(DECLARATIONS))

    row = page[page.index(">西湖区总工会</a>") :]
    row = row[: row.index("</tr>")]
    assert row.count('<td class="num">0</td>') == 4  # 申报, 待审核, 已备案同意, 不同意
    assert "—" in row  # no Annex 5 to download: the union put nothing forward
    assert "<strong>1</strong><span>个单位已申报</span>" in page
    total = page[page.index("<tfoot>") :]
    total = total[: total.index("</tfoot>")]
    assert "<td>合计</td>" in total and total.count('<td class="num">2</td>') == 2  # 申报 2, 待审核 2


def test_readers_see_no_decision_forms(campaign, xihu_reviewer, auditor, city_reviewer, before_deadline):
    declaration = occupation_declare(user=xihu_reviewer, occupation="无人机驾驶员", reason="理由")

    for user in (auditor, city_reviewer):
        client = signed_in(user)
        page = text(client.get(DECLARATIONS))
        assert "无人机驾驶员" in page and "/decision" not in page
        assert client.post(f"{DECLARATIONS}{declaration.pk}/decision", {"decision": "approve"}).status_code == 403
    assert OccupationDeclaration.objects.get().status == "pending"


@pytest.mark.parametrize("role", ["grassroots_clerk", "finance_a"])
def test_other_roles_get_403_and_no_link(campaign, request, role):
    client = signed_in(request.getfixturevalue(role))

    assert client.get(DECLARATIONS).status_code == 403
    assert client.get(TRAINING).status_code == 403
    queue = text(client.get("/staff/"))
    assert "非通用性职业" not in queue and "培训计划" not in queue


@pytest.mark.parametrize("role", ["xihu_reviewer", "economic_officer", "city_reviewer", "auditor"])
def test_the_nav_links_for_the_right_roles(campaign, request, role):
    page = text(signed_in(request.getfixturevalue(role)).get(DECLARATIONS))

    assert '<a href="/staff/occupations/">非通用性职业</a>' in page
    assert '<a href="/staff/training/">培训计划</a>' in page


def test_annex5_downloads_from_the_page(campaign, xihu_reviewer, economic_officer, before_deadline):
    occupation_declare(user=xihu_reviewer, occupation="无人机驾驶员", reason="理由")

    own = signed_in(xihu_reviewer).get(f"{DECLARATIONS}annex5", {"format": "xlsx", "year": "2020"})
    pdf = signed_in(economic_officer).get(f"{DECLARATIONS}annex5", {"format": "pdf", "union": "西湖区总工会"})
    elsewhere = signed_in(xihu_reviewer).get(f"{DECLARATIONS}annex5", {"format": "xlsx", "union": "上城区总工会"})

    assert own.status_code == 200 and own.content[:2] == b"PK"
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    assert elsewhere.status_code == 302
    assert AuditEvent.objects.filter(action="report.annex5").count() == 2


# 培训计划 ----------------------------------------------------------------------------------


def test_a_union_records_and_updates_a_plan(campaign, xihu, xihu_reviewer):
    client = signed_in(xihu_reviewer)

    created = client.post(
        f"{TRAINING}new",
        {"year": "2020", "occupation": "数控车工", "level": "technician", "mode": "online", "planned_trainees": "40", "budget": "120000"},
        follow=True,
    )
    plan = TrainingPlan.objects.get()
    edit = client.get(f"{TRAINING}{plan.pk}/")
    refused = client.post(f"{TRAINING}{plan.pk}/", {"trained": "10", "certified": "12", "spent": "0"}, follow=True)
    saved = client.post(
        f"{TRAINING}{plan.pk}/",
        {
            "trained": "30",
            "certified": "22",
            "spent": "60000",
            "occupation": "数控车工",
            "level": "technician",
            "mode": "online",
            "planned_trainees": "40",
            "budget": "120000",
        },
        follow=True,
    )

    assert "已录入培训计划：数控车工（技师）" in text(created)
    assert plan.union == xihu
    assert edit.status_code == 200 and 'name="trained"' in text(edit)
    assert refused.redirect_chain == [(f"{TRAINING}{plan.pk}/", 302)]  # told on the form's page (POST-redirect-GET)
    assert "不能超过已培训人数（10）" in text(refused) and 'value="12"' in text(refused)
    assert "已更新培训计划" in text(saved)
    plan.refresh_from_db()
    assert (plan.trained, plan.certified, plan.spent) == (30, 22, Decimal("60000.00"))


def _plan_form(page: str) -> dict[str, str]:
    """The edit page's fields as drawn (inputs' values, selects' chosen options, the hidden ones)."""
    fields = dict(re.findall(r'<input[^>]*name="(\w+)"[^>]*value="([^"]*)"', page))
    fields.update(re.findall(r'<select id="id_\w+" name="(\w+)">.*?<option value="(\w+)" selected', page, re.S))
    fields.pop("csrfmiddlewaretoken", None)
    return fields


def test_a_second_reviewer_saving_a_form_opened_before_the_first_saved_is_told(campaign, xihu_reviewer):
    """Two reviewers of a union open one plan; the first saves 已培训, then the second saves 已支出
    from the form they opened before: the second save put the first's 已培训 back (lost). It is
    refused now, naming who saved when, with today's figures in the form and the typed ones named."""
    plan = TrainingPlan.objects.create(
        campaign=campaign,
        union=xihu_reviewer.organisation,
        occupation="数控车工",
        level="technician",
        planned_trainees=40,
        mode="online",
        budget=Decimal("120000"),
        trained=32,
        certified=25,
        spent=Decimal("86000"),
    )
    colleague = staff_create(
        username="xihu.reviewer2",
        role="district_reviewer",
        organisation=xihu_reviewer.organisation,
        password="x-Colleague-2020",
        full_name="李强",
    )
    first, second = signed_in(colleague), signed_in(xihu_reviewer)
    first_form = _plan_form(text(first.get(f"{TRAINING}{plan.pk}/")))
    second_form = _plan_form(text(second.get(f"{TRAINING}{plan.pk}/")))
    assert first_form["trained"] == "32"

    saved = first.post(f"{TRAINING}{plan.pk}/", {**first_form, "trained": "40"})
    refused = second.post(f"{TRAINING}{plan.pk}/", {**second_form, "spent": "90000"}, follow=True)

    assert saved.status_code == 302
    plan.refresh_from_db()
    assert (plan.trained, plan.spent) == (40, Decimal("86000.00"))  # the first's 已培训 kept
    assert refused.redirect_chain == [(f"{TRAINING}{plan.pk}/", 302)]
    page = text(refused)
    assert "这条计划在您打开本页之后已由李强于" in page and "您这次的修改未保存" in page
    assert "已培训人数 32，已支出金额 90,000.00" in page
    redrawn = _plan_form(page)
    assert redrawn["trained"] == "40" and redrawn["seen"] != second_form.get("seen")
    # Saved again from the redrawn form, the change goes through.
    again = second.post(f"{TRAINING}{plan.pk}/", {**redrawn, "spent": "90000"})
    assert again.status_code == 302
    plan.refresh_from_db()
    assert (plan.trained, plan.spent) == (40, Decimal("90000.00"))


def test_the_same_form_sent_twice_is_not_a_conflict(campaign, xihu_reviewer):
    plan = TrainingPlan.objects.create(
        campaign=campaign,
        union=xihu_reviewer.organisation,
        occupation="电工",
        level="senior_worker",
        planned_trainees=10,
        mode="offline",
        budget=Decimal("0"),
    )
    client = signed_in(xihu_reviewer)
    form = {**_plan_form(text(client.get(f"{TRAINING}{plan.pk}/"))), "trained": "5"}

    assert client.post(f"{TRAINING}{plan.pk}/", form).status_code == 302
    assert client.post(f"{TRAINING}{plan.pk}/", form).status_code == 302
    plan.refresh_from_db()
    assert plan.trained == 5


def test_field_errors_show_beside_the_fields(campaign, xihu_reviewer):
    response = signed_in(xihu_reviewer).post(
        f"{TRAINING}new",
        {"year": "2020", "occupation": "", "level": "technician", "mode": "online", "planned_trainees": "-3", "budget": "abc"},
        follow=True,
    )

    assert response.redirect_chain == [(f"{TRAINING}?year=2020#new-title", 302)]  # told on the page (POST-redirect-GET)
    page = text(response)
    assert "请填写培训职业（工种）名称。" in page and "计划培训人数不能为负数。" in page and "专项资金预算应为金额" in page
    assert 'value="-3"' in page and 'value="abc"' in page  # what was typed, kept
    assert not TrainingPlan.objects.exists()


def test_another_unions_plan_cannot_be_opened(campaign, xihu_reviewer, shangcheng_reviewer):
    client = signed_in(xihu_reviewer)
    client.post(
        f"{TRAINING}new",
        {"year": "2020", "occupation": "电工", "level": "senior_worker", "mode": "offline", "planned_trainees": "5", "budget": "0"},
    )
    plan = TrainingPlan.objects.get()

    other = signed_in(shangcheng_reviewer)
    opened = other.get(f"{TRAINING}{plan.pk}/")
    assert opened.status_code == 404
    assert other.post(f"{TRAINING}{plan.pk}/", {"trained": "5"}).status_code == 404
    assert TrainingPlan.objects.get().trained == 0
    # The refusal names a training plan and leads back to the plans, not to an application.
    assert "没有找到该培训计划" in text(opened) and f'href="{TRAINING}"' in text(opened)
    assert "该申请" not in text(opened)


def test_another_unions_declaration_is_not_called_an_application(
    campaign, xihu_reviewer, shangcheng_reviewer, economic_officer, before_deadline
):
    declared = occupation_declare(user=xihu_reviewer, occupation="无人机驾驶员", reason="理由")

    withdrawn = signed_in(shangcheng_reviewer).post(f"{DECLARATIONS}{declared.pk}/withdraw")
    unknown = signed_in(economic_officer).post(f"{DECLARATIONS}999999/decision", {"decision": "approve"})

    for response in (withdrawn, unknown):
        assert response.status_code == 404
        assert "没有找到该申报" in text(response) and f'href="{DECLARATIONS}"' in text(response)
        assert "该申请" not in text(response)
    declared.refresh_from_db()
    assert declared.status == "pending"


def test_the_city_sees_totals_per_union_and_a_unions_lines(campaign, xihu_reviewer, economic_officer):
    signed_in(xihu_reviewer).post(
        f"{TRAINING}new",
        {"year": "2020", "occupation": "电工", "level": "senior_worker", "mode": "offline", "planned_trainees": "60", "budget": "50000"},
    )
    client = signed_in(economic_officer)

    overview = text(client.get(TRAINING))
    detail = text(client.get(TRAINING, {"union": "西湖区总工会"}))
    export = client.get(f"{TRAINING}export.xlsx", {"year": "2020"})

    assert "各单位合计" in overview and "西湖区总工会" in overview and "萧山区总工会" in overview
    assert "西湖区总工会 · 培训计划及进度" in detail and "电工" in detail
    assert "更新进度" not in detail
    assert export.status_code == 200
    sheets = load_workbook(io.BytesIO(export.content)).sheetnames
    assert sheets == ["按工会汇总", "培训计划明细"]
    assert AuditEvent.objects.filter(action="report.training_plans").count() == 1


def test_head_counts_of_a_thousand_and_more_read_with_separators(campaign, xihu_reviewer, economic_officer):
    client = signed_in(xihu_reviewer)
    for occupation, planned in (("电工", "12345"), ("焊工", "999")):
        client.post(
            f"{TRAINING}new",
            {
                "year": "2020",
                "occupation": occupation,
                "level": "senior_worker",
                "mode": "offline",
                "planned_trainees": planned,
                "budget": "1000",
            },
        )
    plan = TrainingPlan.objects.get(occupation="电工")
    client.post(
        f"{TRAINING}{plan.pk}/",
        {
            "trained": "1000",
            "certified": "999",
            "spent": "0",
            "occupation": "电工",
            "level": "senior_worker",
            "mode": "offline",
            "planned_trainees": "12345",
            "budget": "1000",
        },
    )

    union = text(client.get(TRAINING))
    city = text(signed_in(economic_officer).get(TRAINING, {"union": "西湖区总工会"}))

    for page in (union, city):
        assert '<td class="num">12,345</td>' in page and '<td class="num">999</td>' in page  # a plan line
        assert '<td class="num">1,000</td>' in page  # trained: the first count with a separator
        assert '<td class="num">13,344</td>' in page  # the total planned
        assert "<strong>13,344</strong><span>人计划培训</span>" in page
    assert "1,000.00" in union  # amounts as before


def test_a_union_cannot_record_for_the_city_roles(campaign, economic_officer, auditor):
    for user in (economic_officer, auditor):
        response = signed_in(user).post(
            f"{TRAINING}new",
            {"year": "2020", "occupation": "电工", "level": "senior_worker", "mode": "offline", "planned_trainees": "5", "budget": "0"},
        )
        assert response.status_code == 403
    assert not TrainingPlan.objects.exists()


def test_row_buttons_name_their_row(campaign, xihu_reviewer, before_deadline):
    """Every row has 更新进度 or 撤回: each names its plan or occupation for a screen reader's
    list of buttons and links (the visible word first, WCAG "label in name")."""
    client = signed_in(xihu_reviewer)
    occupation_declare(user=xihu_reviewer, occupation="无人机驾驶员", reason="产业集聚。")
    client.post(
        f"{TRAINING}new",
        {"year": "2020", "occupation": "电工", "level": "technician", "mode": "both", "planned_trainees": "50", "budget": "0"},
    )

    assert 'aria-label="撤回“无人机驾驶员”">撤回</button>' in text(client.get(DECLARATIONS))
    assert 'aria-label="更新进度：电工（技师）">更新进度</a>' in text(client.get(TRAINING))


def test_a_page_drawn_at_a_post_address_sends_its_year_and_filter_forms_to_the_page(
    campaign, xihu_reviewer, economic_officer, before_deadline
):
    """A refused form draws the page at the address it was posted to (…/declare, …/decision,
    training/new); the year and filter forms must not GET that address (405 there)."""
    union = signed_in(xihu_reviewer)
    refused = union.post(f"{DECLARATIONS}declare", {"occupation": "", "reason": ""}, follow=True)
    assert refused.redirect_chain == [(f"{DECLARATIONS}#declare-title", 302)]  # now told on the page itself
    page = text(refused)
    assert f'<form method="get" action="{DECLARATIONS}" class="inline-form prog-year-form">' in page
    assert union.get(DECLARATIONS, {"year": "2020"}).status_code == 200
    assert union.get(f"{DECLARATIONS}declare", {"year": "2020"}).status_code == 405  # what the form used to do

    declaration = occupation_declare(user=xihu_reviewer, occupation="茶艺师", reason="理由")
    refused = signed_in(economic_officer).post(f"{DECLARATIONS}{declaration.pk}/decision", {"decision": "", "opinion": ""}, follow=True)
    assert refused.redirect_chain == [(f"{DECLARATIONS}#declaration-{declaration.pk}", 302)]  # told on the page itself
    page = text(refused)
    assert f'<form method="get" action="{DECLARATIONS}" class="inline-form prog-year-form">' in page
    assert f'<form method="get" action="{DECLARATIONS}" class="inline-form prog-filter">' in page

    refused = union.post(f"{TRAINING}new", {"year": "2020", "occupation": ""}, follow=True)
    assert refused.redirect_chain == [(f"{TRAINING}?year=2020#new-title", 302)]
    assert f'<form method="get" action="{TRAINING}" class="inline-form prog-year-form">' in text(refused)


def test_a_refused_declaration_decision_keeps_its_opinion_encrypted_and_shows_it_once(
    campaign, xihu_reviewer, economic_officer, before_deadline
):
    """The refusal is told on the page the officer is sent back to (POST-redirect-GET): reloading
    it posts nothing and shows the plain page; the opinion waits in the session encrypted."""
    declaration = occupation_declare(user=xihu_reviewer, occupation="茶艺师", reason="理由")
    officer = signed_in(economic_officer)
    response = officer.post(f"{DECLARATIONS}{declaration.pk}/decision", {"decision": "", "opinion": "联系人 13957187919 已核实"})
    assert response.status_code == 302 and response["Location"] == f"{DECLARATIONS}#declaration-{declaration.pk}"
    assert "13957187919" not in str(officer.session[refusals.SESSION_KEY])
    page = text(officer.get(DECLARATIONS))
    assert "请选择“备案同意”或“不同意”。" in page and ">联系人 13957187919 已核实</textarea>" in page
    again = text(officer.get(DECLARATIONS))
    assert "请选择“备案同意”或“不同意”。" not in again and "13957187919" not in again
    declaration.refresh_from_db()
    assert declaration.status == "pending"
