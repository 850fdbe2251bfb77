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


@pytest.mark.parametrize("value", ["²⁰²⁰", "①", "2020"])
def test_the_payment_report_reads_a_year_it_cannot_use_as_none(campaign, finance_a, value):
    response = signed_in(finance_a).get("/staff/payments/reports", {"year": value})
    assert response.status_code == 200


@pytest.mark.parametrize("value", ["²", "①", "1"])
def test_the_audit_log_reads_an_organisation_it_cannot_use_as_none(campaign, auditor, value):
    response = signed_in(auditor).get("/staff/audit", {"organisation": value})
    assert response.status_code == 200
