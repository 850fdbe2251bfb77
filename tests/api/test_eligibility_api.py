"""Public API (API.md "Public"): the eligibility self-check (资格自测), the current campaign,
health and the OpenAPI schema, against the 2020 campaign loaded from the notice."""

from __future__ import annotations

import pytest
from django.core.cache import caches
from django.utils import timezone

from rewards.campaigns.models import OccupationDeclaration
from rewards.eligibility.services import WITHHELD
from rewards.registries.models import ImportRun

from .. import factories

URL = "/api/v1/eligibility"
RULE_ORDER = ["member", "promotion", "window", "issuer", "once_per_campaign", "deadline"]


@pytest.fixture(autouse=True)
def fresh_throttles():  # type: ignore[no-untyped-def]
    """Throttle counts live in the local cache; each test starts with none."""
    caches["default"].clear()
    yield
    caches["default"].clear()


def check_eligibility(api, data: dict):  # type: ignore[no-untyped-def]
    return api.post(URL, data, content_type="application/json")


def checks_by_rule(body: dict) -> dict[str, dict]:
    return {check["rule"]: check for check in body["checks"]}


def failing(body: dict) -> list[str]:
    return [check["rule"] for check in body["checks"] if not check["passed"]]


def roster_2019_imported() -> ImportRun:
    now = timezone.now()
    return ImportRun.objects.create(
        kind="awards", year=2019, file_name="2019年度奖励名单.xlsx", file_sha256="0" * 64, started_at=now, finished_at=now
    )


def approve_occupation(*, campaign, union, occupation: str) -> OccupationDeclaration:  # type: ignore[no-untyped-def]
    return OccupationDeclaration.objects.create(
        campaign=campaign, union=union, occupation=occupation, reason="本区重点产业急需", status="approved"
    )


# 资格自测 -----------------------------------------------------------------------------------


def test_eligible_member_gets_the_amount_and_six_checks(api, campaign, member, business_day):  # type: ignore[no-untyped-def]
    response = check_eligibility(api, factories.annex3(member))

    assert response.status_code == 200
    body = response.json()
    assert body["eligible"] is True
    assert body["amount"] == "500.00"
    assert body["is_makeup"] is False
    assert [check["rule"] for check in body["checks"]] == RULE_ORDER
    assert all(check["passed"] is True for check in body["checks"])
    assert all(check["message"] for check in body["checks"])
    assert "西湖区总工会" in checks_by_rule(body)["member"]["message"]


@pytest.mark.parametrize(
    ("level", "previous", "amount"),
    [("technician", "senior_worker", "600.00"), ("senior_technician", "technician", "800.00")],
)
def test_amount_follows_the_new_level(api, campaign, member, business_day, level, previous, amount):  # type: ignore[no-untyped-def]
    body = check_eligibility(api, factories.annex3(member, new_level=level, previous_level=previous)).json()

    assert (body["eligible"], body["amount"]) == (True, amount)


def test_chinese_labels_are_accepted(api, campaign, member, business_day):  # type: ignore[no-untyped-def]
    data = factories.annex3(
        member, new_level="技师", previous_level="高级工", issuer="区县(市)人社部门", certificate_issue_date="2020年6月30日"
    )

    body = check_eligibility(api, data).json()

    assert body["eligible"] is True
    assert body["amount"] == "600.00"


@pytest.mark.parametrize(
    ("issue_date", "eligible"),
    [
        pytest.param("2019-12-01", True, id="主窗口首日"),
        pytest.param("2020-11-30", True, id="主窗口末日"),
        pytest.param("2020-12-01", False, id="主窗口次日"),
    ],
)
def test_window_boundaries(api, campaign, member, business_day, issue_date, eligible):  # type: ignore[no-untyped-def]
    business_day("2020-12-10")

    body = check_eligibility(api, factories.annex3(member, certificate_issue_date=issue_date)).json()

    assert body["eligible"] is eligible
    assert checks_by_rule(body)["window"]["passed"] is eligible
    assert failing(body) == ([] if eligible else ["window"])
    assert body["amount"] == ("500.00" if eligible else None)


