"""A worker imported again, a material missing from the zip, an ID typed in full-width digits:
what the clerk is told, and what is (not) saved."""

from __future__ import annotations

import io
import json

import pytest
from openpyxl import load_workbook

from rewards.applications.models import Application, Attachment
from rewards.batches.imports import import_start, rejected_workbook
from rewards.batches.services import _typed_id
from rewards.core.masking import mask_id_number
from rewards.core.vocab import Status

from .. import factories
from ..api.helpers import decide, staff_token
from .sheets import materials_zip, row_for, sheet
from .test_batch_channel import upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def workers(xihu, xihu_grassroots, business_day):  # type: ignore[no-untyped-def]
    return [factories.make_member(union=xihu, grassroots=xihu_grassroots, employer="杭州西湖精密机械有限公司") for _ in range(3)]


def full_width(text: str) -> str:
    return "".join(chr(ord(character) + 0xFEE0) if character.isascii() and character.isalnum() else character for character in text)


def test_a_full_width_id_finds_the_application_already_there(api, grassroots_clerk, workers):
    worker = workers[0]
    token = staff_token(api, grassroots_clerk)
    number = upload(api, token, sheet([row_for(worker)])).json()["applications"][0]["application_no"]
    again = upload(api, token, sheet([row_for(worker, id_number=full_width(worker.id_number))])).json()
    assert (again["accepted"], again["unchanged"], again["rejected"]) == (0, 1, [])
    assert again["applications"] == [{"row": 5, "application_no": number, "status": "unchanged"}]
    assert _typed_id({"id_number": full_width(worker.id_number)}) == worker.id_number
    assert _typed_id({"id_number": " " + worker.id_number[:6] + "-" + worker.id_number[6:].lower()}) == worker.id_number.upper()


def test_a_missing_material_names_the_exact_file(api, grassroots_clerk, workers):
    worker = workers[0]
    row = row_for(worker)
    archive = materials_zip([worker.id_number], leave_out={worker.id_number: "bank_card"})
    body = upload(api, staff_token(api, grassroots_clerk), sheet([row]), archive).json()
    (error,) = body["rejected"][0]["errors"]
    assert f"缺少材料“{worker.id_number}_银行卡.jpg”" in error and "_bank_card" in error


def test_a_missing_materials_file_name_is_masked_in_the_stored_results_and_whole_in_the_refused_rows_file(grassroots_clerk, workers):
    worker = workers[0]
    archive = materials_zip([worker.id_number], leave_out={worker.id_number: "certificate"})
    batch_import = import_start(
        user=grassroots_clerk,
        org=grassroots_clerk.organisation,
        sheet_file=io.BytesIO(sheet([row_for(worker, phone=int(worker.phone))])),
        zip_file=io.BytesIO(archive),
        file_name="汇总表.xlsx",
    )
    (result,) = batch_import.results
    assert result["status"] == "rejected"
    # Stored in clear: the ID masked as the lists show it (decision 7), never in full.
    assert f"缺少材料“{mask_id_number(worker.id_number)}_证书.jpg”" in result["errors"][0]
    assert worker.id_number not in json.dumps(batch_import.results, ensure_ascii=False)
    # The refused-rows file (built from the encrypted copy, audited) names the file exactly, and
    # keeps the mobile typed as a number cell.
    ws = load_workbook(io.BytesIO(rejected_workbook(user=grassroots_clerk, batch_import=batch_import))).active
    headers = [cell.value for cell in ws[3]]
    line = [cell.value for cell in ws[4]]
    assert f"缺少材料“{worker.id_number}_证书.jpg”" in line[headers.index("错误原因")]
    assert line[headers.index("联系方式（手机号码）")] == worker.phone
    assert line[headers.index("身份证号")] == worker.id_number


def reimport_message(clerk, person, **changes) -> str:  # type: ignore[no-untyped-def]
    """What the import page says of ``person``'s row imported again (with the zip of materials)."""
    batch_import = import_start(
        user=clerk,
        org=clerk.organisation,
        sheet_file=io.BytesIO(sheet([row_for(person, **changes)])),
        zip_file=io.BytesIO(materials_zip([person.id_number])),
        file_name="汇总表.xlsx",
    )
    (result,) = batch_import.results
    assert result["status"] == "unchanged"
    (text,) = result["errors"]
    return str(text)


