"""非通用性职业 and 培训计划 as the unions and the city's economic department do them: 王丽 of
西湖区总工会 declares 无人机驾驶员 before the deadline (places left and the deadline on the page),
赵敏 of the economic department approves it with an opinion among the pending ones, a 西湖区
worker's industry-authority certificate of that occupation becomes eligible (上城区's does not),
王丽 downloads Annex 5, records a training plan and its progress, and 赵敏 reads the totals per
union. Screenshots 75–79 in docs/screenshots/."""

from __future__ import annotations

import pytest
from django.test import Client
from openpyxl import load_workbook

from rewards.campaigns.declarations import occupation_declaration_decide, occupation_declare
from rewards.campaigns.models import DeclarationStatus, OccupationDeclaration
from rewards.campaigns.services import campaign_load_notice
from rewards.organisations.models import Role
from rewards.organisations.selectors import organisation_by_name
from rewards.organisations.services import staff_create
from rewards.training.models import TrainingPlan
from rewards.training.services import training_plan_create, training_plan_update
from tests import factories

from .conftest import STAFF_PASSWORD, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def cast(settings):  # type: ignore[no-untyped-def]
    """Ten days before the declaration deadline; 上城区 has declared two occupations (one approved)
    and recorded two plan lines; a worker of each union holds an industry-authority 无人机驾驶员
    certificate."""
    settings.APP_TODAY = "2020-08-20"
    settings.SHOW_DEMO_BANNER = True
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    campaign, _ = campaign_load_notice(year=2020)
    city = organisation_by_name("杭州市总工会")
    xihu = organisation_by_name("西湖区总工会")
    shangcheng = organisation_by_name("上城区总工会")
    people = {
        "xihu": staff_create(
            username="xihu.reviewer", role=Role.DISTRICT_REVIEWER, organisation=xihu, password=STAFF_PASSWORD, full_name="王丽"
        ),
        "shangcheng": staff_create(
            username="shangcheng.reviewer", role=Role.DISTRICT_REVIEWER, organisation=shangcheng, password=STAFF_PASSWORD, full_name="陈刚"
        ),
        "economic": staff_create(
            username="economic", role=Role.ECONOMIC_OFFICER, organisation=city, password=STAFF_PASSWORD, full_name="赵敏"
        ),
    }
    approved = occupation_declare(
        user=people["shangcheng"], occupation="中式面点师", reason="老字号餐饮企业集中，面点技艺传承需要高技能人才。"
    )
    occupation_declaration_decide(user=people["economic"], declaration_id=approved.pk, decision="approve", opinion="同意备案。")
    occupation_declare(user=people["shangcheng"], occupation="调酒师", reason="辖区酒店、酒吧等服务业职工技能提升需求。")
    for occupation, level, mode, planned, budget, progress in (
        ("中式烹调师", "senior_worker", "offline", 50, "100000", {"trained": 50, "certified": 41, "spent": "98000"}),
        ("养老护理员", "technician", "both", 30, "45000", None),
    ):
        plan = training_plan_create(
            user=people["shangcheng"],
            data={"year": 2020, "occupation": occupation, "level": level, "mode": mode, "planned_trainees": planned, "budget": budget},
        )
        if progress:
            training_plan_update(user=people["shangcheng"], plan_id=plan.pk, data=progress)
    workers = {
        "xihu": factories.make_member(union=xihu, name="周建华"),
        "shangcheng": factories.make_member(union=shangcheng, name="吴晓燕"),
    }
    return {"campaign": campaign, "people": people, "workers": workers}


