"""非通用性职业申报 (API.md occupation-declarations, DOMAIN.md §7): a district/industry union
declares up to the limit before the deadline (that day included); the economic department
decides each one once; an approved occupation turns that union's industry-authority
certificates eligible, and nobody else's."""

from __future__ import annotations

from collections import Counter

import pytest
from django.test import Client

from rewards.campaigns.models import DeclarationStatus, OccupationDeclaration
from rewards.core.models import AuditEvent

from .. import factories
from ..api.helpers import bearer, staff_token
from ..api.test_concurrency import run_together
from .conftest import BEFORE_DEADLINE

pytestmark = pytest.mark.django_db

URL = "/api/v1/occupation-declarations"


def declare(api, user, occupation: str, reason: str = "本区数字经济重点产业急需。"):  # type: ignore[no-untyped-def]
    return api.post(URL, {"occupation": occupation, "reason": reason}, content_type="application/json", **bearer(staff_token(api, user)))


def decide(api, user, declaration_id: int, decision: str, opinion: str = ""):  # type: ignore[no-untyped-def]
    return api.post(
        f"{URL}/{declaration_id}/decision",
        {"decision": decision, "opinion": opinion},
        content_type="application/json",
        **bearer(staff_token(api, user)),
    )


def error_code(response) -> str:  # type: ignore[no-untyped-def]
    return response.json()["error"]["code"]


# 申报 --------------------------------------------------------------------------------------


def test_a_district_reviewer_declares_for_its_own_union(api, campaign, xihu, xihu_reviewer, open_for_declarations):
    response = declare(api, xihu_reviewer, "无人机驾驶员", "本区无人机产业集聚，持证职工多。")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "pending" and isinstance(body["id"], int)
    declaration = OccupationDeclaration.objects.get(pk=body["id"])
    assert (declaration.union, declaration.campaign, declaration.declared_by) == (xihu, campaign, xihu_reviewer)
    assert declaration.reason == "本区无人机产业集聚，持证职工多。"
    event = AuditEvent.objects.get(action="occupation.declare")
    assert event.object_id == str(declaration.pk) and event.actor == xihu_reviewer


def test_the_fourth_declaration_is_409_limit_reached(api, campaign, xihu, xihu_reviewer, open_for_declarations):
    for name in ("无人机驾驶员", "网络与信息安全管理员", "茶艺师"):
        assert declare(api, xihu_reviewer, name).status_code == 201

    response = declare(api, xihu_reviewer, "民航乘务员")

    assert response.status_code == 409
    assert error_code(response) == "limit_reached"
    assert "3" in response.json()["error"]["message"]
    assert OccupationDeclaration.objects.filter(union=xihu).count() == 3


def test_a_rejected_declaration_frees_its_place_and_an_approved_one_does_not(
    api, campaign, xihu, xihu_reviewer, economic_officer, open_for_declarations
):
    ids = [declare(api, xihu_reviewer, name).json()["id"] for name in ("无人机驾驶员", "网络与信息安全管理员", "茶艺师")]
    assert decide(api, economic_officer, ids[0], "approve").status_code == 200
    assert declare(api, xihu_reviewer, "民航乘务员").status_code == 409

    assert decide(api, economic_officer, ids[1], "reject", "该职业已纳入人社部门目录，无需备案。").status_code == 200
    fourth = declare(api, xihu_reviewer, "民航乘务员")
    fifth = declare(api, xihu_reviewer, "调饮师")

    assert fourth.status_code == 201
    assert fifth.status_code == 409 and error_code(fifth) == "limit_reached"
    counted = OccupationDeclaration.objects.filter(union=xihu, status__in=["pending", "approved"]).count()
    assert counted == 3


def test_the_deadline_day_itself_is_accepted(api, campaign, xihu_reviewer, business_day):
    business_day("2020-08-30")

    response = declare(api, xihu_reviewer, "无人机驾驶员")

    assert response.status_code == 201


def test_the_day_after_the_deadline_is_409_deadline_passed(api, campaign, xihu_reviewer, business_day):
    business_day("2020-08-31")

    response = declare(api, xihu_reviewer, "无人机驾驶员")

    assert response.status_code == 409
    assert error_code(response) == "deadline_passed"
    assert "2020年8月30日" in response.json()["error"]["message"]
    assert not OccupationDeclaration.objects.exists()


