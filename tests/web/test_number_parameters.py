"""Numbers in query strings and forms are read with ``isdecimal()``: ², ⁰ and ① are "digits" to
``str.isdigit()`` that ``int()`` refuses, which made these pages answer 500 (decision 206)."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    return client


@pytest.mark.parametrize(("value", "status"), [("²⁰²⁰", 400), ("①", 400), ("2020", 200)])
def test_the_payment_report_refuses_a_year_it_cannot_use_and_does_not_fail(campaign, finance_a, value, status):
    """Digits that are not numbers were a 500, then read as no year (the current one shown);
    they are now refused like any malformed year (decision 268)."""
    response = signed_in(finance_a).get("/staff/payments/reports", {"year": value})
    assert response.status_code == status
    assert ("年度应为四位数字" in response.content.decode()) == (status == 400)


@pytest.mark.parametrize("value", ["²", "①", "1"])
def test_the_audit_log_reads_an_organisation_it_cannot_use_as_none(campaign, auditor, value):
    response = signed_in(auditor).get("/staff/audit", {"organisation": value})
    assert response.status_code == 200