def test_makeup_without_2019_roster_fails_and_says_so(api, campaign, member, business_day):  # type: ignore[no-untyped-def]
    body = check_eligibility(api, factories.annex3(member, certificate_issue_date="2019-06-30")).json()

    assert body["eligible"] is False
    assert body["is_makeup"] is True
    assert failing(body) == ["window"]
    assert "2019年度奖励名单尚未导入" in checks_by_rule(body)["window"]["message"]


def test_makeup_passes_once_the_2019_roster_is_imported(api, campaign, member, business_day):  # type: ignore[no-untyped-def]
    roster_2019_imported()

    body = check_eligibility(api, factories.annex3(member, certificate_issue_date="2019-11-30")).json()

    assert body["eligible"] is True
    assert body["is_makeup"] is True
    assert body["amount"] == "500.00"
    assert "可以补申报" in checks_by_rule(body)["window"]["message"]


def test_makeup_opens_when_the_roster_import_finishes(api, campaign, member, business_day):  # type: ignore[no-untyped-def]
    data = factories.annex3(member, certificate_issue_date="2019-06-30")
    run = ImportRun.objects.create(kind="awards", year=2019, file_name="2019.csv", file_sha256="1" * 64, started_at=timezone.now())

    while_running = check_eligibility(api, data).json()
    run.finished_at = timezone.now()
    run.save()
    finished = check_eligibility(api, data).json()

    assert failing(while_running) == ["window"]
    assert "尚未导入" in checks_by_rule(while_running)["window"]["message"]
    assert finished["eligible"] is True


def test_a_roster_of_another_year_does_not_open_the_makeup(api, campaign, member, business_day):  # type: ignore[no-untyped-def]
    now = timezone.now()
    ImportRun.objects.create(kind="awards", year=2018, file_name="2018.csv", file_sha256="2" * 64, started_at=now, finished_at=now)

    body = check_eligibility(api, factories.annex3(member, certificate_issue_date="2019-06-30")).json()

    assert failing(body) == ["window"]


@pytest.mark.parametrize("status", ["paid", "applied"])
def test_makeup_with_a_2019_award_fails(api, campaign, member, business_day, status):  # type: ignore[no-untyped-def]
    roster_2019_imported()
    factories.make_past_award(member=member, year=2019, status=status)

    body = check_eligibility(api, factories.annex3(member, certificate_issue_date="2019-06-30")).json()

    assert body["eligible"] is False
    assert failing(body) == ["window"]
    assert "已申请或领取过2019年度奖励" in checks_by_rule(body)["window"]["message"]


def test_a_2019_award_does_not_matter_for_a_main_window_certificate(api, campaign, member, business_day):  # type: ignore[no-untyped-def]
    roster_2019_imported()
    factories.make_past_award(member=member, year=2019)

    body = check_eligibility(api, factories.annex3(member)).json()

    assert body["eligible"] is True


def test_an_award_of_another_year_does_not_block_the_makeup(api, campaign, member, business_day):  # type: ignore[no-untyped-def]
    roster_2019_imported()
    factories.make_past_award(member=member, year=2018)

    body = check_eligibility(api, factories.annex3(member, certificate_issue_date="2019-06-30")).json()

    assert body["eligible"] is True


def test_industry_authority_needs_an_occupation_approved_for_the_union(  # type: ignore[no-untyped-def]
    api, campaign, member, xihu, shangcheng, business_day
):
    data = factories.annex3(member, issuer="industry_authority", occupation="网络与信息安全管理员(网络安全)")

    before = check_eligibility(api, data).json()
    approve_occupation(campaign=campaign, union=xihu, occupation="网络与信息安全管理员（网络安全）")
    after = check_eligibility(api, data).json()
    outsider = factories.make_member(union=shangcheng, name="李娜")
    other_union = check_eligibility(
        api, factories.annex3(outsider, issuer="industry_authority", occupation="网络与信息安全管理员(网络安全)")
    ).json()

    assert before["eligible"] is False
    assert failing(before) == ["issuer"]
    assert after["eligible"] is True
    assert after["amount"] == "500.00"
    assert "西湖区总工会" in checks_by_rule(after)["issuer"]["message"]
    assert other_union["eligible"] is False
    assert failing(other_union) == ["issuer"]
    assert "上城区总工会" in checks_by_rule(other_union)["issuer"]["message"]