def test_the_deadline_is_the_campaigns_own(api, campaign, xihu_reviewer, business_day):
    campaign.declaration_deadline = "2020-09-15"
    campaign.save()
    business_day("2020-09-15")

    assert declare(api, xihu_reviewer, "无人机驾驶员").status_code == 201


def test_the_deadline_counts_in_the_business_date_of_shanghai(api, campaign, xihu_reviewer, settings, monkeypatch):
    """No APP_TODAY: 2020-08-30 16:30 UTC is already 08-31 00:30 in Hangzhou."""
    import datetime as dt

    from django.utils import timezone

    settings.APP_TODAY = None
    monkeypatch.setattr(timezone, "now", lambda: dt.datetime(2020, 8, 30, 16, 30, tzinfo=dt.UTC))

    response = declare(api, xihu_reviewer, "无人机驾驶员")

    assert response.status_code == 409 and error_code(response) == "deadline_passed"


def test_before_the_campaign_opens_is_409_not_open(api, campaign, xihu_reviewer, business_day):
    business_day("2020-03-25")

    response = declare(api, xihu_reviewer, "无人机驾驶员")

    assert response.status_code == 409 and error_code(response) == "not_open"


@pytest.mark.parametrize("spelling", ["无人机驾驶员", " 无人机 驾驶员 ", "无人机驾驶员　"])
def test_the_same_occupation_twice_is_409_already_declared(api, campaign, xihu_reviewer, open_for_declarations, spelling):
    assert declare(api, xihu_reviewer, "无人机驾驶员").status_code == 201

    response = declare(api, xihu_reviewer, spelling)

    assert response.status_code == 409
    assert error_code(response) == "already_declared"
    assert OccupationDeclaration.objects.count() == 1


def test_full_and_half_width_brackets_are_the_same_occupation(api, campaign, xihu_reviewer, open_for_declarations):
    assert declare(api, xihu_reviewer, "网络与信息安全管理员（网络安全）").status_code == 201

    assert error_code(declare(api, xihu_reviewer, "网络与信息安全管理员(网络安全)")) == "already_declared"


def test_a_rejected_occupation_may_be_declared_again_and_another_union_may_declare_it(
    api, campaign, xihu_reviewer, shangcheng_reviewer, economic_officer, open_for_declarations
):
    first = declare(api, xihu_reviewer, "无人机驾驶员").json()["id"]
    assert declare(api, shangcheng_reviewer, "无人机驾驶员").status_code == 201
    decide(api, economic_officer, first, "reject", "理由不充分，请补充涉及的企业和职工人数。")

    again = declare(api, xihu_reviewer, "无人机驾驶员", "本区无人机企业12家，持证职工约300人。")

    assert again.status_code == 201
    assert OccupationDeclaration.objects.filter(occupation_key="无人机驾驶员").count() == 3


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"occupation": "", "reason": "理由"}, "occupation"),
        ({"occupation": "无人机驾驶员", "reason": "   "}, "reason"),
        ({"occupation": "职" * 101, "reason": "理由"}, "occupation"),
        ({"reason": "理由"}, "occupation"),
        # JSON that is not text: str() stored "['无人机驾驶员']" and "{'a': 1}" as given.
        ({"occupation": ["无人机驾驶员"], "reason": "理由"}, "occupation"),
        ({"occupation": "无人机驾驶员", "reason": {"a": 1}}, "reason"),
        ({"occupation": 12, "reason": "理由"}, "occupation"),
    ],
)
def test_missing_or_overlong_fields_are_400(api, campaign, xihu_reviewer, open_for_declarations, body, field):
    response = api.post(URL, body, content_type="application/json", **bearer(staff_token(api, xihu_reviewer)))

    assert response.status_code == 400
    assert error_code(response) == "invalid_input"
    assert field in response.json()["error"]["fields"]
    assert not OccupationDeclaration.objects.exists()


# 审核 --------------------------------------------------------------------------------------


