"""培训计划 (API.md training-plans, DOMAIN.md §7): a district/industry union records its plan lines
and their progress; validation in Chinese; scoped reads and the city's totals; no quotas."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from rewards.campaigns import notice_2020
from rewards.core.models import AuditEvent
from rewards.training.models import TrainingPlan

from ..api.helpers import bearer, staff_token

pytestmark = pytest.mark.django_db

URL = "/api/v1/training-plans"
PLAN = {"year": 2020, "occupation": "数控车工", "level": "technician", "planned_trainees": 40, "mode": "online", "budget": "120000"}


def create(api, user, **overrides):  # type: ignore[no-untyped-def]
    return api.post(URL, {**PLAN, **overrides}, content_type="application/json", **bearer(staff_token(api, user)))


def patch(api, user, plan_id: int, body: dict):  # type: ignore[no-untyped-def]
    return api.patch(f"{URL}/{plan_id}", body, content_type="application/json", **bearer(staff_token(api, user)))


def fields_of(response) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "invalid_input"
    return response.json()["error"]["fields"]


def test_a_union_records_a_plan(api, campaign, xihu, xihu_reviewer):
    response = create(api, xihu_reviewer)

    assert response.status_code == 201, response.content
    body = response.json()
    plan = TrainingPlan.objects.get(pk=body["id"])
    assert (plan.union, plan.campaign, plan.created_by) == (xihu, campaign, xihu_reviewer)
    assert (plan.occupation, plan.level, plan.planned_trainees, plan.mode, plan.budget) == (
        "数控车工",
        "technician",
        40,
        "online",
        Decimal("120000.00"),
    )
    assert (plan.trained, plan.certified, plan.spent) == (0, 0, Decimal("0.00"))
    assert body["budget"] == "120000.00" and body["level_label"] == "技师" and body["mode_label"] == "线上"
    event = AuditEvent.objects.get(action="training.plan_create")
    assert event.object_id == str(plan.pk) and event.detail["budget"] == "120000.00"


def test_labels_are_accepted_for_level_and_mode(api, campaign, xihu_reviewer):
    response = create(api, xihu_reviewer, level="高级技师", mode="线上线下结合", budget=8000.5)

    assert response.status_code == 201, response.content
    plan = TrainingPlan.objects.get()
    assert (plan.level, plan.mode, plan.budget) == ("senior_technician", "both", Decimal("8000.50"))


def test_progress_is_updated(api, campaign, xihu_reviewer):
    plan_id = create(api, xihu_reviewer).json()["id"]

    response = patch(api, xihu_reviewer, plan_id, {"trained": 35, "certified": 28, "spent": "86500.50"})

    assert response.status_code == 200, response.content
    plan = TrainingPlan.objects.get(pk=plan_id)
    assert (plan.trained, plan.certified, plan.spent) == (35, 28, Decimal("86500.50"))
    assert plan.updated_by == xihu_reviewer
    event = AuditEvent.objects.get(action="training.plan_update")
    assert event.detail["changes"] == {"trained": [0, 35], "certified": [0, 28], "spent": ["0.00", "86500.50"]}


def test_progress_may_pass_the_plan_there_are_no_quotas(api, campaign, xihu_reviewer):
    plan_id = create(api, xihu_reviewer, planned_trainees=10, budget="1000").json()["id"]

    response = patch(api, xihu_reviewer, plan_id, {"trained": 25, "certified": 25, "spent": "1500"})

    assert response.status_code == 200


def test_a_partial_update_keeps_the_rest_and_certified_is_checked_against_the_stored_trained(api, campaign, xihu_reviewer):
    plan_id = create(api, xihu_reviewer).json()["id"]
    patch(api, xihu_reviewer, plan_id, {"trained": 20, "certified": 10})

    ok = patch(api, xihu_reviewer, plan_id, {"certified": 20})
    too_many = patch(api, xihu_reviewer, plan_id, {"certified": 21})
    trained_down = patch(api, xihu_reviewer, plan_id, {"trained": 19})

    assert ok.status_code == 200
    assert "不能超过已培训人数（20）" in fields_of(too_many)["certified"][0]
    assert "certified" in fields_of(trained_down)
    assert TrainingPlan.objects.get(pk=plan_id).certified == 20


def test_the_plan_itself_can_be_corrected(api, campaign, xihu_reviewer):
    plan_id = create(api, xihu_reviewer).json()["id"]

    response = patch(
        api, xihu_reviewer, plan_id, {"planned_trainees": 60, "mode": "both", "budget": "150000", "occupation": "数控车工（五轴）"}
    )

    assert response.status_code == 200
    plan = TrainingPlan.objects.get(pk=plan_id)
    assert (plan.planned_trainees, plan.mode, plan.budget, plan.occupation) == (60, "both", Decimal("150000.00"), "数控车工（五轴）")
    assert plan.occupation_key == "数控车工(五轴)"


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"planned_trainees": -5}, "planned_trainees", "不能为负数"),
        ({"planned_trainees": 0}, "planned_trainees", "至少为1人"),
        ({"planned_trainees": "十"}, "planned_trainees", "应为整数"),
        ({"planned_trainees": 2.5}, "planned_trainees", "应为整数"),
        ({"planned_trainees": True}, "planned_trainees", "请填写"),
        ({"planned_trainees": "1,20"}, "planned_trainees", "应为整数"),  # commas only in threes
        ({"planned_trainees": "1,2000"}, "planned_trainees", "应为整数"),
        ({"planned_trainees": ",120"}, "planned_trainees", "应为整数"),
        ({"planned_trainees": "1200,"}, "planned_trainees", "应为整数"),
        ({"planned_trainees": "-1,200"}, "planned_trainees", "不能为负数"),
        ({"budget": "-1"}, "budget", "不能为负数"),
        ({"budget": "12.345"}, "budget", "两位小数"),
        ({"budget": "十万"}, "budget", "应为金额"),
        ({"budget": "NaN"}, "budget", "应为金额"),
        ({"budget": "1e30"}, "budget", "应为金额"),  # was a 500: Decimal reads the exponent form
        ({"budget": "Infinity"}, "budget", "应为金额"),
        ({"budget": "9" * 20}, "budget", "应为金额"),
        ({"budget": "99999999999.99"}, "budget", "超出合理范围"),
        ({"level": "intermediate_worker"}, "level", "高级工、技师、高级技师"),
        ({"level": "boss"}, "level", "培训等级应为"),
        ({"mode": "函授"}, "mode", "培训方式应为"),
        ({"occupation": "  "}, "occupation", "请填写培训职业"),
        ({"occupation": "工" * 101}, "occupation", "最多100字"),
        ({"occupation": ["数控车工"]}, "occupation", "应为一段文字"),  # was stored as "['数控车工']"
        ({"occupation": {"name": "数控车工"}}, "occupation", "应为一段文字"),
        ({"year": "二〇二〇"}, "year", "四位数字"),
        ({"year": 1999}, "year", "没有1999年度"),
    ],
)
def test_invalid_plans_are_400_in_chinese(api, campaign, xihu_reviewer, overrides, field, words):
    response = create(api, xihu_reviewer, **overrides)

    fields = fields_of(response)
    assert field in fields
    assert words in fields[field][0], fields
    assert not TrainingPlan.objects.exists()


@pytest.mark.parametrize(("typed", "stored"), [("1,200", 1200), ("12,345", 12345), ("1,000,000", 1_000_000), ("１，２００", 1200)])
def test_counts_may_be_typed_with_thousands_separators_as_the_pages_show_them(api, campaign, xihu_reviewer, typed, stored):
    plan_id = create(api, xihu_reviewer, planned_trainees=typed).json()["id"]

    assert TrainingPlan.objects.get(pk=plan_id).planned_trainees == stored
    assert patch(api, xihu_reviewer, plan_id, {"trained": typed}).status_code == 200
    assert TrainingPlan.objects.get(pk=plan_id).trained == stored


def test_every_missing_field_is_named(api, campaign, xihu_reviewer):
    response = api.post(URL, {"year": 2020}, content_type="application/json", **bearer(staff_token(api, xihu_reviewer)))

    assert set(fields_of(response)) == {"occupation", "level", "planned_trainees", "mode", "budget"}


@pytest.mark.parametrize(
    ("body", "field"),
    [({"trained": -1}, "trained"), ({"certified": "x"}, "certified"), ({"spent": "-0.01"}, "spent"), ({}, "trained")],
)
def test_invalid_progress_is_400(api, campaign, xihu_reviewer, body, field):
    plan_id = create(api, xihu_reviewer).json()["id"]

    assert field in fields_of(patch(api, xihu_reviewer, plan_id, body))


def test_every_fault_of_an_update_is_named_at_once(api, campaign, xihu_reviewer):
    """已取证 over 已培训 was said only after the other faults were corrected: a second refusal."""
    plan_id = create(api, xihu_reviewer).json()["id"]

    fields = fields_of(patch(api, xihu_reviewer, plan_id, {"trained": 10, "certified": 20, "spent": "abc"}))

    assert set(fields) == {"certified", "spent"}
    assert "不能超过已培训人数（10）" in fields["certified"][0]
    assert TrainingPlan.objects.get(pk=plan_id).trained == 0


def test_the_same_occupation_and_level_twice_is_409(api, campaign, xihu_reviewer, shangcheng_reviewer):
    assert create(api, xihu_reviewer).status_code == 201

    twin = create(api, xihu_reviewer, occupation=" 数控 车工 ")
    other_level = create(api, xihu_reviewer, level="senior_worker")
    other_union = create(api, shangcheng_reviewer)

    assert twin.status_code == 409 and twin.json()["error"]["code"] == "already_planned"
    assert other_level.status_code == 201 and other_union.status_code == 201


def test_a_plan_of_another_union_is_404_to_patch_and_read(api, campaign, xihu_reviewer, shangcheng_reviewer):
    plan_id = create(api, xihu_reviewer).json()["id"]

    response = patch(api, shangcheng_reviewer, plan_id, {"trained": 1})
    read = api.get(f"{URL}/{plan_id}", **bearer(staff_token(api, shangcheng_reviewer)))

    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    assert read.status_code == 404
    assert TrainingPlan.objects.get(pk=plan_id).trained == 0


@pytest.mark.parametrize("body", [{"trained": -1}, {}, {"certified": "x"}])
def test_another_unions_plan_is_404_whatever_the_body(api, campaign, xihu_reviewer, shangcheng_reviewer, body):
    """SECURITY.md 1: any request on another union's plan answers 404 with an access denial,
    before its body is judged (it answered 400, telling the plan exists, and recorded nothing)."""
    plan_id = create(api, xihu_reviewer).json()["id"]

    response = patch(api, shangcheng_reviewer, plan_id, body)

    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    assert AuditEvent.objects.filter(action="access.denied", actor=shangcheng_reviewer).exists()


ROLES = ["grassroots_clerk", "xihu_reviewer", "city_reviewer", "finance_a", "economic_officer", "auditor", "administrator"]


@pytest.mark.parametrize("role", ROLES)
def test_only_a_district_reviewer_records_plans(api, campaign, xihu_reviewer, request, role):
    existing = create(api, xihu_reviewer, occupation="茶艺师").json()["id"]
    user = request.getfixturevalue(role)

    created = create(api, user)
    patched = patch(api, user, existing, {"trained": 3})

    ok = role == "xihu_reviewer"
    assert created.status_code == (201 if ok else 403)
    assert patched.status_code == (200 if ok else 403)


@pytest.mark.parametrize(
    ("role", "status", "unions"),
    [
        ("xihu_reviewer", 200, {"西湖区总工会"}),
        ("shangcheng_reviewer", 200, {"上城区总工会"}),
        ("economic_officer", 200, {"西湖区总工会", "上城区总工会"}),
        ("city_reviewer", 200, {"西湖区总工会", "上城区总工会"}),
        ("auditor", 200, {"西湖区总工会", "上城区总工会"}),
        ("grassroots_clerk", 403, None),
        ("finance_a", 403, None),
        ("administrator", 403, None),
    ],
)
def test_reading_is_scoped(api, campaign, xihu_reviewer, shangcheng_reviewer, request, role, status, unions):
    create(api, xihu_reviewer)
    create(api, shangcheng_reviewer, occupation="中式烹调师", level="senior_worker", planned_trainees=15, budget="30000")
    user = request.getfixturevalue(role)
    token = staff_token(api, user)

    listing = api.get(URL, {"year": 2020}, **bearer(token))
    summary = api.get(f"{URL}/summary", {"year": 2020}, **bearer(token))
    export = api.get("/api/v1/reports/training-plans.xlsx", {"year": 2020}, **bearer(token))

    assert (listing.status_code, summary.status_code, export.status_code) == (status, status, status)
    if unions is not None:
        assert {row["union"] for row in listing.json()["results"]} == unions
        with_plans = {row["union"] for row in summary.json()["unions"] if row["plans"]}
        assert with_plans == unions


def test_unauthenticated_is_401(api, campaign):
    assert api.get(URL).status_code == 401
    assert api.post(URL, PLAN, content_type="application/json").status_code == 401
    assert api.patch(f"{URL}/1", {"trained": 1}, content_type="application/json").status_code == 401


def test_the_city_sees_the_totals_per_union_in_annex1_order(api, campaign, xihu_reviewer, shangcheng_reviewer, economic_officer):
    first = create(api, xihu_reviewer).json()["id"]
    create(api, xihu_reviewer, occupation="电工", level="senior_worker", planned_trainees=60, mode="offline", budget="50000.50")
    create(api, shangcheng_reviewer, occupation="中式烹调师", level="senior_worker", planned_trainees=15, budget="30000")
    patch(api, xihu_reviewer, first, {"trained": 30, "certified": 20, "spent": "60000"})

    body = api.get(f"{URL}/summary", **bearer(staff_token(api, economic_officer))).json()

    assert [row["union"] for row in body["unions"]] == [name for name, _ in notice_2020.ANNEX1_UNITS]
    rows = {row["union"]: row for row in body["unions"]}
    assert rows["西湖区总工会"] == {
        "union": "西湖区总工会",
        "plans": 2,
        "planned_trainees": 100,
        "trained": 30,
        "certified": 20,
        "budget": "170000.50",
        "spent": "60000.00",
    }
    assert rows["上城区总工会"]["planned_trainees"] == 15
    assert rows["萧山区总工会"]["plans"] == 0
    assert body["total"] == {
        "union": "合计",
        "plans": 3,
        "planned_trainees": 115,
        "trained": 30,
        "certified": 20,
        "budget": "200000.50",
        "spent": "60000.00",
    }


def test_the_xlsx_export_holds_the_totals_and_every_line_and_is_audited(api, campaign, xihu_reviewer, economic_officer):
    first = create(api, xihu_reviewer).json()["id"]
    patch(api, xihu_reviewer, first, {"trained": 25})
    create(api, xihu_reviewer, occupation="电工", level="senior_worker", planned_trainees=60, mode="offline", budget="50000")

    response = api.get("/api/v1/reports/training-plans.xlsx", {"year": 2020}, **bearer(staff_token(api, economic_officer)))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["按工会汇总", "培训计划明细"]
    totals = list(workbook["按工会汇总"].iter_rows(values_only=True))
    header = next(i for i, row in enumerate(totals) if row[0] == "区县（市）、产业工会")
    xihu_row = next(row for row in totals[header + 1 :] if row[0] == "西湖区总工会")
    assert xihu_row[1:5] == (2, 100, 25, 0)
    total_row = next(row for row in totals if row[0] == "合计")
    assert total_row[2] == 100 and total_row[6] == 170000
    assert totals[header][5] == "培训完成率" and xihu_row[5] == 0.25  # 25 of 100: a number Excel can sort
    sheet = workbook["按工会汇总"]
    rate_cell = next(row[5] for row in sheet.iter_rows() if row[0].value == "西湖区总工会")
    assert rate_cell.number_format == "0.0%"
    shangcheng = next(row for row in totals[header + 1 :] if row[0] == "上城区总工会")
    assert shangcheng[5] == "—"  # nothing planned: no rate
    counts = next(row for row in sheet.iter_rows() if row[0].value == "西湖区总工会")[1:5]
    assert [cell.number_format for cell in counts] == ["#,##0"] * 4  # 1,200 as the pages, still numbers
    lines = [row for row in workbook["培训计划明细"].iter_rows(values_only=True) if isinstance(row[0], int)]
    assert [(row[1], row[2], row[3], row[4]) for row in lines] == [
        ("西湖区总工会", "数控车工", "技师", "线上"),
        ("西湖区总工会", "电工", "高级工", "线下"),
    ]
    event = AuditEvent.objects.get(action="report.training_plans")
    assert event.detail == {"year": 2020, "union": None, "plans": 2, "format": "xlsx"}


def test_a_plan_is_entered_and_updated_on_the_business_date(api, campaign, xihu_reviewer, business_day):
    """With APP_TODAY (the demo, a training run) a plan read 录入 and 更新 in the real year, after
    the campaign it belongs to (decisions 84 and 256's rule)."""
    from django.utils import timezone

    business_day("2020-06-01")
    plan_id = create(api, xihu_reviewer).json()["id"]
    business_day("2020-07-15")
    assert patch(api, xihu_reviewer, plan_id, {"trained": 12}).status_code == 200

    plan = TrainingPlan.objects.get(pk=plan_id)
    assert timezone.localtime(plan.created_at).date().isoformat() == "2020-06-01"
    assert timezone.localtime(plan.updated_at).date().isoformat() == "2020-07-15"
