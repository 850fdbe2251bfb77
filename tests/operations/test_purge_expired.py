"""``manage.py purge_expired`` (SECURITY.md 16): applications of a campaign past its retention
are anonymised; payment lines stay as accounting evidence with the name masked and the card cut
to its last four digits; files, SMS and sign-ins of those people go; rosters are masked; one
audit entry per run; a dry run changes nothing; running it again changes nothing more."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection

from rewards.applications.models import Application, ApplicationEvent, Attachment, Flag
from rewards.batches.models import BatchImport
from rewards.campaigns.models import Campaign
from rewards.core import clock, crypto
from rewards.core.models import AuditEvent
from rewards.identity.models import ApplicantToken, OtpChallenge
from rewards.notifications.models import SmsMessage
from rewards.operations.anonymise import keep_tail, mask_name, scrub_numbers
from rewards.operations.retention import add_years, closed_on
from rewards.payments.models import PaymentLine
from rewards.registries.models import PastAward
from tests import factories
from tests.core.test_database_dump import dump_database

from . import seeds

#: The 2020 campaign below closes with its last bank result, on 2021-01-20: kept until 2026-01-20.
LAST_DAY = "2026-01-20"
DAY_AFTER = "2026-01-21"


def purge(*args: str) -> str:
    out = io.StringIO()
    call_command("purge_expired", *args, stdout=out)
    return out.getvalue()


def later_campaign(year: int = 2024) -> Campaign:
    return Campaign.objects.create(
        year=year,
        title=f"{year}年度通知",
        opens_on=dt.date(year, 3, 1),
        application_deadline=dt.date(year, 12, 15),
        main_window_start=dt.date(year - 1, 12, 1),
        main_window_end=dt.date(year, 11, 30),
    )


@pytest.fixture
def world(campaign, xihu, finance_a, finance_b, xihu_reviewer, storage_root):  # type: ignore[no-untyped-def]
    """张晓明 paid (bank result 2021-01-20), 李建国 rejected with a reviewer quoting his mobile,
    a 2024 application of 王丽华 that must stay, sign-ins, rosters and a batch upload."""
    paid = seeds.person(campaign, xihu, "张晓明")
    seeds.paid(paid, finance_a, finance_b, day="2021-01-20")
    seeds.sign_in(paid, "2020-11-02")
    rejected = seeds.person(campaign, xihu, "李建国", status="rejected")
    seeds.reviewed(rejected, xihu_reviewer, day="2020-11-20", opinion=f"证书与本人不符，已致电 {rejected.phone} 核实。")
    factories.make_past_award(member=factories.make_member(union=xihu, name="陈二〇"), year=2020)
    roster_2019 = factories.make_past_award(member=factories.make_member(union=xihu, name="赵一九"), year=2019)
    roster_2018 = factories.make_past_award(member=factories.make_member(union=xihu, name="钱一八"), year=2018)
    upload = BatchImport.objects.create(
        campaign=campaign,
        org=xihu,
        uploaded_by=xihu_reviewer,
        file_name="汇总表.xlsx",
        sheet_path=default_storage.save("batches/sheet-1", io.BytesIO(b"sealed")),
        sha256="s" * 64,
        status="done",
        results=[{"row": 5, "name": "孙美玲", "status": "rejected", "errors": [f"银行卡号 {factories.new_card()} 校验位不正确"]}],
        rejected_rows=json.dumps([{"name": "孙美玲", "id_number": factories.new_id_number()}]),
        created_at=seeds.at("2020-11-01"),
    )
    later = seeds.person(later_campaign(), xihu, "王丽华", submitted="2024-10-10")
    return {"paid": paid, "rejected": rejected, "later": later, "upload": upload, "roster_2019": roster_2019, "roster_2018": roster_2018}


def state() -> str:
    """Everything the purge may change, as one comparable text."""
    rows = {
        "applications": list(
            Application.objects.order_by("pk").values_list("pk", "name", "id_hash", "phone_hash", "bank_card_hash", "purged_at")
        ),
        "secrets": [(a.id_number, a.phone, a.bank_card_no) for a in Application.objects.order_by("pk")],
        "attachments": list(Attachment.objects.order_by("pk").values_list("pk", "purged_at", "current")),
        "events": list(ApplicationEvent.objects.order_by("pk").values_list("pk", "opinion")),
        "flags": list(Flag.objects.order_by("pk").values_list("pk", "message", "resolution_note")),
        "lines": [(x.pk, x.name, x.bank_card_no, x.bank_card_hash, x.status, x.amount) for x in PaymentLine.objects.order_by("pk")],
        "sms": list(SmsMessage.objects.order_by("pk").values_list("pk", flat=True)),
        "otp": list(OtpChallenge.objects.order_by("pk").values_list("pk", flat=True)),
        "tokens": list(ApplicantToken.objects.order_by("pk").values_list("pk", flat=True)),
        "rosters": list(PastAward.objects.order_by("pk").values_list("pk", "name", "id_hash")),
        "uploads": [(x.pk, x.results, x.rejected_rows, x.sheet_path) for x in BatchImport.objects.order_by("pk")],
        "files": sorted(name for name in _all_files()),
    }
    return json.dumps(rows, default=str, ensure_ascii=False)


def _all_files() -> list[str]:
    found = []
    folders = [""]
    while folders:
        folder = folders.pop()
        dirs, files = default_storage.listdir(folder)
        found += [f"{folder}/{name}".lstrip("/") for name in files]
        folders += [f"{folder}/{name}".lstrip("/") for name in dirs]
    return found


def purge_entries() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="data.purge").order_by("id"))


# --- pure pieces ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "masked"), [("张晓明", "张**"), ("欧阳娜娜", "欧***"), ("李", "李"), ("张**", "张**"), ("", ""), ("Li Lei", "L*****")]
)
def test_names_keep_their_first_character(name, masked):
    assert mask_name(name) == masked


def test_long_digit_runs_are_starred_in_free_text_and_json():
    assert scrub_numbers("已致电 13912347919 核实，申请 2020000123") == "已致电 *********** 核实，申请 2020000123"
    assert scrub_numbers("已致电 139****7919，卡号 622202*********0016") == "已致电 ***********，卡号 " + "*" * 19  # masked when stored
    assert scrub_numbers("分隔线 *************** 保留") == "分隔线 *************** 保留"
    assert scrub_numbers("联系人 138 1234 5678，日期 2020-10-15") == "联系人 ***********，日期 2020-10-15"  # typed in groups
    assert scrub_numbers([{"message": "身份证 33010619900101123X"}]) == [{"message": "身份证 " + "*" * 18}]
    assert keep_tail("6222021234567890016") == "*" * 15 + "0016"


def test_retention_counts_whole_years_and_survives_29_february():
    assert add_years(dt.date(2020, 12, 30), 5) == dt.date(2025, 12, 30)
    assert add_years(dt.date(2024, 2, 29), 5) == dt.date(2029, 2, 28)


@pytest.mark.django_db
def test_a_campaign_without_later_business_closes_at_the_deadline_plus_grace(campaign):
    assert closed_on(campaign) == dt.date(2020, 12, 30)  # 2020-12-15 + 15 days


@pytest.mark.django_db
def test_the_last_payment_or_history_entry_moves_the_close(world, campaign):
    assert closed_on(campaign) == dt.date(2021, 1, 20)
    ApplicationEvent.objects.create(
        application=world["rejected"].application, at=seeds.at("2021-03-02"), stage="city", to_status="rejected"
    )
    assert closed_on(campaign) == dt.date(2021, 3, 2)


# --- the boundary --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_nothing_is_purged_on_the_last_day_of_retention(world):
    before = state()

    out = purge("--today", LAST_DAY)

    assert state() == before
    assert "2020年度：活动结束于 2021-01-20，个人信息保存至 2026-01-20（5 年），未到期" in out
    assert purge_entries()[-1].detail["applications"] == 0


@pytest.mark.django_db
def test_the_day_after_it_the_campaign_is_anonymised(world):
    paid, rejected = world["paid"], world["rejected"]

    out = purge("--today", DAY_AFTER)

    assert "2020年度" in out and "已到期" in out
    for found in (paid, rejected):
        application = Application.objects.get(pk=found.application.pk)
        assert application.name == mask_name(found.name)
        assert (application.id_number, application.phone, application.bank_card_no) == ("", "", "")
        assert application.id_hash == f"purged:{application.pk}"
        assert (application.phone_hash, application.bank_card_hash, application.query_password_hash) == ("", "", "")
        assert application.birth_date.month == application.birth_date.day == 1
        assert application.purged_at is not None
        # What the union still needs stays.
        assert (application.application_no, application.status, application.amount) == (
            found.application.application_no,
            Application.objects.get(pk=found.application.pk).status,
            found.application.amount,
        )
    assert Application.objects.get(pk=paid.application.pk).status == "paid"
    assert Application.objects.get(pk=rejected.application.pk).status == "rejected"


@pytest.mark.django_db
def test_a_later_campaign_is_left_alone(world):
    later = world["later"]

    purge("--today", DAY_AFTER)

    application = Application.objects.get(pk=later.application.pk)
    assert (application.name, application.id_number, application.phone, application.bank_card_no) == (
        later.name,
        later.id_number,
        later.phone,
        later.card,
    )
    assert application.purged_at is None
    assert all(default_storage.exists(name) for name in later.files)
    assert SmsMessage.objects.filter(event_key=f"app:{later.application.application_no}:submitted").exists()


# --- what stays and what goes --------------------------------------------------------------------


@pytest.mark.django_db
def test_payment_lines_remain_as_evidence_with_the_name_masked_and_the_card_cut_to_four_digits(world):
    paid = world["paid"]
    before = PaymentLine.objects.get(application=paid.application)

    purge("--today", DAY_AFTER)

    line = PaymentLine.objects.get(pk=before.pk)
    assert (line.reference, line.amount, line.status, line.result_at, line.batch_id) == (
        before.reference,
        before.amount,
        "paid",
        before.result_at,
        before.batch_id,
    )
    assert line.name == "张**"
    assert line.bank_card_no == "*" * (len(paid.card) - 4) + paid.card[-4:]
    assert line.bank_card_hash == ""


@pytest.mark.django_db
def test_materials_are_deleted_from_disk_and_their_rows_marked(world):
    names = world["paid"].files + world["rejected"].files
    assert all(default_storage.exists(name) for name in names)

    purge("--today", DAY_AFTER)

    assert not any(default_storage.exists(name) for name in names)
    for attachment in Attachment.objects.filter(storage_name__in=names):
        assert attachment.purged_at is not None
        assert attachment.current is True  # still the material of its kind, said destroyed
    assert Attachment.objects.filter(storage_name__in=names).count() == 6  # the rows stay


@pytest.mark.django_db
def test_history_stays_without_personal_numbers(world):
    rejected = world["rejected"]

    purge("--today", DAY_AFTER)

    events = ApplicationEvent.objects.filter(application=rejected.application).order_by("at")
    assert [event.stage for event in events] == ["submission", "district"]
    assert events[1].opinion == "证书与本人不符，已致电 *********** 核实。"
    flag = Flag.objects.get(application=rejected.application)
    assert flag.resolution_note == "已电话核实 ***********"
    assert flag.resolved_by_id is not None


@pytest.mark.django_db
def test_sms_and_sign_ins_of_those_people_are_removed(world):
    paid = world["paid"]
    later_sign_in = seeds.sign_in(paid, "2024-11-05")  # after the close: belongs to later business

    purge("--today", DAY_AFTER)

    for found in (paid, world["rejected"]):
        assert not SmsMessage.objects.filter(event_key__startswith=f"app:{found.application.application_no}:").exists()
    id_hash = crypto.blind_index("id", paid.id_number)
    assert list(OtpChallenge.objects.filter(id_hash=id_hash)) == [later_sign_in]
    assert list(SmsMessage.objects.filter(event_key__startswith="otp:").values_list("event_key", flat=True)) == [f"otp:{later_sign_in.pk}"]
    assert ApplicantToken.objects.filter(id_hash=id_hash).count() == 1


@pytest.mark.django_db
def test_rosters_of_that_year_and_the_year_it_refers_to_are_masked(world):
    purge("--today", DAY_AFTER)

    rosters = {line.year: line for line in PastAward.objects.all()}
    assert rosters[2020].name == "陈**" and rosters[2020].id_number == "" and rosters[2020].id_hash.startswith("purged:")
    assert rosters[2019].name == "赵**" and rosters[2019].id_number == ""
    assert rosters[2018].name == "钱一八" and rosters[2018].id_number != ""  # no campaign of this system refers to it


@pytest.mark.django_db
def test_batch_uploads_keep_row_numbers_without_names_or_numbers(world):
    upload = world["upload"]
    sheet = upload.sheet_path

    purge("--today", DAY_AFTER)

    upload.refresh_from_db()
    assert upload.rejected_rows == ""
    assert upload.results[0]["row"] == 5 and upload.results[0]["name"] == "孙**"
    assert "*" * 16 in upload.results[0]["errors"][0]
    assert upload.sheet_path == "" and not default_storage.exists(sheet)


@pytest.mark.django_db
def test_one_audit_entry_per_run_with_its_counts(world):
    before = AuditEvent.objects.count()

    purge("--today", DAY_AFTER)

    assert AuditEvent.objects.count() == before + 1
    entry = purge_entries()[-1]
    assert (entry.actor_label, entry.result) == ("cli", "ok")
    detail = entry.detail
    assert detail["today"] == DAY_AFTER and detail["years"] == [2020]
    assert (detail["applications"], detail["attachments"], detail["files_deleted"], detail["payment_lines"]) == (2, 6, 6, 1)
    assert (detail["sms_messages"], detail["otp_challenges"], detail["applicant_tokens"]) == (3, 1, 1)
    assert (detail["past_awards"], detail["batch_imports"], detail["history_texts"]) == (2, 1, 2)  # an opinion and a note


@pytest.mark.django_db
def test_running_it_again_changes_nothing_more(world):
    purge("--today", DAY_AFTER)
    after_first = state()

    out = purge("--today", "2027-06-01")

    assert state() == after_first
    assert "没有需要清除的内容" in out
    entries = purge_entries()
    assert len(entries) == 2
    assert entries[-1].detail["applications"] == entries[-1].detail["files_deleted"] == entries[-1].detail["payment_lines"] == 0


@pytest.mark.django_db
def test_a_dry_run_says_what_would_happen_and_changes_nothing(world):
    before, entries = state(), AuditEvent.objects.count()

    out = purge("--dry-run", "--today", DAY_AFTER)

    assert state() == before
    assert AuditEvent.objects.count() == entries
    assert "将清除" in out and "申请（姓名、证件号、银行卡号、手机号码） 2" in out and "材料文件 6" in out
    assert "未做任何修改" in out
    # The counts it announced are what the real run then does.
    real = purge("--today", DAY_AFTER)
    assert real.split("已到期。")[1].split("。")[0].replace("已清除", "将清除") == out.split("已到期。")[1].split("。")[0]


@pytest.mark.django_db
def test_a_campaign_still_waiting_for_the_bank_is_not_purged(world, finance_a, finance_b):
    seeds.paid(world["rejected"], finance_a, finance_b, day="2021-01-05", status="sent")
    before = state()

    out = purge("--today", DAY_AFTER)

    assert state() == before
    assert "1 笔核发尚待银行结果，本次不清除" in out
    assert purge_entries()[-1].detail["awaiting_bank"] == {"2020": 1}


@pytest.mark.django_db
def test_an_invalid_date_is_refused():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        purge("--today", "2026/01/21")


@pytest.mark.django_db(transaction=True)
def test_a_dump_afterwards_has_no_trace_of_the_purged_numbers(world):
    people = [world["paid"], world["rejected"]]
    numbers = [value for found in people for value in found.numbers]
    indexes = [value for found in people for value in found.blind_indexes]
    assert all(value in dump_database() for value in indexes)  # before: the blind indexes are there

    purge("--today", DAY_AFTER)
    dump = dump_database()

    assert world["later"].application.application_no in dump, "转储方式有误，本测试无从判断"
    assert [value for value in numbers if value in dump] == []
    assert [value for value in numbers if value[:-1] in dump] == []
    assert [value for value in indexes if value in dump] == []
    assert [found.name for found in people if found.name in dump] == []
    assert connection.vendor in ("sqlite", "postgresql")


@pytest.mark.django_db
def test_a_purged_application_still_opens_for_reviewers_but_its_materials_answer_404(world, city_reviewer, api):
    from tests.api.helpers import bearer, staff_token

    number = world["paid"].application.application_no
    attachment = Attachment.objects.filter(application=world["paid"].application).first()
    token = staff_token(api, city_reviewer)
    url = f"/api/v1/review/applications/{number}/attachments/{attachment.pk}"  # type: ignore[union-attr]
    assert api.get(url, **bearer(token)).status_code == 200

    purge("--today", DAY_AFTER)

    detail = api.get(f"/api/v1/review/applications/{number}", **bearer(token))
    assert detail.status_code == 200
    assert world["paid"].id_number not in detail.content.decode()
    assert api.get(url, **bearer(token)).status_code == 404


@pytest.mark.django_db
def test_a_purged_applications_materials_are_said_destroyed_on_the_day_not_missing(world, city_reviewer, api):
    """The review API reports ``purged`` with the day, and each material's address says so
    (404 ``material_purged``, not audited as viewed); a material replaced before stays out."""
    from tests.api.helpers import bearer, staff_token

    application = world["paid"].application
    replaced = Attachment.objects.get(application=application, kind="bank_card")
    Attachment.objects.filter(pk=replaced.pk).update(current=False)  # replaced, as materials.store does
    newer = Attachment.objects.create(
        application=application,
        kind="bank_card",
        storage_name=default_storage.save("materials/2020/newer", io.BytesIO(b"%PDF-1.4 card")),
        content_type="application/pdf",
        size=13,
        sha256="c" * 64,
        uploaded_at=seeds.at("2020-11-05"),
    )
    token = staff_token(api, city_reviewer)
    number = application.application_no

    purge("--today", DAY_AFTER)

    rows = api.get(f"/api/v1/review/applications/{number}", **bearer(token)).json()["attachments"]
    assert [(row["kind"], row["file_state"]) for row in rows] == [("bank_card", "purged"), ("certificate", "purged"), ("id_card", "purged")]
    assert [row["id"] for row in rows if row["kind"] == "bank_card"] == [newer.pk]
    day = Attachment.objects.get(pk=newer.pk).purged_at.astimezone(clock.SHANGHAI).date()  # type: ignore[union-attr]
    assert all(row["purged_at"].startswith(day.isoformat()) for row in rows)  # Asia/Shanghai
    answer = api.get(rows[0]["url"], **bearer(token))
    error = answer.json()["error"]
    assert answer.status_code == 404 and error["code"] == "material_purged"
    assert f"这份材料的文件已于{day.year}年{day.month}月{day.day}日依规销毁" in error["message"] and "缺失" not in error["message"]
    assert not AuditEvent.objects.filter(action="application.view_attachment").exists()


@pytest.mark.django_db
def test_the_staff_page_says_destroyed_under_the_retention_rule_with_no_link(world, city_reviewer, auditor):
    from django.test import Client

    application = world["paid"].application
    purge("--today", DAY_AFTER)
    day = Attachment.objects.filter(application=application).first().purged_at.astimezone(clock.SHANGHAI).date()  # type: ignore[union-attr]
    said = f"保存期限届满，文件已于{day.year}年{day.month}月{day.day}日依规销毁"

    for user in (city_reviewer, auditor):  # the one who may open materials, and the one who may not
        staff = Client(HTTP_HOST="127.0.0.1")
        staff.force_login(user)
        page = staff.get(f"/staff/applications/{application.application_no}").content.decode()
        section = page[page.index('id="materials-title"') : page.index('id="rules-title"')]
        assert section.count(said) == 3 and section.count(">已销毁<") == 3, user
        assert "缺失" not in section and "没有上传材料" not in section and "<a " not in section and "点击查看大图" not in section
        cleared = Application.objects.get(pk=application.pk).purged_at.astimezone(clock.SHANGHAI).date()  # type: ignore[union-attr]
        assert f"保存期限届满，个人信息已于{cleared.year}年{cleared.month}月{cleared.day}日清除" in page, user
        assert "完整的身份证、手机、银行卡号码仅在本页显示" not in page, user
    item = Attachment.objects.filter(application=application).first()
    staff = Client(HTTP_HOST="127.0.0.1")
    staff.force_login(city_reviewer)
    answer = staff.get(f"/staff/applications/{application.application_no}/attachments/{item.pk}")  # type: ignore[union-attr]
    assert answer.status_code == 404 and "<h1>材料已销毁</h1>" in answer.content.decode()
    assert f"这份材料的文件已于{day.year}年{day.month}月{day.day}日依规销毁，不能再查看。" in answer.content.decode()
