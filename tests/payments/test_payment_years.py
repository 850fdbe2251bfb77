"""A batch is of one campaign, payment knows no year: what waits from last year is still paid
when the next campaign is the current one (DOMAIN.md §3: card corrections have no deadline)."""

from __future__ import annotations

import pytest
from django.test import Client

from rewards.campaigns.setup.year_copy import campaign_copy
from rewards.core.vocab import Status
from rewards.payments.models import PaymentBatch, PaymentLine

from .. import factories
from ..api.helpers import staff_token
from .helpers import build


@pytest.fixture
def next_year(campaign, administrator):  # type: ignore[no-untyped-def]
    return campaign_copy(from_year=2020, to_year=2021, acting_user=administrator)


def approved_in(campaign, union):  # type: ignore[no-untyped-def]
    return factories.make_application(campaign=campaign, member=factories.make_member(union=union), status=Status.APPROVED)


def test_last_years_approved_applications_are_built_once_the_next_campaign_is_current(
    api, campaign, next_year, xihu, finance_a, business_day
):
    waiting = approved_in(campaign, xihu)
    business_day("2021-04-01")  # 2021's campaign is the current one and has nothing to pay
    token = staff_token(api, finance_a)
    built = build(api, token, key="k-1")
    assert built.status_code == 201, built.content
    assert built.json()["batch_no"].startswith("P2020") and built.json()["count"] == 1
    assert PaymentLine.objects.get().application == waiting
    # The same key again is the same request, whichever year the default now points at.
    again = build(api, token, key="k-1")
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true" and again.json()["batch_no"] == built.json()["batch_no"]
    assert build(api, token).json()["error"]["code"] == "nothing_to_pay"


def test_the_current_year_comes_first_and_a_year_can_be_named(api, campaign, next_year, xihu, finance_a, business_day):
    approved_in(campaign, xihu)
    business_day("2021-04-01")
    this_year = approved_in(next_year, xihu)
    token = staff_token(api, finance_a)
    first = build(api, token).json()
    assert first["batch_no"].startswith("P2021") and PaymentLine.objects.get(batch__batch_no=first["batch_no"]).application == this_year
    assert build(api, token, year=2021).json()["error"]["code"] == "nothing_to_pay"
    named = build(api, token, year=2020)
    assert named.status_code == 201 and named.json()["batch_no"].startswith("P2020")
    assert build(api, token, year=2019).status_code == 404
    refused = build(api, token, year="二〇二〇")
    assert refused.status_code == 400 and refused.json()["error"]["fields"]["year"] == ["年度应为四位数字，例如 2020。"]


def test_the_page_names_other_years_and_builds_the_year_it_shows(campaign, next_year, xihu, finance_a, business_day):
    approved_in(campaign, xihu)
    business_day("2021-04-01")
    approved_in(next_year, xihu)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(finance_a)
    page = client.get("/staff/payments/").content.decode()
    assert "2021年度待发放" in page and 'href="?year=2020">2020年度 1 份</a>' in page
    older = client.get("/staff/payments/?year=2020").content.decode()
    assert "2020年度待发放" in older and 'name="year" value="2020"' in older and 'href="?year=2021">2021年度 1 份</a>' in older
    response = client.post("/staff/payments/build", {"year": "2020", "idempotency_key": "page-1"})
    assert response.status_code == 302
    assert PaymentBatch.objects.get().campaign == campaign