def test_the_economic_officer_approves_once(api, campaign, xihu_reviewer, economic_officer, open_for_declarations):
    declaration_id = declare(api, xihu_reviewer, "无人机驾驶员").json()["id"]

    response = decide(api, economic_officer, declaration_id, "approve", "同意备案。")
    again = decide(api, economic_officer, declaration_id, "reject", "改变主意")

    assert response.status_code == 200
    assert response.json()["status"] == "approved"
    declaration = OccupationDeclaration.objects.get(pk=declaration_id)
    assert declaration.status == DeclarationStatus.APPROVED
    assert declaration.decided_by == economic_officer and declaration.decided_at is not None
    assert declaration.opinion == "同意备案。"
    assert again.status_code == 409 and error_code(again) == "already_decided"
    assert OccupationDeclaration.objects.get(pk=declaration_id).status == DeclarationStatus.APPROVED
    assert list(AuditEvent.objects.filter(action__startswith="occupation.").order_by("pk").values_list("action", flat=True)) == [
        "occupation.declare",
        "occupation.approve",
    ]


def test_a_rejection_needs_an_opinion(api, campaign, xihu_reviewer, economic_officer, open_for_declarations):
    declaration_id = declare(api, xihu_reviewer, "无人机驾驶员").json()["id"]

    without = decide(api, economic_officer, declaration_id, "reject", "  ")
    with_opinion = decide(api, economic_officer, declaration_id, "reject", "该职业证书非行业主管部门核发。")

    assert without.status_code == 400 and "opinion" in without.json()["error"]["fields"]
    assert with_opinion.status_code == 200 and with_opinion.json()["status"] == "rejected"
    assert OccupationDeclaration.objects.get(pk=declaration_id).opinion == "该职业证书非行业主管部门核发。"


@pytest.mark.parametrize("decision", ["", "return", "APPROVE"])
def test_an_unknown_decision_is_400(api, campaign, xihu_reviewer, economic_officer, open_for_declarations, decision):
    declaration_id = declare(api, xihu_reviewer, "无人机驾驶员").json()["id"]

    response = decide(api, economic_officer, declaration_id, decision)

    assert response.status_code == 400 and "decision" in response.json()["error"]["fields"]


def test_an_opinion_that_is_not_text_is_400(api, campaign, xihu_reviewer, economic_officer, open_for_declarations):
    declaration_id = declare(api, xihu_reviewer, "无人机驾驶员").json()["id"]

    response = api.post(
        f"{URL}/{declaration_id}/decision",
        {"decision": "reject", "opinion": ["不同意"]},
        content_type="application/json",
        **bearer(staff_token(api, economic_officer)),
    )

    assert response.status_code == 400 and "opinion" in response.json()["error"]["fields"]
    assert OccupationDeclaration.objects.get().status == DeclarationStatus.PENDING


def test_deciding_an_unknown_declaration_is_404(api, campaign, economic_officer):
    response = decide(api, economic_officer, 999999, "approve")

    assert response.status_code == 404 and error_code(response) == "not_found"


@pytest.mark.parametrize("body", [{"decision": "maybe"}, {"decision": "reject", "opinion": ""}])
def test_an_unknown_declaration_is_404_whatever_the_body(api, campaign, economic_officer, body):
    response = api.post(f"{URL}/9999/decision", body, content_type="application/json", **bearer(staff_token(api, economic_officer)))

    assert response.status_code == 404 and error_code(response) == "not_found"


def test_decisions_may_come_after_the_declaration_deadline(api, campaign, xihu_reviewer, economic_officer, business_day):
    business_day("2020-08-30")
    declaration_id = declare(api, xihu_reviewer, "无人机驾驶员").json()["id"]
    business_day("2020-09-10")

    assert decide(api, economic_officer, declaration_id, "approve").status_code == 200


# 对资格的影响 ---------------------------------------------------------------------------------


def self_check(api, member, occupation: str) -> dict:  # type: ignore[no-untyped-def]
    data = factories.annex3(member, issuer="industry_authority", occupation=occupation)
    response = api.post("/api/v1/eligibility", data, content_type="application/json")
    assert response.status_code == 200, response.content
    return {check["rule"]: check for check in response.json()["checks"]} | {"eligible": response.json()["eligible"]}