@pytest.mark.parametrize("status", ["pending", "rejected"])
def test_an_undecided_or_rejected_occupation_does_not_count(api, campaign, member, xihu, business_day, status):  # type: ignore[no-untyped-def]
    OccupationDeclaration.objects.create(campaign=campaign, union=xihu, occupation="无人机驾驶员", reason="试点", status=status)

    body = check_eligibility(api, factories.annex3(member, issuer="industry_authority", occupation="无人机驾驶员")).json()

    assert failing(body) == ["issuer"]


@pytest.mark.parametrize("issuer", ["evaluation_org", "employer", "other"])
def test_issuers_not_counted_in_2020(api, campaign, member, business_day, issuer):  # type: ignore[no-untyped-def]
    body = check_eligibility(api, factories.annex3(member, issuer=issuer)).json()

    assert failing(body) == ["issuer"]


def test_bad_check_digit_is_400_with_the_field_and_no_rule(api, campaign, member, business_day):  # type: ignore[no-untyped-def]
    number = member.id_number
    broken = number[:-1] + ("0" if number[-1] != "0" else "1")

    response = check_eligibility(api, factories.annex3(member, id_number=broken))

    assert response.status_code == 400
    body = response.json()
    assert "checks" not in body
    assert body["error"]["code"] == "invalid_input"
    assert body["error"]["message"]
    assert "校验位" in body["error"]["fields"]["id_number"][0]


def test_missing_fields_are_400(api, campaign, business_day):  # type: ignore[no-untyped-def]
    response = check_eligibility(api, {"name": "张晓明"})

    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert set(fields) == {"id_number", "new_level", "certificate_issue_date", "issuer", "occupation"}


def test_future_issue_date_is_400(api, campaign, member, business_day):  # type: ignore[no-untyped-def]
    response = check_eligibility(api, factories.annex3(member, certificate_issue_date="2020-10-16"))

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["certificate_issue_date"]


def test_gender_contradicting_the_id_is_400(api, campaign, xihu, business_day):  # type: ignore[no-untyped-def]
    person = factories.make_member(union=xihu, id_number=factories.new_id_number(gender="male"))

    response = check_eligibility(api, factories.annex3(person, gender="female"))

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["gender"]


def test_unknown_person_is_judged_and_fails_the_member_rule(api, campaign, business_day):  # type: ignore[no-untyped-def]
    data = {
        "name": "王芳",
        "id_number": factories.new_id_number(),
        "occupation": "车工",
        "new_level": "senior_worker",
        "certificate_issue_date": "2020-06-30",
        "issuer": "hr_hangzhou",
    }

    response = check_eligibility(api, data)

    assert response.status_code == 200
    body = response.json()
    assert body["eligible"] is False
    assert body["amount"] is None
    # Nothing is said of the records of whoever holds that ID number (withheld, not judged).
    assert failing(body) == ["member", "window", "once_per_campaign", "deadline"]
    assert "会员库中没有" in checks_by_rule(body)["member"]["message"]
    assert {checks_by_rule(body)[rule]["message"] for rule in ("window", "once_per_campaign", "deadline")} == {WITHHELD}


def test_unverified_member_fails_the_member_rule(api, campaign, xihu, business_day):  # type: ignore[no-untyped-def]
    person = factories.make_member(union=xihu, verified=False)

    body = check_eligibility(api, factories.annex3(person)).json()

    assert failing(body) == ["member"]
    assert "实名认证" in checks_by_rule(body)["member"]["message"]


def test_name_differing_from_the_registry_fails_the_member_rule(api, campaign, member, business_day):  # type: ignore[no-untyped-def]
    body = check_eligibility(api, factories.annex3(member, name="张小明")).json()

    assert failing(body) == ["member", "window", "once_per_campaign", "deadline"]


