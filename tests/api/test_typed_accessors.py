"""The typed accessors the views read the request through: the body is always a mapping (a
JSON list is refused, not a 500), and a view gets the kind of user its permission class let
in or a refusal, never the other kind."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import QueryDict
from django.test import RequestFactory
from rest_framework import exceptions
from rest_framework.parsers import FormParser, JSONParser
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from rewards.api.auth import applicant_user, staff_user
from rewards.api.parsers import JSONObjectParser, request_body
from rewards.identity.services import Applicant
from rewards.organisations.models import Role, StaffUser
from rewards.web.staff.auth import signed_in_staff


def _json(body: str, parser: JSONParser) -> Request:
    return Request(APIRequestFactory().post("/api/v1/x", body, content_type="application/json"), parsers=[parser])


def test_the_body_is_the_json_object_sent():
    assert request_body(_json('{"occupation": "焊工", "n": 3}', JSONObjectParser())) == {"occupation": "焊工", "n": 3}


def test_a_form_body_is_its_query_dict():
    request = Request(
        APIRequestFactory().post("/api/v1/x", "reason=%E9%80%80%E6%B1%87", content_type="application/x-www-form-urlencoded"),
        parsers=[FormParser()],
    )
    body = request_body(request)
    assert isinstance(body, QueryDict) and body.get("reason") == "退汇"


def test_a_json_list_is_refused_even_past_the_api_parser():
    """JSONObjectParser refuses a list first; a view given DRF's own parser still answers
    400 (ParseError), not an AttributeError on ``.get``."""
    with pytest.raises(exceptions.ParseError):
        request_body(_json('[{"occupation": "焊工"}]', JSONParser()))


def _with_user(user: Any) -> Request:
    request = Request(APIRequestFactory().get("/api/v1/x"))
    request.user = user
    return request


def test_applicant_views_get_the_applicant_and_nobody_else():
    worker = Applicant(id_hash="abc")
    assert applicant_user(_with_user(worker)) is worker
    for other in (StaffUser(username="r", role=Role.CITY_REVIEWER), None, AnonymousUser()):
        with pytest.raises(exceptions.NotAuthenticated):
            applicant_user(_with_user(other))


def test_staff_views_get_the_staff_user_and_nobody_else():
    reviewer = StaffUser(username="r", role=Role.CITY_REVIEWER)
    assert staff_user(_with_user(reviewer)) is reviewer
    for other in (Applicant(id_hash="abc"), None, AnonymousUser()):
        with pytest.raises(exceptions.NotAuthenticated):
            staff_user(_with_user(other))


def test_staff_pages_get_the_staff_user_or_a_403():
    request = RequestFactory().get("/staff/")
    request.user = reviewer = StaffUser(username="r", role=Role.CITY_REVIEWER)
    assert signed_in_staff(request) is reviewer
    request.user = AnonymousUser()
    with pytest.raises(PermissionDenied):
        signed_in_staff(request)


@pytest.mark.django_db
@pytest.mark.parametrize("body", ["[]", "null", "3", '"焊工"'])
def test_valid_json_that_is_not_an_object_is_said_as_such_on_the_api(api, campaign, body):
    response = api.post("/api/v1/eligibility", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"] == {"code": "invalid_input", "message": "请求内容应为 JSON 对象。"}


@pytest.mark.django_db
def test_a_body_that_does_not_parse_is_said_so(api, campaign):
    response = api.post("/api/v1/eligibility", "{oops", content_type="application/json")
    assert response.status_code == 400 and response.json()["error"]["message"] == "请求内容无法解析（应为 JSON 或表单）。"