def test_an_approved_occupation_turns_the_certificate_eligible_for_that_union_only(
    api, campaign, xihu, shangcheng, xihu_reviewer, shangcheng_reviewer, economic_officer, business_day
):
    business_day(BEFORE_DEADLINE)
    in_xihu = factories.make_member(union=xihu, name="王建国")
    in_shangcheng = factories.make_member(union=shangcheng, name="李秀英")
    mine = declare(api, xihu_reviewer, "无人机驾驶员").json()["id"]
    declare(api, shangcheng_reviewer, "无人机驾驶员")  # declared there too, but never approved
    business_day("2020-10-15")
    before = self_check(api, in_xihu, "无人机驾驶员")  # also fills the per-process campaign caches
    other_before = self_check(api, in_shangcheng, "无人机驾驶员")

    assert decide(api, economic_officer, mine, "approve", "同意备案。").status_code == 200
    after = self_check(api, in_xihu, "无人机驾驶员")
    other_after = self_check(api, in_shangcheng, "无人机驾驶员")

    assert before["eligible"] is False and before["issuer"]["passed"] is False
    assert after["eligible"] is True and after["issuer"]["passed"] is True
    assert "西湖区总工会" in after["issuer"]["message"]
    assert other_before["eligible"] is False and other_after["eligible"] is False
    assert other_after["issuer"]["passed"] is False
    assert "上城区总工会" in other_after["issuer"]["message"]
    # Only the approved occupation: another industry-authority certificate of 西湖区 stays refused.
    assert self_check(api, in_xihu, "茶艺师")["issuer"]["passed"] is False


def test_a_rejected_occupation_leaves_the_certificate_ineligible(api, campaign, xihu, xihu_reviewer, economic_officer, business_day):
    business_day(BEFORE_DEADLINE)
    member = factories.make_member(union=xihu)
    declaration_id = declare(api, xihu_reviewer, "无人机驾驶员").json()["id"]
    decide(api, economic_officer, declaration_id, "reject", "不符合条件。")

    assert self_check(api, member, "无人机驾驶员")["issuer"]["passed"] is False


# 角色 --------------------------------------------------------------------------------------

ALL_ROLES = ["grassroots_clerk", "xihu_reviewer", "city_reviewer", "finance_a", "economic_officer", "auditor", "administrator"]


@pytest.mark.parametrize("role", ALL_ROLES)
def test_only_a_district_reviewer_declares(api, campaign, open_for_declarations, request, role):
    user = request.getfixturevalue(role)

    response = declare(api, user, "无人机驾驶员")

    expected = 201 if role == "xihu_reviewer" else 403
    assert response.status_code == expected, response.content
    if expected == 403:
        assert error_code(response) == "forbidden"


@pytest.mark.parametrize("role", ALL_ROLES)
def test_only_the_economic_officer_decides(api, campaign, xihu_reviewer, open_for_declarations, request, role):
    declaration_id = declare(api, xihu_reviewer, "无人机驾驶员").json()["id"]
    user = request.getfixturevalue(role)

    response = decide(api, user, declaration_id, "approve")

    assert response.status_code == (200 if role == "economic_officer" else 403)
    expected = "approved" if role == "economic_officer" else "pending"
    assert OccupationDeclaration.objects.get(pk=declaration_id).status == expected


def test_without_a_token_every_endpoint_is_401(api, campaign):
    assert api.post(URL, {"occupation": "x", "reason": "y"}, content_type="application/json").status_code == 401
    assert api.get(URL).status_code == 401
    assert api.post(f"{URL}/1/decision", {"decision": "approve"}, content_type="application/json").status_code == 401
    assert api.get("/api/v1/reports/annex5.xlsx").status_code == 401


