"""Driving payments through the API as the two finance officers."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from ..api.helpers import bearer, staff_token


def build(api, token, **body):  # type: ignore[no-untyped-def]
    headers = bearer(token)
    key = body.pop("key", None)
    if key:
        headers["HTTP_IDEMPOTENCY_KEY"] = key
    return api.post("/api/v1/payments/batches", body, content_type="application/json", **headers)


def results_file(rows: list[tuple[str, str, str, str]], *, cut: bool = False) -> SimpleUploadedFile:
    text = "reference,amount,result,reason\r\n" + "".join(",".join(row) + "\r\n" for row in rows)
    if cut:
        text = text[:-7]
    return SimpleUploadedFile("results.csv", text.encode("utf-8"))


def sent_batch(api, finance_a, finance_b):  # type: ignore[no-untyped-def]
    a, b = staff_token(api, finance_a), staff_token(api, finance_b)
    batch_no = build(api, a).json()["batch_no"]
    assert api.post(f"/api/v1/payments/batches/{batch_no}/approve", **bearer(b)).status_code == 200
    content = api.get(f"/api/v1/payments/batches/{batch_no}/file", **bearer(a)).content
    return batch_no, a, b, content
