"""The status query reads raw rows (rewards/applications/selectors.query_status): its answer
must stay the one that status_payload gives for the model, in every state and on every
database; "my applications" (GET /api/v1/applicant/applications) still uses the model."""

from __future__ import annotations

import datetime as dt

import pytest

from rewards.applications import selectors
from rewards.applications.models import Application
from rewards.core.vocab import Status

from .. import factories
from .helpers import applicant_token, bearer, decide, staff_token, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def worker(api, business_day, member):  # type: ignore[no-untyped-def]
    return applicant_token(api, member)


def query(api, member, password):  # type: ignore[no-untyped-def]
    response = api.post(
        "/api/v1/applications/query", {"id_number": member.id_number, "query_password": password}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    return response.json()


def mine(api, worker, number):  # type: ignore[no-untyped-def]
    return next(row for row in api.get("/api/v1/applicant/applications", **bearer(worker)).json() if row["application_no"] == number)


def test_query_answers_what_status_payload_answers_in_each_state(api, worker, member, xihu_reviewer, business_day):
    body = submit(api, worker, factories.annex3(member)).json()
    number, password = body["application_no"], body["query_password"]
    district = staff_token(api, xihu_reviewer)
    answers = [query(api, member, password)]
    assert answers[0] == mine(api, worker, number)

    business_day("2020-12-10")
    decide(api, district, number, "return", "请补充材料")
    returned = query(api, member, password)
    assert returned == mine(api, worker, number)
    assert returned["status"] == "returned" and returned["can_resubmit"] is True
    assert "2020年12月25日" in returned["next_step"]
    assert [row["decision"] for row in returned["history"]] == ["", "退回修改"]
    assert returned["history"][-1]["stage"] == "区县（产业）工会预审" and returned["history"][-1]["opinion"] == "请补充材料"
    business_day("2020-12-26")
    assert query(api, member, password)["can_resubmit"] is False

    business_day("2020-12-20")
    assert api.post(f"/api/v1/applications/{number}/resubmit", {"occupation": "钳工"}, **bearer(worker)).status_code == 200
    decide(api, district, number, "approve")
    pending_city = query(api, member, password)
    assert pending_city == mine(api, worker, number)
    assert pending_city["history"][-1]["stage"] == "区县（产业）工会预审" and pending_city["history"][-1]["decision"] == "通过"
    for status in (Status.APPROVED, Status.PAID, Status.PAYMENT_FAILED, Status.REJECTED):
        Application.objects.filter(application_no=number).update(status=status, has_decision=True)
        answer = query(api, member, password)
        assert answer == mine(api, worker, number)
        assert answer["status"] == status and answer["amount"] == "500.00"
        assert answer["amount_fixed"] is (status != Status.REJECTED)
        assert answer["can_resubmit"] is (status == Status.PAYMENT_FAILED)


def test_query_finds_the_application_of_the_password_among_the_persons(api, worker, member):
    first = submit(api, worker, factories.annex3(member)).json()
    assert api.post(f"/api/v1/applications/{first['application_no']}/withdraw", **bearer(worker)).status_code == 200
    second = submit(api, worker, factories.annex3(member)).json()
    withdrawn = query(api, member, first["query_password"])
    assert withdrawn == mine(api, worker, first["application_no"])
    assert withdrawn["status"] == "withdrawn" and [row["stage"] for row in withdrawn["history"]] == ["提交申请", "撤回申请"]
    assert query(api, member, second["query_password"].lower()) == mine(api, worker, second["application_no"])
    password = second["query_password"]
    full_width = "".join(chr(ord(char) + 0xFEE0) for char in password)  # ＡＢＣ１２３ as a Chinese keyboard types it
    for written in (f"{password[:5]}-{password[5:]}", f" {password[:5]} {password[5:]} ", f"{password[:5]}－{password[5:]}", full_width):
        assert query(api, member, written) == mine(api, worker, second["application_no"]), written  # two groups of five


def test_query_status_and_status_payload_give_equal_values(api, worker, member):
    body = submit(api, worker, factories.annex3(member)).json()
    payload = selectors.query_status(id_number=member.id_number, query_password=body["query_password"], client="-")
    application = Application.objects.select_related("campaign").get(application_no=body["application_no"])
    assert payload == selectors.status_payload(application)
    assert isinstance(payload["history"][0]["at"], dt.datetime) and payload["history"][0]["at"].utcoffset() == dt.timedelta(0)
    found = selectors.find_by_query_password(id_number=member.id_number, query_password=body["query_password"], client="-")
    assert found.pk == application.pk