def sign_in(page, base: str, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(base + "/staff/login")
    page.fill("#id_username", username)
    page.fill("#id_password", STAFF_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/staff/" in url and "/login" not in url)  # each role lands at its own work


def eligible(member) -> tuple[bool, bool]:  # type: ignore[no-untyped-def]
    """(eligible, issuer rule passed) for an industry-authority 无人机驾驶员 certificate."""
    data = factories.annex3(member, issuer="industry_authority", occupation="无人机驾驶员")
    body = Client(HTTP_HOST="127.0.0.1").post("/api/v1/eligibility", data, content_type="application/json").json()
    issuer = next(check for check in body["checks"] if check["rule"] == "issuer")
    return body["eligible"], issuer["passed"]


def test_a_union_declares_the_city_approves_and_plans_are_recorded(cast, live_server, page_factory, tmp_path, settings):
    base = live_server.url
    workers = cast["workers"]

    # 王丽 declares 无人机驾驶员 for 西湖区总工会.
    union = page_factory(1440, 900)
    sign_in(union, base, "xihu.reviewer")
    union.click("nav.staff-nav >> text=非通用性职业")
    union.wait_for_selector("#declare-title")
    assert union.inner_text("[data-testid=remaining]") == "3"
    # The quota card and the form card side by side, their tops level.
    assert union.locator(".prog-quota").bounding_box()["y"] == union.locator(".prog-form-card").bounding_box()["y"]
    assert "2020年8月30日" in union.inner_text(".prog-deadline") and "还剩 11 天" in union.inner_text(".prog-deadline")
    union.fill("#id_occupation", "无人机驾驶员")
    union.fill("#id_reason", "辖区无人机研发、航拍和植保企业集聚，持国家行业主管部门证书的职工约300人，急需纳入奖励范围。")
    union.click("form.prog-form button[type=submit]")
    union.wait_for_selector(".flash-success")
    assert "已申报“无人机驾驶员”" in union.inner_text(".flash-list")
    assert union.inner_text("[data-testid=remaining]") == "2"
    declaration = OccupationDeclaration.objects.get(occupation="无人机驾驶员")
    assert declaration.status == DeclarationStatus.PENDING and declaration.union.name == "西湖区总工会"
    screenshot(union, "75-declarations-union-declared")
    assert eligible(workers["xihu"]) == (False, False)

    # 赵敏 sees every pending declaration with its reason, and approves 西湖区's with an opinion.
    city = page_factory(1440, 900)
    sign_in(city, base, "economic")
    city.click("nav.staff-nav >> text=非通用性职业")
    city.wait_for_selector("#pending-title")
    pending = city.inner_text(".prog-pending")
    assert "无人机驾驶员" in pending and "调酒师" in pending and "中式面点师" not in pending
    assert "持国家行业主管部门证书的职工约300人" in pending
    card = city.locator(f"#declaration-{declaration.pk}")
    card.locator("input[value=approve]").check()
    card.locator("textarea[name=opinion]").fill("同意备案。请指导基层单位做好证书真实性核查。")
    screenshot(city, "76-declarations-economic-pending")
    asked: list[str] = []
    city.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    card.locator("button[type=submit]").click()
    city.wait_for_selector(".flash-success")
    assert "已备案同意西湖区总工会申报的“无人机驾驶员”" in city.inner_text(".flash-list")
    assert asked and asked[0].startswith("备案同意西湖区总工会申报的“无人机驾驶员”？") and "审核后不能更改" in asked[0]
    declaration.refresh_from_db()
    assert declaration.status == DeclarationStatus.APPROVED and declaration.decided_by.username == "economic"

    # The certificate turns eligible for 西湖区's worker only.
    assert eligible(workers["xihu"]) == (True, True)
    assert eligible(workers["shangcheng"]) == (False, False)

    # 王丽 sees the answer with its opinion and downloads Annex 5.
    union.click("nav.staff-nav >> text=非通用性职业")
    union.wait_for_selector(".decl-approved")
    assert "同意备案。请指导基层单位做好证书真实性核查。" in union.inner_text(".prog-table")
    screenshot(union, "77-declarations-union-approved")
    with union.expect_download() as info:
        union.click("text=下载附件5（Excel）")
    saved = tmp_path / "annex5.xlsx"
    info.value.save_as(saved)
    sheet = load_workbook(saved).worksheets[0]
    rows = [row for row in sheet.iter_rows(values_only=True) if row[0] == 1]
    assert rows and rows[0][1] == "无人机驾驶员" and rows[0][3] == "已备案同意"

    # 王丽 records a training plan, then its progress.
    union.click("nav.staff-nav >> text=培训计划")
    union.wait_for_selector("#new-title")
    union.fill("#id_occupation", "无人机驾驶员")
    union.select_option("#id_level", "senior_worker")
    union.select_option("#id_mode", "both")
    union.fill("#id_planned_trainees", "120")
    union.fill("#id_budget", "180000")
    union.click("form.prog-grid-form button[type=submit]")
    union.wait_for_selector(".flash-success")
    plan = TrainingPlan.objects.get(occupation="无人机驾驶员")
    assert (plan.planned_trainees, plan.mode, str(plan.budget)) == (120, "both", "180000.00")
    union.click("a.button:has-text('更新进度')")
    union.wait_for_selector("#id_trained")
    union.fill("#id_trained", "20")
    union.fill("#id_certified", "25")
    union.click("form.prog-grid-form button[type=submit]")
    union.wait_for_selector(".field-error")
    assert "已取证人数（25）不能超过已培训人数（20）" in union.inner_text(".field-error")
    union.fill("#id_trained", "86")
    union.fill("#id_certified", "61")
    union.fill("#id_spent", "95000")
    union.click("form.prog-grid-form button[type=submit]")
    union.wait_for_selector(".flash-success")
    plan.refresh_from_db()
    assert (plan.trained, plan.certified, str(plan.spent)) == (86, 61, "95000.00")
    assert "86" in union.inner_text(".plans-table")
    screenshot(union, "78-training-union")

    # 赵敏 reads the totals per union and 西湖区's lines.
    city.click("nav.staff-nav >> text=培训计划")
    city.wait_for_selector("#totals-title")
    totals = city.inner_text(".totals-table")
    assert "西湖区总工会" in totals and "上城区总工会" in totals and "200" in totals  # 120 + 50 + 30 planned
    city.click(".totals-table >> text=西湖区总工会")
    city.wait_for_selector("#plans-title")
    assert "无人机驾驶员" in city.inner_text(".plans-table") and city.locator("a.button:has-text('更新进度')").count() == 0
    screenshot(city, "79-training-city")
    assert not page_factory.outside
