"""单位统一申报 (DOMAIN.md §5, API.md batch-submissions): per-row results, only valid rows saved,
idempotent re-import, the employer rule, and the three-level chain with returns to the clerk."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from rewards.applications.models import Application, Attachment
from rewards.batches.sheet import COLUMNS, template
from rewards.core.vocab import Channel, Status
from rewards.notifications.models import SmsMessage

from .. import factories
from ..api.helpers import applicant_token, bearer, decide, staff_token, submit
from .sheets import materials_zip, row_for, sheet

pytestmark = pytest.mark.django_db


@pytest.fixture
def workers(xihu, xihu_grassroots, business_day):  # type: ignore[no-untyped-def]
    """Five verified members employed by the 西湖精密机械 grassroots union's employer."""
    return [factories.make_member(union=xihu, grassroots=xihu_grassroots, employer="杭州西湖精密机械有限公司") for _ in range(5)]


def upload(api, token: str, content: bytes, zip_content: bytes | None = None, **extra):  # type: ignore[no-untyped-def]
    body = {"file": SimpleUploadedFile("汇总表.xlsx", content), **extra}
    if zip_content is not None:
        body["attachments"] = SimpleUploadedFile("材料.zip", zip_content)
    return api.post("/api/v1/batch-submissions", body, **bearer(token))


def test_template_has_annex4_columns_in_order_and_the_example_row(campaign):
    workbook = load_workbook(io.BytesIO(template(year=2020, org_name="杭州西湖精密机械有限公司工会")))
    ws = workbook.active
    headers = [cell.value for cell in ws[3]]
    assert headers[:11] == [
        "序号",
        "姓名",
        "性别",
        "工作单位",
        "身份证号",
        "职业（工种）",
        "技术等级",
        "证书编号",
        "联系方式（手机号码）",
        "银行卡号",
        "银行卡开户行",
    ]
    assert headers == [header for _, header in COLUMNS]
    assert ws["A4"].value == "示例"
    assert ws["A2"].value == "填报单位：杭州西湖精密机械有限公司工会"
    assert len(ws.data_validations.dataValidation) >= 4


def test_mixed_file_gives_per_row_results_and_saves_only_valid_rows(
    api, grassroots_clerk, workers, xihu, member, django_capture_on_commit_callbacks
):
    # The fixture member applies online first.
    worker_token = applicant_token(api, member)
    assert submit(api, worker_token, factories.annex3(member)).status_code == 201
    good1, good2, bad_id, bad_card, no_material = workers
    online = row_for(member, employer="杭州西湖精密机械有限公司")
    rows = [
        row_for(good1),  # row 5
        row_for(good2),  # row 6
        row_for(bad_id, id_number=bad_id.id_number[:17] + ("0" if bad_id.id_number[17] != "0" else "1")),  # row 7
        row_for(bad_card, bank_card_no="6222021234567890123"),  # row 8 (Luhn)
        row_for(no_material),  # row 9
        row_for(good1, certificate_no="DUP-1"),  # row 10: the same person again
        online,  # row 11: already applying online
    ]
    ids = [good1.id_number, good2.id_number, bad_card.id_number, no_material.id_number, member.id_number]
    zip_content = materials_zip(ids, leave_out={no_material.id_number: "bank_card"})
    with django_capture_on_commit_callbacks(execute=True):  # the background step after the commit too
        response = upload(api, staff_token(api, grassroots_clerk), sheet(rows), zip_content)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["accepted"] == 2 and body["unchanged"] == 0
    rejected = {item["row"]: " ".join(item["errors"]) for item in body["rejected"]}
    assert sorted(rejected) == [7, 8, 9, 10, 11]
    assert "校验位" in rejected[7]
    assert "银行卡号校验不通过" in rejected[8]
    assert "缺少材料" in rejected[9] and "银行卡" in rejected[9]
    assert "第 5 行已出现" in rejected[10]
    assert "个人网上申报" in rejected[11]
    saved = Application.objects.filter(channel=Channel.BATCH)
    assert saved.count() == 2
    assert set(saved.values_list("status", flat=True)) == {Status.PENDING_GRASSROOTS}
    assert all(app.submitting_org_id == grassroots_clerk.organisation_id for app in saved)
    assert Attachment.objects.filter(application__in=saved, current=True).count() == 6
    for attachment in Attachment.objects.filter(application__in=saved):  # re-encoded after the commit, checksum of the kept file
        assert attachment.processing == "reencoded"
        with default_storage.open(attachment.storage_name, "rb") as handle:
            assert attachment.sha256 == hashlib.sha256(handle.read()).hexdigest()
    assert SmsMessage.objects.filter(template="batch_entered").count() == 2


