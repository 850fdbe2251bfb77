"""A ``?year=`` that is not a year (``abc``, ``20201``, ``2020x``) is refused with 400 and a
Chinese sentence on every page, export and API answer that picks a campaign by its year; it was
cut to its first four characters (``20201`` and ``2020x`` read as 2020) or ignored (the payment
report showed the current year). One check does it: ``campaign_for_year`` / ``parse_year``."""

from __future__ import annotations

import pytest
from django.test import Client

from rewards.core.models import AuditEvent
from rewards.payments.models import PaymentBatch
from tests import factories
from tests.api.helpers import bearer, staff_token

pytestmark = pytest.mark.django_db

MALFORMED = ["abc", "20201", "2020x", "２０２０年"]
SAID = "年度应为四位数字，例如 2020。"


def signed_in(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    return client


@pytest.mark.parametrize("year", MALFORMED)
def test_the_progress_page_and_its_export_refuse_it(campaign, business_day, city_reviewer, year):
    client = signed_in(city_reviewer)
    page = client.get("/staff/progress", {"year": year})
    assert page.status_code == 400 and SAID in page.text and "无法显示工作进度" in page.text
    for table in ("annex1", "all"):
        export = client.get("/staff/progress/export", {"year": year, "table": table})
        assert export.status_code == 400 and SAID in export.text
        assert export["Content-Type"].startswith("text/html")
    assert not AuditEvent.objects.filter(action__in=["report.annex1", "report.progress"]).exists()


@pytest.mark.parametrize("year", MALFORMED)
def test_the_api_refuses_it_in_its_error_shape(api, campaign, business_day, city_reviewer, year):
    token = staff_token(api, city_reviewer)
    for url in ("/api/v1/stats/progress", "/api/v1/reports/annex1.xlsx"):
        response = api.get(url, {"year": year}, **bearer(token))
        assert response.status_code == 400, url
        assert response.json()["error"]["code"] == "invalid_input"
        assert response.json()["error"]["fields"] == {"year": [SAID]}


@pytest.mark.parametrize("year", MALFORMED)
def test_the_payment_report_refuses_it(campaign, business_day, finance_a, year):
    client = signed_in(finance_a)
    for params in ({"year": year}, {"year": year, "download": "xlsx"}):
        response = client.get("/staff/payments/reports", params)
        assert response.status_code == 400 and SAID in response.text and "无法显示核发统计" in response.text
    assert not AuditEvent.objects.filter(action="report.payments").exists()


@pytest.mark.parametrize("year", MALFORMED)
def test_annex4_refuses_it_on_the_page_and_for_a_download(campaign, business_day, city_reviewer, xihu_grassroots, year):
    client = signed_in(city_reviewer)
    page = client.get("/staff/reports/annex4", {"year": year})
    assert page.status_code == 400 and SAID in page.text
    download = client.get("/staff/reports/annex4", {"year": year, "org": xihu_grassroots.name, "download": "xlsx"})
    assert download.status_code == 400 and SAID in download.text
    assert download["Content-Type"].startswith("text/html")


def test_a_well_formed_year_still_works(campaign, business_day, city_reviewer, finance_a, xihu_grassroots):
    assert signed_in(city_reviewer).get("/staff/progress", {"year": " 2020 "}).status_code == 200
    assert signed_in(city_reviewer).get("/staff/reports/annex4", {"year": "2020"}).status_code == 200
    assert signed_in(finance_a).get("/staff/payments/reports", {"year": "2020"}).status_code == 200
    missing = signed_in(city_reviewer).get("/staff/progress", {"year": "1999"})
    assert missing.status_code == 404 and "没有1999年度的奖励活动。" in missing.text


@pytest.mark.parametrize("year", MALFORMED)
def test_the_payment_batches_page_and_the_build_refuse_it(campaign, business_day, xihu, finance_a, year):
    """The batches page showed the default year for it, and 生成核发批次 built that year's batch."""
    factories.make_application(campaign=campaign, member=factories.make_member(union=xihu))
    client = signed_in(finance_a)
    page = client.get("/staff/payments/", {"year": year}, follow=True)
    assert page.redirect_chain == [("/staff/payments/", 302)] and SAID in page.text
    built = client.post("/staff/payments/build", {"year": year, "idempotency_key": f"k-{year}"}, follow=True)
    assert built.redirect_chain == [("/staff/payments/", 302)] and f"没有生成核发批次：{SAID}" in built.text
    assert not PaymentBatch.objects.exists()


@pytest.mark.parametrize("year", MALFORMED)
def test_the_review_queue_and_the_batch_build_apis_say_the_same(api, campaign, business_day, city_reviewer, finance_a, year):
    """The review queue's `year` filter and the batch build's `year` go through the same check
    and say the same sentence (they had their own: “年度应为四位数字。”, “……，如 2020。”)."""
    queue = api.get("/api/v1/review/applications", {"year": year}, **bearer(staff_token(api, city_reviewer)))
    assert queue.status_code == 400 and queue.json()["error"]["fields"] == {"year": [SAID]}
    build = api.post("/api/v1/payments/batches", {"year": year}, content_type="application/json", **bearer(staff_token(api, finance_a)))
    assert build.status_code == 400 and build.json()["error"]["fields"] == {"year": [SAID]}
    assert not PaymentBatch.objects.exists()


def test_the_review_queue_api_reads_a_full_width_year_as_the_year(api, campaign, business_day, city_reviewer, xihu):
    factories.make_application(campaign=campaign, member=factories.make_member(union=xihu), status="pending_city")
    headers = bearer(staff_token(api, city_reviewer))
    half = api.get("/api/v1/review/applications", {"year": str(campaign.year)}, **headers)
    full = api.get(
        "/api/v1/review/applications",
        {"year": str(campaign.year).translate(str.maketrans("0123456789", "０１２３４５６７８９"))},
        **headers,
    )
    assert half.status_code == full.status_code == 200
    assert full.json()["count"] == half.json()["count"] == 1
