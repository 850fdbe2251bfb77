"""GET /api/v1/payments/batches/{no}/file?format=: csv (the default, API.md) or xlsx, in any case.
Another format is a 400 naming ``format`` that leaves the batch as it was: it answered the CSV and
marked the batch sent, which a client asking for a PDF did not mean to do."""

from __future__ import annotations

import pytest

from rewards.payments.models import BatchStatus, PaymentBatch

from ..api.helpers import bearer, staff_token
from .helpers import build

pytestmark = pytest.mark.django_db


@pytest.fixture
def approved_batch(api, approved, finance_a, finance_b):  # type: ignore[no-untyped-def]
    token = staff_token(api, finance_a)
    batch_no = build(api, token).json()["batch_no"]
    assert api.post(f"/api/v1/payments/batches/{batch_no}/approve", **bearer(staff_token(api, finance_b))).status_code == 200
    return batch_no, token


@pytest.mark.parametrize("fmt", ["pdf", "xls", "csv;", "ｃｓｖ"])
def test_another_format_is_refused_and_the_batch_stays_unsent(api, approved_batch, fmt):  # type: ignore[no-untyped-def]
    batch_no, token = approved_batch

    answer = api.get(f"/api/v1/payments/batches/{batch_no}/file", {"format": fmt}, **bearer(token))

    assert answer.status_code == 400
    assert answer.json()["error"]["fields"] == {"format": ["发放文件的格式应为 csv（默认）或 xlsx。"]}
    assert PaymentBatch.objects.get(batch_no=batch_no).status == BatchStatus.APPROVED


@pytest.mark.parametrize(
    ("fmt", "content_type", "starts"),
    [("", "text/csv", b"\xef\xbb\xbf"), ("csv", "text/csv", b"\xef\xbb\xbf"), ("XLSX", "application/vnd", b"PK")],
)
def test_csv_or_xlsx_is_the_file_and_the_first_download_sends_it(api, approved_batch, fmt, content_type, starts):  # type: ignore[no-untyped-def]
    batch_no, token = approved_batch

    answer = api.get(f"/api/v1/payments/batches/{batch_no}/file", {"format": fmt} if fmt else {}, **bearer(token))

    assert answer.status_code == 200
    assert answer["Content-Type"].startswith(content_type) and answer.content.startswith(starts)
    assert PaymentBatch.objects.get(batch_no=batch_no).status == BatchStatus.SENT


def test_an_unknown_batch_is_the_404_whatever_the_format(api, approved_batch):  # type: ignore[no-untyped-def]
    _, token = approved_batch

    assert api.get("/api/v1/payments/batches/P202099999/file", {"format": "pdf"}, **bearer(token)).status_code == 404