def test_reimporting_the_same_file_changes_nothing(api, grassroots_clerk, workers):
    rows = [row_for(worker, seq=str(i)) for i, worker in enumerate(workers[:3], start=1)]
    token = staff_token(api, grassroots_clerk)
    content = sheet(rows)
    first = upload(api, token, content).json()
    assert first["accepted"] == 3
    before = list(Application.objects.order_by("pk").values_list("pk", "application_no", "updated_at"))
    again = upload(api, token, content).json()
    assert again == {**again, "accepted": 0, "unchanged": 3, "rejected": []}
    assert list(Application.objects.order_by("pk").values_list("pk", "application_no", "updated_at")) == before


def test_rows_of_another_employer_are_refused(api, grassroots_clerk, workers):
    row = row_for(workers[0], employer="杭州没有工会的贸易有限公司")
    body = upload(api, staff_token(api, grassroots_clerk), sheet([row])).json()
    assert body["accepted"] == 0
    assert "必须建立工会组织" in body["rejected"][0]["errors"][0]
    assert not Application.objects.exists()


def test_members_of_other_unions_are_refused_whatever_employer_is_typed(
    api, grassroots_clerk, workers, shangcheng, shangcheng_grassroots, xihu, xihu_grassroots
):
    """The registry says whose member a worker is, not the 工作单位 the clerk types: a 上城区
    member, or a 西湖区 member of another grassroots union, is not this clerk's to enter."""
    from rewards.organisations.models import OrgKind
    from rewards.organisations.services import organisation_ensure

    other_grassroots, _ = organisation_ensure(name="杭州西湖另一家公司工会", kind=OrgKind.GRASSROOTS, parent=xihu)
    outsiders = [
        factories.make_member(union=shangcheng, grassroots=shangcheng_grassroots, employer="杭州河坊餐饮有限公司"),
        factories.make_member(union=xihu, grassroots=other_grassroots, employer="杭州西湖另一家公司"),
        factories.make_member(union=shangcheng, employer="杭州河坊餐饮有限公司"),  # no grassroots union recorded
    ]
    rows = [row_for(worker, seq=str(index)) for index, worker in enumerate([*outsiders, workers[0]], start=1)]
    body = upload(api, staff_token(api, grassroots_clerk), sheet(rows)).json()
    assert body["accepted"] == 1  # only the clerk's own member
    refused = {row["row"]: row["errors"] for row in body["rejected"]}
    assert len(refused) == 3
    assert all(any("不是填报单位“杭州西湖精密机械有限公司工会”的会员" in error for error in errors) for errors in refused.values())
    assert list(Application.objects.values_list("id_hash", flat=True)) == [workers[0].id_hash]


def test_a_numeric_id_cell_is_refused(api, grassroots_clerk, workers):
    row = row_for(workers[0])
    row["id_number"] = int(workers[0].id_number[:15])
    body = upload(api, staff_token(api, grassroots_clerk), sheet([row])).json()
    assert "数字格式" in body["rejected"][0]["errors"][0]


def test_an_unreadable_file_is_400_and_saves_nothing(api, grassroots_clerk, workers):
    response = upload(api, staff_token(api, grassroots_clerk), b"not a spreadsheet")
    assert response.status_code == 400
    assert not Application.objects.exists()


def test_a_workbook_given_as_the_materials_is_400_saying_so_and_saves_nothing(api, grassroots_clerk, workers):
    """The sheet chosen twice: said for what it is, not as its XML parts misnamed."""
    content = sheet([row_for(workers[0])])
    response = upload(api, staff_token(api, grassroots_clerk), content, content)
    assert response.status_code == 400
    (said,) = response.json()["error"]["fields"]["attachments"]
    assert said.startswith("材料压缩包是一个 Excel 工作簿，不是材料的压缩包") and ".xml" not in said
    assert not Application.objects.exists()