def test_someone_elses_id_number_tells_nothing_of_their_applications(api, campaign, member, business_day):  # type: ignore[no-untyped-def]
    """DOMAIN.md §9: the self-check is for anyone; an ID number and a guessed name must not tell
    whether that person applied, under which number, or was rewarded last year."""
    from rewards.applications.models import Application

    factories.make_application(campaign=campaign, member=member, status="pending_district")
    number = Application.objects.get().application_no
    right = check_eligibility(api, factories.annex3(member)).json()
    assert "正在办理中" in checks_by_rule(right)["once_per_campaign"]["message"]  # the person themself is told…
    assert number not in str(right)  # …but never the number, which a status query needs a password for
    wrong = check_eligibility(api, factories.annex3(member, name="张三")).json()
    assert number not in str(wrong) and "办理中" not in str(wrong)
    assert checks_by_rule(wrong)["once_per_campaign"]["message"] == WITHHELD


def test_union_differing_from_the_registry_is_400(api, campaign, member, business_day):  # type: ignore[no-untyped-def]
    response = check_eligibility(api, factories.annex3(member, union="上城区总工会"))

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_input"
    assert "西湖区总工会" in error["fields"]["union"][0]


def test_union_matching_the_registry_is_accepted(api, campaign, member, business_day):  # type: ignore[no-untyped-def]
    body = check_eligibility(api, factories.annex3(member, union=" 西湖区总工会 ")).json()

    assert body["eligible"] is True


def test_after_the_deadline_the_deadline_rule_fails(api, campaign, member, business_day):  # type: ignore[no-untyped-def]
    business_day("2020-12-15")
    on_the_day = check_eligibility(api, factories.annex3(member)).json()
    business_day("2020-12-16")
    after = check_eligibility(api, factories.annex3(member)).json()

    assert on_the_day["eligible"] is True
    assert after["eligible"] is False
    assert failing(after) == ["deadline"]
    assert "2020年12月15日截止" in checks_by_rule(after)["deadline"]["message"]


def test_self_check_writes_nothing(api, campaign, member, business_day):  # type: ignore[no-untyped-def]
    from rewards.applications.models import Application

    check_eligibility(api, factories.annex3(member))

    assert Application.objects.count() == 0


def test_throttled_after_the_rate(api, campaign, member, business_day, settings):  # type: ignore[no-untyped-def]
    settings.THROTTLES = {**settings.THROTTLES, "eligibility": "3/min"}
    data = factories.annex3(member)

    answers = [check_eligibility(api, data) for _ in range(4)]

    assert [r.status_code for r in answers] == [200, 200, 200, 429]
    refused = answers[-1]
    assert refused.json()["error"]["code"] == "throttled"
    assert refused.json()["error"]["message"]
    assert 0 < int(refused["Retry-After"]) <= 60


def test_throttle_counts_per_client(api, campaign, member, business_day, settings):  # type: ignore[no-untyped-def]
    settings.THROTTLES = {**settings.THROTTLES, "eligibility": "1/min"}
    data = factories.annex3(member)

    first = api.post(URL, data, content_type="application/json", REMOTE_ADDR="10.0.0.1")
    second = api.post(URL, data, content_type="application/json", REMOTE_ADDR="10.0.0.1")
    other = api.post(URL, data, content_type="application/json", REMOTE_ADDR="10.0.0.2")

    assert [first.status_code, second.status_code, other.status_code] == [200, 429, 200]


# 当前年度、健康检查、接口文档 ------------------------------------------------------------------


def test_current_campaign(api, campaign, business_day):  # type: ignore[no-untyped-def]
    response = api.get("/api/v1/campaigns/current")

    assert response.status_code == 200
    body = response.json()
    assert body["year"] == 2020
    assert body["application_deadline"] == "2020-12-15"
    assert {level["code"]: level["amount"] for level in body["levels"]} == {
        "senior_worker": "500.00",
        "technician": "600.00",
        "senior_technician": "800.00",
    }
    assert {level["code"]: level["label"] for level in body["levels"]}["senior_worker"] == "高级工"
    assert body["windows"]["main"] == {"start": "2019-12-01", "end": "2020-11-30"}
    assert body["windows"]["makeup"] == {"start": "2018-12-01", "end": "2019-11-30", "previous_year": 2019}


def test_current_campaign_without_any_is_404(api, db):  # type: ignore[no-untyped-def]
    response = api.get("/api/v1/campaigns/current")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_health(api):  # type: ignore[no-untyped-def]
    response = api.get("/api/v1/health")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_deep_health_checks_the_database(api, db):  # type: ignore[no-untyped-def]
    response = api.get("/api/v1/health?deep=1")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["storage"] == "ok"


