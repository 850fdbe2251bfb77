"""What applicants and reviewers type, read as they meant it: invisible characters dropped,
full-width digits, whole ID numbers in the queue search, unknown filter codes refused; and
times answered in Beijing time."""

from __future__ import annotations

import datetime as dt

import pytest

from rewards.applications.models import Application

from .. import factories
from .helpers import PASSWORD, applicant_token, bearer, registered_form, staff_token, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def worker(api, business_day, member):  # type: ignore[no-untyped-def]
    return applicant_token(api, member)


def test_invisible_characters_are_dropped_from_what_is_typed(api, worker, member):
    """A zero-width space or a direction mark in a certificate number, an occupation or an
    employer must not make another certificate (missing the registry) or another occupation."""
    form = registered_form(member)
    typed = {
        **form,
        "certificate_no": form["certificate_no"][:6] + "\u200b" + form["certificate_no"][6:],
        "occupation": "\ufeff" + form["occupation"] + "\u200d",
        "employer": form["employer"] + "\u202e",
        "bank_branch": form["bank_branch"].replace("杭州", "杭\u2060州"),
    }
    number = submit(api, worker, typed).json()["application_no"]
    application = Application.objects.get(application_no=number)
    assert application.certificate_no == form["certificate_no"] and application.occupation == form["occupation"]
    assert application.employer == form["employer"] and application.bank_branch == form["bank_branch"]
    api.get("/api/v1/applicant/applications", **bearer(worker))
    from rewards.review.flags import find_signals

    assert find_signals(application) == {}  # found in the registry as declared


def test_times_are_beijing_time_with_their_offset(api, worker, member, xihu_reviewer, city_reviewer):
    """API.md Conventions: ISO 8601 with offset, Asia/Shanghai, in every payload."""
    number = submit(api, worker, registered_form(member)).json()["application_no"]
    mine = api.get("/api/v1/applicant/applications", **bearer(worker)).json()[0]
    staff = api.get(f"/api/v1/review/applications/{number}", **bearer(staff_token(api, city_reviewer))).json()
    token = api.post("/api/v1/auth/token", {"username": xihu_reviewer.username, "password": PASSWORD}, content_type="application/json")
    assert mine["history"] and staff["history"]  # the submission's own entry, on both sides
    times = [event["at"] for event in mine["history"]] + [event["at"] for event in staff["history"]] + [token.json()["expires_at"]]
    assert all(text.endswith("+08:00") and dt.datetime.fromisoformat(text).utcoffset() == dt.timedelta(hours=8) for text in times), times


def test_queue_filters_refuse_unknown_codes_and_find_a_whole_id_number(api, worker, member, xihu_reviewer):
    number = submit(api, worker, registered_form(member)).json()["application_no"]
    token = staff_token(api, xihu_reviewer)
    for query, field in (
        ("status=bogus", "status"),
        ("status=pending_district,nope", "status"),
        ("level=master", "level"),
        ("channel=fax", "channel"),
        ("flag=odd", "flag"),
    ):
        response = api.get(f"/api/v1/review/applications?{query}", **bearer(token))
        assert response.status_code == 400, query
        assert field in response.json()["error"]["fields"] and "未知的" in response.json()["error"]["fields"][field][0]
    listing = api.get("/api/v1/review/applications?status=pending_district&flag=any&level=senior_worker", **bearer(token))
    assert listing.status_code == 200 and listing.json()["count"] == 0
    for q in (member.id_number, member.id_number.lower(), member.id_number[:6] + " " + member.id_number[6:]):
        found = api.get("/api/v1/review/applications", {"q": q}, **bearer(token)).json()
        assert [row["application_no"] for row in found["results"]] == [number] and found["count"] == 1, q
    other = factories.make_member(union=member.union)
    assert api.get("/api/v1/review/applications", {"q": other.id_number}, **bearer(token)).json()["count"] == 0


def test_an_sms_code_typed_in_full_width_digits_is_the_code(api, member, business_day):
    from .helpers import latest_code

    assert (
        api.post("/api/v1/applicant/otp", {"id_number": member.id_number, "name": member.name}, content_type="application/json").status_code
        == 202
    )
    typed = "".join(chr(ord(digit) + 0xFEE0) for digit in latest_code())  # ９４４７９１
    response = api.post("/api/v1/applicant/session", {"id_number": member.id_number, "code": typed}, content_type="application/json")
    assert response.status_code == 200, response.content