def test_three_level_chain_in_order_and_a_return_reaches_the_clerk(api, grassroots_clerk, workers, xihu_reviewer, city_reviewer):
    worker = workers[0]
    row = row_for(worker)
    factories.make_certificate(member=worker, certificate_no=row["certificate_no"], occupation=row["occupation"])
    clerk = staff_token(api, grassroots_clerk)
    number = upload(api, clerk, sheet([row])).json()["applications"][0]["application_no"]
    district, city = staff_token(api, xihu_reviewer), staff_token(api, city_reviewer)
    # Nobody above the grassroots union decides before its 初审.
    assert decide(api, district, number, "approve").json()["error"]["code"] == "wrong_stage"
    assert decide(api, city, number, "approve").json()["error"]["code"] == "wrong_stage"
    assert decide(api, clerk, number, "approve").json() == {"status": "pending_district"}
    assert decide(api, clerk, number, "approve").status_code == 409
    assert decide(api, city, number, "approve").status_code == 409
    assert decide(api, district, number, "approve").json() == {"status": "pending_city"}
    assert decide(api, city, number, "return", "证书复印件不清楚").json() == {"status": "returned"}
    # The return reaches the grassroots clerk, who corrects it; the worker is told by SMS that
    # the union corrects it (not the online text, which asks the worker to resubmit).
    queue = api.get("/api/v1/review/applications?status=returned", **bearer(clerk)).json()
    assert [row["application_no"] for row in queue["results"]] == [number]
    assert not SmsMessage.objects.filter(template="returned").exists()
    told = SmsMessage.objects.get(template="returned_to_union")
    assert told.phone_hash == worker.phone_hash
    assert f"被退回{grassroots_clerk.organisation.name}修改，原因：证书复印件不清楚" in told.text
    response = api.post(f"/api/v1/review/applications/{number}/resubmit", {"occupation": row["occupation"]}, **bearer(clerk))
    assert response.json() == {"application_no": number, "status": "pending_district"}
    application = Application.objects.get(application_no=number)
    decided = [(e.from_status, e.decision) for e in application.events.exclude(decision="")]
    assert decided[-1] == (Status.PENDING_GRASSROOTS, "approve")  # the new 初审
    assert decide(api, district, number, "approve").json() == {"status": "pending_city"}
    assert decide(api, city, number, "approve").json() == {"status": "approved"}


def test_only_the_submitting_clerk_resubmits(api, grassroots_clerk, workers, xihu_reviewer, shangcheng_grassroots):
    from rewards.organisations.models import Role
    from rewards.organisations.services import staff_create

    from ..conftest import PASSWORD

    other_clerk = staff_create(
        username="shangcheng.clerk", role=Role.GRASSROOTS_CLERK, organisation=shangcheng_grassroots, password=PASSWORD
    )
    clerk = staff_token(api, grassroots_clerk)
    number = upload(api, clerk, sheet([row_for(workers[0])])).json()["applications"][0]["application_no"]
    decide(api, clerk, number, "return", "请核对")
    other = staff_token(api, other_clerk)
    assert api.post(f"/api/v1/review/applications/{number}/resubmit", {}, **bearer(other)).status_code == 404
    assert api.post(f"/api/v1/review/applications/{number}/resubmit", {}, **bearer(staff_token(api, xihu_reviewer))).status_code == 403


def test_a_district_enters_for_its_grassroots_union_with_the_paper_review_recorded(
    api, xihu_reviewer, workers, xihu_grassroots, shangcheng_grassroots
):
    token = staff_token(api, xihu_reviewer)
    body = upload(api, token, sheet([row_for(workers[0])]), org=xihu_grassroots.name).json()
    assert body["accepted"] == 1
    application = Application.objects.get()
    assert application.status == Status.PENDING_DISTRICT and application.submitting_org == xihu_grassroots
    paper = application.events.get(decision="approve")
    assert paper.from_status == Status.PENDING_GRASSROOTS and paper.organisation == xihu_grassroots
    # Not for a grassroots union outside its subtree.
    assert upload(api, token, sheet([row_for(workers[1])]), org=shangcheng_grassroots.name).status_code == 404


def test_roles_without_batch_entry_get_403(api, city_reviewer, workers):
    assert upload(api, staff_token(api, city_reviewer), sheet([row_for(workers[0])])).status_code == 403


@pytest.mark.parametrize("org", ["", "杭州西湖精密机械有限公司工会"])
def test_a_clerk_account_without_its_union_gets_403_not_a_fault(api, grassroots_clerk, workers, org):
    """An older account with a role and no organisation (decision 184 refuses one now): refused as
    a role without batch entry is, whether it names a union or not; nothing is saved."""
    from rewards.organisations.models import StaffUser

    token = staff_token(api, grassroots_clerk)
    StaffUser.objects.filter(pk=grassroots_clerk.pk).update(organisation=None)
    response = upload(api, token, sheet([row_for(workers[0])]), **({"org": org} if org else {}))
    assert response.status_code == 403, response.content
    assert response.json()["error"]["message"] == "您的账号尚未设定所属组织，不能单位统一申报。请联系系统管理员设定所属组织。"
    assert not Application.objects.exists()
