"""The OpenAPI schema (GET /api/v1/openapi.json, API.md: "the full reference") says what the
endpoints really answer: every field of an answer is documented, and every error status an
endpoint gives is among its documented responses with its error code named."""

from __future__ import annotations

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
