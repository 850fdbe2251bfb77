"""The result column of the bank's return file as banks and finance officers write it: the
header whatever its case or width (``Result``, full-width ``ＲＥＳＵＬＴ``, spaces around a
name), ``成功`` / ``失败`` beside ``success`` / ``failure``, and an empty result refused with a
sentence naming its line (it read “第 2 行结果应为 success 或 failure。” as if a value were wrong)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from rewards.applications.models import Application
from rewards.core.vocab import Status
from rewards.payments.models import LineStatus, PaymentLine
from rewards.payments.results import parse_result_file

from ..api.helpers import bearer
from .helpers import sent_batch

WANTED = "应为 success 或 成功（发放成功）、failure 或 失败（发放失败）。"


def _file(header: str, *rows: str, encoding: str = "utf-8") -> bytes:
    return (header + "\r\n" + "".join(row + "\r\n" for row in rows)).encode(encoding)


@pytest.mark.parametrize(
    "header",
    [
        "reference,amount,result,reason",
        "Reference,Amount,RESULT,Reason",
        "reference,amount,ＲＥＳＵＬＴ,reason",  # full-width capitals
        "ｒｅｆｅｒｅｎｃｅ,ａｍｏｕｎｔ,ｒｅｓｕｌｔ,ｒｅａｓｏｎ",  # full-width small letters
        " reference , amount ,\u3000Result\u3000, reason ",  # half- and full-width spaces around the names
        "\u200breference,amount,result\u200b,reason",  # a zero-width space nobody sees
    ],
)
def test_the_header_is_read_whatever_its_case_or_width(header):
    rows, problems = parse_result_file(_file(header, "P202000001-000001,500.00,success,"))
    assert problems == [] and [(row.reference, row.success) for row in rows] == [("P202000001-000001", True)]


@pytest.mark.parametrize("header", ["reference,amount,outcome,reason", "reference,amount,result", "付款参考号,金额,结果,原因"])
def test_another_header_is_still_refused_and_echoed_as_written(header):
    rows, problems = parse_result_file(_file(header, "P202000001-000001,500.00,success,"))
    assert rows == [] and problems == [f"表头应为 reference,amount,result,reason（不区分大小写和全角、半角），实际为 {header}。"]


@pytest.mark.parametrize(
    ("written", "success"),
    [
        ("success", True),
        ("成功", True),
        (" 成功 ", True),
        ("SUCCESS", True),
        ("ｓｕｃｃｅｓｓ", True),
        ("failure", False),
        ("失败", False),
        ("Failure", False),
        ("\u3000失败\u3000", False),
    ],
)
def test_a_result_is_success_or_成功_failure_or_失败(written, success):
    rows, problems = parse_result_file(_file("reference,amount,result,reason", f"P202000001-000001,500.00,{written},户名与卡号不符"))
    assert problems == [] and [row.success for row in rows] == [success]


@pytest.mark.parametrize("written", ["", "   ", "\u3000"])
def test_an_empty_result_names_its_line_and_what_it_should_be(written):
    _, problems = parse_result_file(
        _file("reference,amount,result,reason", "P202000001-000001,500.00,success,", f"P202000001-000002,500.00,{written},")
    )
    assert problems == [f"第 3 行：结果为空，{WANTED}"]


@pytest.mark.parametrize("written", ["ok", "已发放", "succes"])
def test_a_result_nobody_can_read_is_echoed_with_what_it_should_be(written):
    _, problems = parse_result_file(_file("reference,amount,result,reason", f"P202000001-000001,500.00,{written},"))
    assert problems == [f"第 2 行：结果“{written}”无法识别，{WANTED}"]


def test_a_失败_without_a_reason_is_refused_as_a_failure_is():
    _, problems = parse_result_file(_file("reference,amount,result,reason", "P202000001-000001,500.00,失败,"))
    assert problems == ["第 2 行为发放失败，但没有失败原因。"]


@pytest.mark.django_db
def test_a_gbk_file_with_a_full_width_header_and_chinese_results_is_imported(api, approved, finance_a, finance_b):
    """As a bank's Chinese system writes it: GBK, the header in full-width capitals, 成功 and 失败."""
    batch_no, a, _, content = sent_batch(api, finance_a, finance_b)
    bank = [line.split(",") for line in content.decode("utf-8-sig").splitlines()[1:]]
    text = _file(
        "ＲＥＦＥＲＥＮＣＥ,ＡＭＯＵＮＴ,ＲＥＳＵＬＴ,ＲＥＡＳＯＮ",
        f"{bank[0][0]},{bank[0][4]},成功,",
        f"{bank[1][0]},{bank[1][4]},失败,户名与卡号不符",
        encoding="gbk",
    )
    response = api.post(f"/api/v1/payments/batches/{batch_no}/results", {"file": SimpleUploadedFile("回单.csv", text)}, **bearer(a))

    assert response.status_code == 200 and response.json() == {"paid": 1, "failed": 1}
    paid, failed = (PaymentLine.objects.select_related("application").get(reference=row[0]) for row in bank[:2])
    assert (paid.status, paid.application.status) == (LineStatus.PAID, Status.PAID)
    assert (failed.status, failed.application.status, failed.result_reason) == (LineStatus.FAILED, Status.PAYMENT_FAILED, "户名与卡号不符")
    assert Application.objects.filter(status=Status.APPROVED).count() == len(bank) - 2


@pytest.mark.django_db
def test_an_empty_result_refuses_the_file_through_the_api_naming_the_line(api, approved, finance_a, finance_b):
    batch_no, a, _, content = sent_batch(api, finance_a, finance_b)
    bank = [line.split(",") for line in content.decode("utf-8-sig").splitlines()[1:]]
    text = _file("reference,amount,result,reason", f"{bank[0][0]},{bank[0][4]},success,", f"{bank[1][0]},{bank[1][4]},,")
    response = api.post(f"/api/v1/payments/batches/{batch_no}/results", {"file": SimpleUploadedFile("回单.csv", text)}, **bearer(a))

    assert response.status_code == 400
    assert response.json()["error"]["reasons"] == [f"第 3 行：结果为空，{WANTED}"]
    assert set(PaymentLine.objects.values_list("status", flat=True)) == {LineStatus.SENT}


@pytest.mark.django_db
def test_the_openapi_description_of_the_results_upload_names_the_accepted_results(api):
    schema = api.get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/payments/batches/{no}/results"]["post"]
    assert "成功" in operation["description"] and "失败" in operation["description"]
    assert "不区分大小写和全角、半角" in operation["description"]
