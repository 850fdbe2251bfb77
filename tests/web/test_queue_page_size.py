"""The review queue shows 50 applications a page unless the reviewer asks for 100 or 200 (每页),
kept across pages, tabs and the bulk approval; anything else is 50. 批量通过 then takes a page of
200 at once."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from rewards.applications.models import Application
from rewards.campaigns.models import CampaignUnit
from rewards.organisations.models import Organisation, OrgKind
from rewards.organisations.services import organisation_ensure
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def waiting(campaign, business_day, xihu):  # type: ignore[no-untyped-def]
    """210 applications waiting for 西湖区总工会's 预审."""
    return [
        factories.make_application(campaign=campaign, member=factories.make_member(union=xihu), status="pending_district")
        for _ in range(210)
    ]


@pytest.fixture
def reviewer(xihu_reviewer) -> Client:  # type: ignore[no-untyped-def]
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(xihu_reviewer)
    return client


def rows(page) -> int:  # type: ignore[no-untyped-def]
    return len(page.context["rows"])


def test_fifty_a_page_by_default_and_the_choice_offered(reviewer, waiting):
    page = reviewer.get("/staff/?status=pending_district")
    assert rows(page) == 50 and page.context["page"].paginator.num_pages == 5
    assert '<select name="per" id="filter-per">' in page.text and "200 份" in page.text


@pytest.mark.parametrize(("per", "shown", "pages"), [("100", 100, 3), ("200", 200, 2), ("50", 50, 5), ("7", 50, 5), ("9999", 50, 5)])
def test_the_page_size_chosen_or_fifty(reviewer, waiting, per, shown, pages):
    page = reviewer.get(f"/staff/?status=pending_district&per={per}")
    assert rows(page) == shown and page.context["page"].paginator.num_pages == pages


def test_the_choice_is_kept_by_the_pager_the_tabs_and_the_bulk_form(reviewer, waiting):
    page = reviewer.get("/staff/?status=pending_district&per=200")
    assert "per=200" in page.context["next_query"]
    assert all("per=200" in tab["query"] for tab in page.context["tabs"])
    assert "per=200" in page.context["here"]
    second = reviewer.get("/staff/?" + page.context["next_query"])
    assert rows(second) == 10


@pytest.mark.parametrize(("asked", "pushed"), [("9", "&page=2"), ("2", "&page=2"), ("1", ""), ("", "")])
def test_a_redraw_pushes_the_address_of_what_it_drew(reviewer, waiting, asked, pushed):
    """A tab or the pager asks with the filter form's values, empty ones too, and a page that may
    no longer exist under a filter changed meanwhile: the address pushed is the page drawn, each
    filter once, none empty but status (the server's own links), the page as shown."""
    query = f"status=pending_district&union=&level=&flag=&channel=&per=200&q=&page={asked}"
    response = reviewer.get(f"/staff/?{query}", HTTP_HX_REQUEST="true")
    assert response["HX-Push-Url"] == f"/staff/?status=pending_district&per=200{pushed}"
    assert response.context["page"].number == (2 if pushed else 1)
    assert "HX-Push-Url" not in reviewer.get(f"/staff/?{query}")  # a whole page: the browser's own address


def test_two_hundred_are_approved_at_once(reviewer, waiting):
    page = reviewer.get("/staff/?status=pending_district&per=200")
    numbers = re.findall(r'name="application_no" value="(\d+)"', page.text)
    assert len(numbers) == 200
    response = reviewer.post("/staff/approve-many", {"application_no": numbers, "next": page.context["here"]})
    assert response.status_code == 302 and "per=200" in response["Location"]
    assert Application.objects.filter(status="pending_city").count() == 200
    assert Application.objects.filter(status="pending_district").count() == 10


def test_the_union_filter_follows_the_campaigns_annex1_order_then_the_others(campaign, city_reviewer):
    """A union added for next year (or left from an earlier one) comes after this campaign's,
    whatever its own position (a walk-through found 临平 listed between 淳安 and 建德)."""
    organisation_ensure(name="临平区总工会", kind=OrgKind.DISTRICT, parent=city_reviewer.organisation)
    Organisation.objects.filter(name="临平区总工会").update(position=0)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(city_reviewer)
    unions = client.get("/staff/").context["unions"]
    in_campaign = list(CampaignUnit.objects.filter(campaign=campaign).order_by("position").values_list("organisation__name", flat=True))
    assert in_campaign and unions[: len(in_campaign)] == in_campaign
    assert unions[-1] == "临平区总工会"


# --- the API's ``page_size`` (GET /api/v1/review/applications) ---------------------------------


def _listing(api, xihu_reviewer, query: str):  # type: ignore[no-untyped-def]
    from tests.api.helpers import bearer, staff_token

    return api.get(f"/api/v1/review/applications?status=pending_district{query}", **bearer(staff_token(api, xihu_reviewer)))


@pytest.mark.parametrize(
    ("query", "size", "shown"), [("", 50, 50), ("&page_size=1", 1, 1), ("&page_size=200", 200, 200), ("&page_size=200&page=2", 200, 10)]
)
def test_the_api_pages_by_the_size_asked_for(api, xihu_reviewer, waiting, query, size, shown):
    answer = _listing(api, xihu_reviewer, query)
    assert answer.status_code == 200
    body = answer.json()
    assert body["count"] == 210 and body["page_size"] == size and len(body["results"]) == shown


def test_the_api_pages_do_not_overlap(api, xihu_reviewer, waiting):
    first = {row["application_no"] for row in _listing(api, xihu_reviewer, "&page_size=100").json()["results"]}
    second = {row["application_no"] for row in _listing(api, xihu_reviewer, "&page_size=100&page=2").json()["results"]}
    assert len(first) == len(second) == 100 and not first & second


@pytest.mark.parametrize("size", ["0", "201", "-5", "abc", "1e3", "99999999999999999999"])
def test_the_api_refuses_a_page_size_outside_one_to_two_hundred(api, xihu_reviewer, waiting, size):
    answer = _listing(api, xihu_reviewer, f"&page_size={size}")
    assert answer.status_code == 400
    assert answer.json()["error"]["fields"]["page_size"] == ["每页条数应为 1 至 200 之间的整数。"]
