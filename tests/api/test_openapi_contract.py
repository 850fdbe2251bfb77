"""The OpenAPI schema (GET /api/v1/openapi.json, API.md: "the full reference") says what the
endpoints really answer: every field of an answer is documented, and every error status an
endpoint gives is among its documented responses with its error code named."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from .. import factories
from .helpers import applicant_token, bearer, decide, staff_token, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(api) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    response = api.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node or ("allOf" in node and len(node["allOf"]) == 1):
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]] if "$ref" in node else node["allOf"][0]
    return node


def undocumented(schema: dict[str, Any], answer: Any, node: dict[str, Any], where: str = "$") -> list[str]:
    """The places in ``answer`` that the schema ``node`` does not describe (a key it does not name)."""
    node = _resolve(schema, node)
    found: list[str] = []
    if isinstance(answer, dict) and "properties" in node:
        for key, value in answer.items():
            if key not in node["properties"]:
                found.append(f"{where}.{key}")
            else:
                found += undocumented(schema, value, node["properties"][key], f"{where}.{key}")
    elif isinstance(answer, list) and "items" in node:
        for index, item in enumerate(answer):
            found += undocumented(schema, item, node["items"], f"{where}[{index}]")
    return found


def answer_schema(schema: dict[str, Any], method: str, path: str, status: int) -> dict[str, Any]:
    return schema["paths"][path][method]["responses"][str(status)]["content"]["application/json"]["schema"]


def test_the_history_of_an_application_is_documented_field_by_field(api, schema, member, xihu_reviewer, business_day):  # type: ignore[no-untyped-def]
    worker = applicant_token(api, member)
    submitted = submit(api, worker, factories.annex3(member)).json()
    assert decide(api, staff_token(api, xihu_reviewer), submitted["application_no"], "return", "请补充材料").status_code == 200

    queried = api.post(
        "/api/v1/applications/query",
        {"id_number": member.id_number, "query_password": submitted["query_password"]},
        content_type="application/json",
    ).json()
    mine = api.get("/api/v1/applicant/applications", **bearer(worker)).json()
    detail = api.get(f"/api/v1/review/applications/{submitted['application_no']}", **bearer(staff_token(api, xihu_reviewer))).json()

    assert queried["history"][-1]["opinion_label"] == "意见"  # the field the schema must name
    assert undocumented(schema, queried, answer_schema(schema, "post", "/api/v1/applications/query", 200)) == []
    assert undocumented(schema, mine, answer_schema(schema, "get", "/api/v1/applicant/applications", 200)) == []
    assert undocumented(schema, detail, answer_schema(schema, "get", "/api/v1/review/applications/{no}", 200)) == []


# Error answers -------------------------------------------------------------------------------


def assert_documented(schema: dict[str, Any], method: str, path: str, answer) -> None:  # type: ignore[no-untyped-def]
    """``answer``'s status is among the operation's documented responses, which names its code."""
    code = answer.json()["error"]["code"]
    documented = schema["paths"][path][method]["responses"]
    assert str(answer.status_code) in documented, f"{method.upper()} {path}: {answer.status_code} {code} is not documented"
    assert f"`{code}`" in documented[str(answer.status_code)]["description"], f"{method.upper()} {path}: {code} is not named"


def test_every_documented_error_names_the_codes_it_carries(schema):  # type: ignore[no-untyped-def]
    from rewards.api.schema import ERROR_CODES

    unnamed = [
        f"{method.upper()} {path} {status}"
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        for status, response in operation["responses"].items()
        if status.startswith("4") and not any(f"`{code}`" in response.get("description", "") for code in ERROR_CODES)
    ]
    assert unnamed == []


def test_the_workers_errors_are_documented_with_their_codes(api, schema, member, xihu, xihu_reviewer, business_day):  # type: ignore[no-untyped-def]
    stranger = api.post("/api/v1/applicant/otp", {"id_number": member.id_number, "name": "李四"}, content_type="application/json")
    assert stranger.status_code == 403
    assert_documented(schema, "post", "/api/v1/applicant/otp", stranger)

    signed_out = api.post("/api/v1/applications/2020000001/query-password")
    assert signed_out.status_code == 401
    assert_documented(schema, "post", "/api/v1/applications/{no}/query-password", signed_out)

    worker = applicant_token(api, member)
    first = submit(api, worker, factories.annex3(member)).json()
    again = submit(api, worker, factories.annex3(member))
    assert again.status_code == 409
    assert_documented(schema, "post", "/api/v1/applications", again)

    assert decide(api, staff_token(api, xihu_reviewer), first["application_no"], "approve").status_code == 200
    withdrawn = api.post(f"/api/v1/applications/{first['application_no']}/withdraw", **bearer(worker))
    assert withdrawn.status_code == 409
    assert_documented(schema, "post", "/api/v1/applications/{no}/withdraw", withdrawn)


def test_a_clerks_resubmission_refused_by_a_rule_is_a_documented_422(  # type: ignore[no-untyped-def]
    api, schema, campaign, member, xihu_grassroots, grassroots_clerk, business_day
):
    returned = factories.make_application(
        campaign=campaign,
        member=member,
        status="returned",
        channel="batch",
        submitting_org=xihu_grassroots,
        grassroots_union=xihu_grassroots,
        education="高中",
        returned_on=dt.date(2020, 10, 10),
    )
    # A certificate of 2017 is outside both windows of 2020: a rule refuses it, not a field check.
    answer = api.post(
        f"/api/v1/review/applications/{returned.application_no}/resubmit",
        {"certificate_issue_date": "2017-06-30"},
        **bearer(staff_token(api, grassroots_clerk)),
    )

    assert answer.status_code == 422, answer.content
    assert_documented(schema, "post", "/api/v1/review/applications/{no}/resubmit", answer)


def test_the_payment_errors_are_documented_with_their_codes(api, schema, campaign, finance_a, city_reviewer):  # type: ignore[no-untyped-def]
    nothing = api.post("/api/v1/payments/batches", {}, content_type="application/json", **bearer(staff_token(api, finance_a)))
    assert nothing.status_code == 409
    assert_documented(schema, "post", "/api/v1/payments/batches", nothing)

    reviewer = api.post("/api/v1/payments/batches", {}, content_type="application/json", **bearer(staff_token(api, city_reviewer)))
    assert reviewer.status_code == 403
    assert_documented(schema, "post", "/api/v1/payments/batches", reviewer)


def test_a_correction_is_documented_without_the_id_number_it_does_not_change(schema):  # type: ignore[no-untyped-def]
    """A resubmission keeps the application's ID number: the schema does not offer it as a
    field to correct, while a new application requires it."""
    components = schema["components"]["schemas"]

    assert "id_number" in components["Submission"]["required"]
    assert "id_number" not in components["Resubmission"]["properties"]
    assert {"name", "bank_card_no", "id_card_file"} <= set(components["Resubmission"]["properties"])