def test_a_reimported_row_names_the_application_its_status_and_how_to_change_it(api, grassroots_clerk, xihu_reviewer, workers):
    worker, other = workers[0], workers[1]
    clerk = staff_token(api, grassroots_clerk)
    first = upload(api, clerk, sheet([row_for(worker), row_for(other, seq="2")])).json()
    number, other_number = (item["application_no"] for item in first["applications"])

    # A changed bank branch and a zip of materials: nothing of it saved, and the row says so.
    changed = upload(api, clerk, sheet([row_for(worker, bank_branch="中国农业银行杭州西湖支行")]), materials_zip([worker.id_number])).json()
    assert (changed["accepted"], changed["unchanged"], changed["rejected"]) == (0, 1, [])
    assert reimport_message(grassroots_clerk, worker, bank_branch="中国农业银行杭州西湖支行") == (
        f"本单位已填报该职工的申请（编号{number}，待基层工会初审），本行和压缩包中该职工的材料都没有保存。"
        "需要修改的，请在该申请的详情页先“退回修改”，再“修改后重新提交”。"
    )
    application = Application.objects.get(application_no=number)
    assert application.bank_branch != "中国农业银行杭州西湖支行"
    assert not Attachment.objects.filter(application=application).exists()

    # Returned to the union: corrected on its own page.
    assert decide(api, clerk, number, "return", "请核对开户行").json() == {"status": "returned"}
    assert reimport_message(grassroots_clerk, worker) == (
        f"本单位已填报该职工的申请（编号{number}，已退回，请修改后重新提交），本行和压缩包中该职工的材料都没有保存。"
        "需要修改的，请在该申请的详情页“修改后重新提交”。"
    )

    # Waiting for the district's review: its reviewer returns it first.
    assert decide(api, clerk, other_number, "approve").json() == {"status": "pending_district"}
    waiting = reimport_message(grassroots_clerk, other)
    assert f"（编号{other_number}，待区县（产业）工会审核）" in waiting and "请区县（产业）工会审核人先退回" in waiting

    # Decided for good: 不予奖励.
    assert decide(api, staff_token(api, xihu_reviewer), other_number, "reject", "证书不符").json() == {"status": "rejected"}
    rejected = reimport_message(grassroots_clerk, other)
    assert f"（编号{other_number}，不予奖励）" in rejected and "2020年度不能再申报" in rejected
    assert Application.objects.count() == 2 and not Attachment.objects.exists()


def test_a_reimported_row_without_materials_in_the_zip_says_only_the_row_was_not_saved(api, grassroots_clerk, workers):
    worker = workers[0]
    clerk = staff_token(api, grassroots_clerk)
    number = upload(api, clerk, sheet([row_for(worker)])).json()["applications"][0]["application_no"]
    batch_import = import_start(
        user=grassroots_clerk, org=grassroots_clerk.organisation, sheet_file=io.BytesIO(sheet([row_for(worker)])), file_name="汇总表.xlsx"
    )
    assert batch_import.results[0]["errors"] == [
        f"本单位已填报该职工的申请（编号{number}，待基层工会初审），本行没有保存。需要修改的，请在该申请的详情页先“退回修改”，再“修改后重新提交”。"
    ]

    from rewards.batches.services import already_entered

    assert already_entered({"application_no": "2020000001", "status": Status.PAID}, year=2020, with_materials=False) == (
        "本单位已填报该职工的申请（编号2020000001，奖励已发放），本行没有保存。奖励已发放，不能再修改。"
    )


def test_a_worker_with_no_material_in_the_zip_is_told_once_one_missing_by_name(grassroots_clerk, workers):
    """None of the three: one sentence naming the three files; two of three: the missing one."""
    from rewards.batches.services import check_and_save
    from rewards.campaigns.selectors import require_current_campaign

    archive = materials_zip([workers[1].id_number], leave_out={workers[1].id_number: "id_card"})
    result = check_and_save(
        campaign=require_current_campaign(),
        user=grassroots_clerk,
        org=grassroots_clerk.organisation,
        start_status="pending_grassroots",
        sheet=sheet([row_for(workers[0]), row_for(workers[1], seq="2")]),
        zip_content=archive,
        save=False,
    )
    none, one = (row.errors for row in result.rows)
    number = workers[0].id_number
    assert none == [
        f"压缩包中没有该职工的材料：须有“{number}_身份证.jpg”“{number}_证书.jpg”“{number}_银行卡.jpg”三个文件"
        "（也可写作“_id_card”“_certificate”“_bank_card”，可为 .jpg、.png 或 .pdf）。"
    ]
    assert len(one) == 1 and one[0].startswith(f"压缩包中缺少材料“{workers[1].id_number}_身份证.jpg”")