def test_openapi_schema_lists_the_self_check(api, db):  # type: ignore[no-untyped-def]
    response = api.get("/api/v1/openapi.json")

    assert response.status_code == 200
    schema = response.json()
    assert "/api/v1/eligibility" in schema["paths"]
    assert "post" in schema["paths"]["/api/v1/eligibility"]
    assert "/api/v1/campaigns/current" in schema["paths"]


def test_eligibility_is_post_only(api, campaign, business_day):  # type: ignore[no-untyped-def]
    response = api.get(URL)

    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_business_day_is_the_one_judged(api, campaign, member, business_day):  # type: ignore[no-untyped-def]
    business_day("2020-03-25")

    response = check_eligibility(api, factories.annex3(member, certificate_issue_date="2020-01-15"))

    # Before 2020-03-26 the 2020 campaign is not yet open; it is still the latest by year.
    assert response.status_code == 200
    body = response.json()
    assert failing(body) == ["deadline"]
    assert "2020年3月26日开始受理" in checks_by_rule(body)["deadline"]["message"]


def test_docs_page_points_at_the_schema(api, db):  # type: ignore[no-untyped-def]
    response = api.get("/api/v1/docs")
    # The start-up script is a file of its own (no inline script under the CSP); it names the schema.
    script = api.get("/api/v1/docs?script=")

    assert response.status_code == 200 and b'<script src="/api/v1/docs?script=">' in response.content
    assert script.status_code == 200 and b"/api/v1/openapi.json" in script.content


def test_rules_not_judged_for_a_name_that_does_not_match_say_so(api, campaign, business_day, member):
    body = api.post(
        "/api/v1/eligibility",
        {
            "id_number": member.id_number,
            "name": member.name[:-1],
            "new_level": "senior_worker",
            "certificate_issue_date": "2020-06-30",
            "issuer": "hr_hangzhou",
            "occupation": "车工",
        },
        content_type="application/json",
    ).json()
    judged = {check["rule"]: check["judged"] for check in body["checks"]}
    assert [rule for rule, seen in judged.items() if not seen] == ["window", "once_per_campaign", "deadline"]
    assert judged["member"] is True


def test_an_accept_header_the_api_cannot_meet_gets_406_in_chinese(api, campaign, business_day):  # type: ignore[no-untyped-def]
    response = api.post(URL, {}, format="json", HTTP_ACCEPT="text/csv")

    assert response.status_code == 406
    assert response.json()["error"] == {"code": "not_acceptable", "message": "无法按 Accept 头要求的格式返回，请接受 application/json。"}


def test_a_body_of_an_unsupported_type_gets_415_in_chinese(api, campaign, business_day):  # type: ignore[no-untyped-def]
    response = api.post(URL, data="id_number=1", content_type="text/plain")

    assert response.status_code == 415
    assert response.json()["error"]["message"] == "不支持的请求格式，请以 JSON 或表单格式提交。"


def test_a_stranger_is_told_the_same_whether_the_id_number_is_a_members_or_not(api, campaign, member, business_day):  # type: ignore[no-untyped-def]
    """Decision 287: with a name that is not the holder's, a member's ID number and nobody's read
    alike; whether an ID number belongs to a union member is that person's to know."""
    members = check_eligibility(api, factories.annex3(member, name="张三")).json()
    nobodys = check_eligibility(api, {**factories.annex3(member, name="张三"), "id_number": factories.new_id_number()}).json()
    assert checks_by_rule(members)["member"] == checks_by_rule(nobodys)["member"]
    assert "会员库中没有与填写的身份证号码和姓名相符的会员" in checks_by_rule(members)["member"]["message"]


def test_a_union_typed_with_somebody_elses_id_number_names_no_union(api, campaign, member, business_day):  # type: ignore[no-untyped-def]
    """Decision 287: the union the registry names for an ID number is said only to its holder."""
    response = check_eligibility(api, factories.annex3(member, name="张三", union="上城区总工会"))
    assert response.status_code == 200
    assert "西湖区总工会" not in response.content.decode()
    assert failing(response.json())[0] == "member"
