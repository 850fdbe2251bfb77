"""保存时同时完成初审 (decision 96): a grassroots clerk who has reviewed the paper forms saves the
rows with the 初审 on record, and they go straight to the district's 复审, in the import (previewed
or saved at once), the paper-form entry and the API; left unticked, they wait at 初审 as before."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from rewards.applications.models import Application
from rewards.batches.models import BatchImport, ImportStatus
from rewards.core.models import AuditEvent
from rewards.core.vocab import Channel, Status
from rewards.notifications.models import SmsMessage
from rewards.organisations.models import Role
from rewards.organisations.services import staff_create
from rewards.review.services import review_decide
from tests import factories
from tests.api.helpers import bearer, staff_token
from tests.batches.sheets import row_for, sheet
from tests.conftest import PASSWORD

from .test_batch_pages import EMPLOYER, latest_import, paper_form, signed_in, upload

pytestmark = pytest.mark.django_db


def assert_reviewed_by(application: Application, clerk_user) -> None:  # type: ignore[no-untyped-def]
    assert application.status == Status.PENDING_DISTRICT and application.has_decision
    review = application.events.get(decision="approve")
    assert review.stage == "基层工会初审"
    assert (review.from_status, review.to_status) == (Status.PENDING_GRASSROOTS, Status.PENDING_DISTRICT)
    assert review.actor_id == clerk_user.pk and review.organisation_id == clerk_user.organisation_id


def test_the_preview_offers_the_choice_to_a_clerk_and_saving_with_it_sends_the_rows_to_the_district(
    clerk, workers, grassroots_clerk, xihu_reviewer
):
    upload(clerk, sheet([row_for(worker, seq=str(i)) for i, worker in enumerate(workers[:3], start=1)]))
    batch_import = latest_import()
    page = clerk.get(f"/staff/batch/{batch_import.pk}/").content.decode()
    assert 'name="review_on_save"' in page and "同时完成初审" in page
    response = clerk.post(f"/staff/batch/{batch_import.pk}/save", {"review_on_save": "1"})
    assert response.status_code == 302
    batch_import.refresh_from_db()
    assert batch_import.status == ImportStatus.DONE and batch_import.review_on_save and batch_import.accepted == 3
    saved = list(Application.objects.filter(channel=Channel.BATCH))
    assert len(saved) == 3
    for application in saved:
        assert_reviewed_by(application, grassroots_clerk)
    confirm = AuditEvent.objects.get(action="batch.import_confirm", object_id=str(batch_import.pk))
    assert confirm.detail["initial_review"] is True
    assert SmsMessage.objects.filter(template="batch_entered").count() == 3
    page = clerk.get(f"/staff/batch/{batch_import.pk}/").content.decode()
    # The status by the name the queue and the application's page give it.
    assert "现为“待区县（产业）工会审核”（保存时已完成初审）" in page and "去初审" not in page
    # The district decides them at once: the chain goes on from 复审.
    review_decide(user=xihu_reviewer, application_no=saved[0].application_no, decision="approve")
    assert Application.objects.get(pk=saved[0].pk).status == Status.PENDING_CITY


def test_saving_without_the_choice_leaves_the_rows_at_the_clerks_initial_review(clerk, workers):
    upload(clerk, sheet([row_for(workers[0])]))
    batch_import = latest_import()
    clerk.post(f"/staff/batch/{batch_import.pk}/save")
    batch_import.refresh_from_db()
    application = Application.objects.get()
    assert not batch_import.review_on_save
    assert application.status == Status.PENDING_GRASSROOTS and not application.has_decision
    assert not application.events.filter(decision="approve").exists()
    assert AuditEvent.objects.get(action="batch.import_confirm").detail["initial_review"] is False
    assert "去初审" in clerk.get(f"/staff/batch/{batch_import.pk}/").content.decode()


def test_saving_at_once_on_upload_carries_the_choice(clerk, workers, grassroots_clerk):
    page = clerk.get("/staff/batch/").content.decode()
    assert 'name="review_on_save"' in page
    upload(clerk, sheet([row_for(workers[0])]), save_after_check="1", review_on_save="1")
    batch_import = latest_import()
    assert batch_import.status == ImportStatus.DONE and batch_import.review_on_save
    assert_reviewed_by(Application.objects.get(), grassroots_clerk)
    assert AuditEvent.objects.get(action="batch.import_start").detail["initial_review"] is True


def test_the_choice_without_saving_at_once_is_not_kept_and_saves_nothing(clerk, workers):
    """Ticked on the upload form but with a preview first: the choice is made again when saving."""
    upload(clerk, sheet([row_for(workers[0])]), review_on_save="1")
    batch_import = latest_import()
    assert batch_import.status == ImportStatus.CHECKED and not batch_import.review_on_save
    assert not Application.objects.exists()


def test_a_district_is_not_offered_the_choice_and_its_rows_keep_the_union_as_reviewer(xihu_reviewer, workers, xihu_grassroots):
    district = signed_in(xihu_reviewer)
    assert 'name="review_on_save"' not in district.get("/staff/batch/").content.decode()
    upload(district, sheet([row_for(workers[0])]), org=xihu_grassroots.name, review_on_save="1")
    batch_import = latest_import()
    page = district.get(f"/staff/batch/{batch_import.pk}/").content.decode()
    assert 'name="review_on_save"' not in page
    district.post(f"/staff/batch/{batch_import.pk}/save", {"review_on_save": "1"})
    batch_import.refresh_from_db()
    assert not batch_import.review_on_save  # the district's rows carry the paper 初审 anyway
    application = Application.objects.get()
    assert application.status == Status.PENDING_DISTRICT
    assert application.events.get(decision="approve").organisation_id == xihu_grassroots.pk


def test_the_paper_form_entry_with_the_choice_goes_to_the_district(clerk, workers, grassroots_clerk):
    page = clerk.get("/staff/batch/new-entry").content.decode()
    assert 'name="reviewed"' in page
    response = clerk.post("/staff/batch/new-entry", {**paper_form(workers[0]), "reviewed": "1"})
    assert response.status_code == 302
    application = Application.objects.get()
    assert_reviewed_by(application, grassroots_clerk)
    assert AuditEvent.objects.get(action="batch.entry").detail["start"] == Status.PENDING_DISTRICT
    # Unticked, the next one waits at 初审.
    clerk.post("/staff/batch/new-entry", paper_form(workers[1]))
    assert Application.objects.get(name=workers[1].name).status == Status.PENDING_GRASSROOTS


def test_a_refused_entry_keeps_the_ticked_choice_on_the_form(clerk, workers):
    response = clerk.post("/staff/batch/new-entry", {**paper_form(workers[0], employer="杭州没有工会的贸易有限公司"), "reviewed": "1"})
    assert response.status_code == 400
    assert 'name="reviewed" value="1" checked' in response.content.decode()
    assert not Application.objects.exists()


@pytest.mark.parametrize("value", ["true", "1", "是"])
def test_the_api_takes_initial_review_from_a_clerk(api, grassroots_clerk, workers, value):
    token = staff_token(api, grassroots_clerk)
    body = {"file": SimpleUploadedFile("汇总表.xlsx", sheet([row_for(workers[0])])), "initial_review": value}
    answer = api.post("/api/v1/batch-submissions", body, **bearer(token))
    assert answer.status_code == 200, answer.content
    assert answer.json()["accepted"] == 1
    assert_reviewed_by(Application.objects.get(), grassroots_clerk)


@pytest.mark.parametrize("value", [None, "false", "0", ""])
def test_the_api_without_initial_review_keeps_the_rows_at_initial_review(api, grassroots_clerk, workers, value):
    token = staff_token(api, grassroots_clerk)
    body = {"file": SimpleUploadedFile("汇总表.xlsx", sheet([row_for(workers[0])]))}
    if value is not None:
        body["initial_review"] = value
    assert api.post("/api/v1/batch-submissions", body, **bearer(token)).json()["accepted"] == 1
    application = Application.objects.get()
    assert application.status == Status.PENDING_GRASSROOTS and not application.has_decision


def test_only_the_uploader_saves_whatever_the_choice(clerk, workers, xihu_grassroots):
    other = signed_in(staff_create(username="xihu.clerk2", role=Role.GRASSROOTS_CLERK, organisation=xihu_grassroots, password=PASSWORD))
    upload(clerk, sheet([row_for(workers[0])]))
    batch_import = latest_import()
    other.post(f"/staff/batch/{batch_import.pk}/save", {"review_on_save": "1"})
    assert BatchImport.objects.get(pk=batch_import.pk).status == ImportStatus.CHECKED
    assert not Application.objects.exists()


# --- rule messages read by staff speak of 该职工, not to 您 (decision 97) ------------------------------


def test_staff_voice_speaks_of_the_worker():
    from rewards.eligibility.services import staff_voice

    assert staff_voice("您是工会会员，但尚未完成会员实名认证。请通过“杭工e家”APP完成实名认证后再申请。") == (
        "该职工是工会会员，但尚未完成会员实名认证。请该职工通过“杭工e家”APP完成实名认证后再申请。"
    )
    assert staff_voice("您已获得2020年度奖励（申请编号2020000001）") == "该职工已获得2020年度奖励（申请编号2020000001）"
    assert staff_voice("发证时间在申报期内。") == "发证时间在申报期内。"


def test_a_batch_row_failing_a_rule_says_so_of_the_worker(clerk, xihu, xihu_grassroots, business_day):
    unverified = factories.make_member(union=xihu, grassroots=xihu_grassroots, employer=EMPLOYER, verified=False)
    upload(clerk, sheet([row_for(unverified)]))
    errors = latest_import().results[0]["errors"]
    assert any("该职工是工会会员，但尚未完成会员实名认证" in error for error in errors), errors
    assert not any("您" in error for error in errors)


def test_the_entry_page_and_the_review_page_speak_of_the_worker(clerk, xihu, xihu_grassroots, workers, xihu_reviewer, api):
    unverified = factories.make_member(union=xihu, grassroots=xihu_grassroots, employer=EMPLOYER, verified=False)
    response = clerk.post("/staff/batch/new-entry", paper_form(unverified))
    assert response.status_code == 422
    page = response.content.decode()
    assert "该职工是工会会员" in page and "您是工会会员" not in page
    clerk.post("/staff/batch/new-entry", paper_form(workers[0]))
    application = Application.objects.get()
    assert any("您" in check["message"] for check in application.checks)  # stored as the worker reads it
    detail = clerk.get(f"/staff/applications/{application.application_no}").content.decode()
    assert "该职工是" in detail and "您是" not in detail
    answer = api.get(f"/api/v1/review/applications/{application.application_no}", **bearer(staff_token(api, xihu_reviewer)))
    assert answer.status_code == 200
    checks = answer.json()["checks"]
    assert [check["rule"] for check in checks] == [check["rule"] for check in application.checks]  # every result, none dropped
    assert checks[0]["message"] == "该职工是西湖区总工会的实名认证会员。"
    assert all("您" not in check["message"] for check in checks)


@pytest.mark.parametrize("flag", [True, False], ids=["initial-review", "plain"])
def test_the_import_command_takes_the_choice(grassroots_clerk, workers, tmp_path, flag):
    import io

    from django.core.management import call_command

    path = tmp_path / "汇总表.xlsx"
    path.write_bytes(sheet([row_for(workers[0]), row_for(workers[1], seq="2")]))
    out = io.StringIO()
    call_command(
        "import_batch", str(path), "--user", grassroots_clerk.username, "--no-progress", *(["--initial-review"] if flag else []), stdout=out
    )
    assert "新增 2" in out.getvalue()
    applications = list(Application.objects.all())
    assert len(applications) == 2
    for application in applications:
        if flag:
            assert_reviewed_by(application, grassroots_clerk)
        else:
            assert application.status == Status.PENDING_GRASSROOTS and not application.has_decision


# --- from the review of decisions 96–98 ---------------------------------------------------------------


def test_the_background_save_keeps_the_choice(clerk, workers, grassroots_clerk, settings, django_capture_on_commit_callbacks):
    settings.BATCH_SYNC_ROWS = 2  # 4 rows: checked and saved by the queued task
    with django_capture_on_commit_callbacks(execute=True):
        upload(clerk, sheet([row_for(worker, seq=str(i)) for i, worker in enumerate(workers[:4], start=1)]))
    batch_import = latest_import()
    assert batch_import.status == ImportStatus.CHECKED
    with django_capture_on_commit_callbacks(execute=True):
        clerk.post(f"/staff/batch/{batch_import.pk}/save", {"review_on_save": "1"})
    batch_import.refresh_from_db()
    assert batch_import.status == ImportStatus.DONE and batch_import.accepted == 4
    assert AuditEvent.objects.get(action="batch.import_confirm").detail["background"] is True
    for application in Application.objects.all():
        assert_reviewed_by(application, grassroots_clerk)


def test_a_district_asking_for_it_through_the_api_or_the_form_changes_nothing(api, xihu_reviewer, workers, xihu_grassroots):
    token = staff_token(api, xihu_reviewer)
    body = {"file": SimpleUploadedFile("汇总表.xlsx", sheet([row_for(workers[0])])), "org": xihu_grassroots.name, "initial_review": "true"}
    assert api.post("/api/v1/batch-submissions", body, **bearer(token)).json()["accepted"] == 1
    assert AuditEvent.objects.get(action="batch.import").detail["initial_review"] is False
    district = signed_in(xihu_reviewer)
    assert 'name="reviewed"' not in district.get("/staff/batch/new-entry").content.decode()
    district.post("/staff/batch/new-entry", {**paper_form(workers[1]), "org": xihu_grassroots.name, "reviewed": "1"})
    assert AuditEvent.objects.get(action="batch.entry").detail["initial_review"] is False
    for application in Application.objects.all():
        review = application.events.get(decision="approve")  # the union's paper 初审, as always
        assert application.status == Status.PENDING_DISTRICT
        assert review.organisation_id == xihu_grassroots.pk and review.actor_id == xihu_reviewer.pk


def test_the_api_and_the_entry_record_the_clerks_choice(api, grassroots_clerk, workers, clerk):
    token = staff_token(api, grassroots_clerk)
    api.post(
        "/api/v1/batch-submissions",
        {"file": SimpleUploadedFile("汇总表.xlsx", sheet([row_for(workers[0])])), "initial_review": "true"},
        **bearer(token),
    )
    assert AuditEvent.objects.get(action="batch.import").detail["initial_review"] is True
    clerk.post("/staff/batch/new-entry", {**paper_form(workers[1]), "reviewed": "1"})
    assert AuditEvent.objects.get(action="batch.entry").detail["initial_review"] is True


@pytest.mark.parametrize(
    ("worker_text", "staff_text"),
    [
        ("请先加入工会并通过“杭工e家”APP完成会员实名认证，或联系所在单位工会。", "该职工须先加入工会并通过“杭工e家”APP完成会员实名认证。"),
        (
            "会员库中您所属的工会不在杭州市总工会下属的区县（市）或产业工会中，请联系所在单位工会核实。",
            "会员库中该职工所属的工会不在杭州市总工会下属的区县（市）或产业工会中，请核实该职工的会员关系。",
        ),
        (
            "暂时无法确认您未申请过2019年度奖励，请联系所属工会。",
            "暂时无法确认该职工未申请过2019年度奖励，请待市总工会导入该年度奖励名单后再处理。",
        ),
        ("正在办理中。如需修改，请修改该申请，或撤回后重新申请。", "正在办理中。如需修改，请修改该申请，或由职工撤回后重新申请。"),
        # The clerk is the union the worker would be sent to: told what it can do itself.
        (
            "会员库中该身份证号码登记的姓名与填写的姓名不一致，请核对姓名，或联系所在单位工会更正会员信息。",
            "会员库中该身份证号码登记的姓名与填写的姓名不一致，请向该职工核实，对照其身份证核对填写的姓名和身份证号码"
            "（号码有误时会查到他人的登记）；如确是会员库中登记的姓名有误，须由该职工所在单位的基层工会更正会员信息，"
            "待会员库更新后再申报。",
        ),
    ],
)
def test_advice_meant_for_the_worker_is_said_to_the_union(worker_text, staff_text):
    from rewards.eligibility.services import staff_voice

    assert staff_voice(worker_text) == staff_text
    assert staff_voice(staff_voice(worker_text)) == staff_text  # safe to say twice


def test_a_clerks_resubmission_refused_by_a_rule_speaks_of_the_worker(api, grassroots_clerk, workers, xihu_reviewer, clerk):
    from rewards.registries.models import Member

    clerk.post("/staff/batch/new-entry", paper_form(workers[0]))
    application = Application.objects.get()
    review_decide(user=grassroots_clerk, application_no=application.application_no, decision="approve")
    review_decide(user=xihu_reviewer, application_no=application.application_no, decision="return", opinion="证书照片不清晰，请重新上传")
    Member.objects.filter(pk=workers[0].pk).update(verified=False)  # the registry changed meanwhile
    answer = api.post(
        f"/api/v1/review/applications/{application.application_no}/resubmit", {}, **bearer(staff_token(api, grassroots_clerk))
    )
    assert answer.status_code == 422, answer.content
    error = answer.json()["error"]
    assert "该职工是工会会员" in error["message"] and "您" not in error["message"]
    assert any("该职工是工会会员" in check["message"] for check in error["checks"] if check["rule"] == "member")
    assert all("您" not in check["message"] for check in error["checks"])


def test_saving_a_discarded_import_says_why_not(clerk, workers):
    upload(clerk, sheet([row_for(workers[0])]))
    batch_import = latest_import()
    clerk.post(f"/staff/batch/{batch_import.pk}/discard")
    page = clerk.post(f"/staff/batch/{batch_import.pk}/save", follow=True).content.decode()
    assert "已放弃，不能保存" in page
