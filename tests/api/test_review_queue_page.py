"""GET /api/v1/review/applications?page=: a whole number from 1 (decision 279). A malformed page
is refused naming ``page``, as ``page_size`` and ``year`` are, not answered as the first page; a
page past the end is an empty one."""

from __future__ import annotations

import pytest

from .. import factories
from .helpers import bearer, staff_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def listing(api, campaign, business_day, xihu, xihu_reviewer):  # type: ignore[no-untyped-def]
    for _ in range(3):
        factories.make_application(campaign=campaign, member=factories.make_member(union=xihu), status="pending_district")
    headers = bearer(staff_token(api, xihu_reviewer))
    return lambda query: api.get(f"/api/v1/review/applications?page_size=2{query}", **headers)


@pytest.mark.parametrize(
    ("query", "page", "shown"), [("", 1, 2), ("&page=", 1, 2), ("&page=1", 1, 2), ("&page=2", 2, 1), ("&page=3", 3, 0)]
)
def test_a_page_from_one_is_that_page(listing, query, page, shown):  # type: ignore[no-untyped-def]
    answer = listing(query)

    assert answer.status_code == 200
    body = answer.json()
    assert (body["count"], body["page"], len(body["results"])) == (3, page, shown)


@pytest.mark.parametrize("page", ["0", "-1", "abc", "2.0", "1e3", "２", "123456789012345678901"])
def test_a_page_that_is_not_a_whole_number_from_one_is_refused(listing, page):  # type: ignore[no-untyped-def]
    answer = listing(f"&page={page}")

    assert answer.status_code == 400
    assert answer.json()["error"] == {
        "code": "invalid_input",
        "message": "提交的内容有误，请按提示修改。",
        "fields": {"page": ["页码应为从 1 开始的整数。"]},
    }