@pytest.mark.parametrize(
    ("role", "status", "seen"),
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
def test_the_list_is_scoped(api, campaign, xihu_reviewer, shangcheng_reviewer, open_for_declarations, request, role, status, seen):
    declare(api, xihu_reviewer, "无人机驾驶员")
    declare(api, shangcheng_reviewer, "茶艺师")
    user = request.getfixturevalue(role)

    response = api.get(URL, {"year": 2020}, **bearer(staff_token(api, user)))

    assert response.status_code == status
    if seen is not None:
        body = response.json()
        assert {row["union"] for row in body["results"]} == seen
        assert body["declaration_limit"] == 3 and body["declaration_deadline"] == "2020-08-30"


@pytest.mark.parametrize(("year", "status"), [("²⁰²⁰", 400), ("二〇二〇", 400), ("２０２０", 200), ("2020", 200)])
def test_the_list_reads_the_year_as_a_number_or_refuses_it(api, campaign, economic_officer, year, status):
    """The year "²⁰²⁰" passes str.isdigit() and int() refuses it: the list answered 500."""
    response = api.get(URL, {"year": year}, **bearer(staff_token(api, economic_officer)))

    assert response.status_code == status
    if status == 400:
        assert response.json()["error"]["fields"]["year"] == ["年度应为四位数字，例如 2020。"]
    else:
        assert response.json()["year"] == 2020


def test_the_status_filter_names_every_status_and_takes_withdrawn(api, campaign, xihu_reviewer, open_for_declarations):
    token = bearer(staff_token(api, xihu_reviewer))
    withdrawn = declare(api, xihu_reviewer, "无人机驾驶员").json()["id"]
    api.post(f"{URL}/{withdrawn}/withdraw", **token)

    listed = api.get(URL, {"status": "withdrawn"}, **token)
    refused = api.get(URL, {"status": "done"}, **token)

    assert listed.status_code == 200 and [row["id"] for row in listed.json()["results"]] == [withdrawn]
    message = refused.json()["error"]["fields"]["status"][0]
    assert refused.status_code == 400 and "withdrawn（已撤回）" in message and "pending（待审核）" in message


def test_a_district_reviewer_sees_its_places_left(api, campaign, xihu_reviewer, open_for_declarations):
    declare(api, xihu_reviewer, "无人机驾驶员")

    body = api.get(URL, **bearer(staff_token(api, xihu_reviewer))).json()

    assert body["quota"] == {"union": "西湖区总工会", "limit": 3, "used": 1, "remaining": 2, "deadline": "2020-08-30", "open": True}


def test_another_unions_declaration_is_404(api, campaign, xihu_reviewer, shangcheng_reviewer, open_for_declarations):
    declaration_id = declare(api, xihu_reviewer, "无人机驾驶员").json()["id"]

    mine = api.get(f"{URL}/{declaration_id}", **bearer(staff_token(api, xihu_reviewer)))
    theirs = api.get(f"{URL}/{declaration_id}", **bearer(staff_token(api, shangcheng_reviewer)))
    filtered = api.get(URL, {"union": "西湖区总工会"}, **bearer(staff_token(api, shangcheng_reviewer)))

    assert mine.status_code == 200 and mine.json()["occupation"] == "无人机驾驶员"
    assert theirs.status_code == 404
    assert filtered.status_code == 404


# 并发 --------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_ten_parallel_declarations_of_one_union_stop_at_the_limit(campaign, xihu, xihu_reviewer, business_day):
    business_day(BEFORE_DEADLINE)
    token = staff_token(Client(HTTP_HOST="127.0.0.1"), xihu_reviewer)

    def work(i: int) -> int:
        client = Client(HTTP_HOST="127.0.0.1")
        body = {"occupation": f"非通用职业{i}", "reason": "试点"}
        return client.post(URL, body, content_type="application/json", **bearer(token)).status_code

    codes = Counter(run_together(10, work))

    assert codes == {201: 3, 409: 7}, codes
    assert OccupationDeclaration.objects.filter(union=xihu).count() == 3


@pytest.mark.django_db(transaction=True)
def test_parallel_decisions_decide_once(campaign, xihu_reviewer, economic_officer, business_day):
    business_day(BEFORE_DEADLINE)
    client = Client(HTTP_HOST="127.0.0.1")
    declaration_id = declare(client, xihu_reviewer, "无人机驾驶员").json()["id"]
    token = staff_token(client, economic_officer)

    def work(i: int) -> int:
        body = {"decision": "approve" if i % 2 else "reject", "opinion": f"意见{i}"}
        return (
            Client(HTTP_HOST="127.0.0.1")
            .post(f"{URL}/{declaration_id}/decision", body, content_type="application/json", **bearer(token))
            .status_code
        )

    codes = Counter(run_together(8, work))

    assert codes == {200: 1, 409: 7}, codes
    assert AuditEvent.objects.filter(action__in=["occupation.approve", "occupation.reject"]).count() == 1
