"""The online channel end to end through the API: sign-in, submission, status query,
预审 → 终审, return and resubmission, withdrawal, and the conflicts of DOMAIN.md §3 rule 5."""

from __future__ import annotations

import datetime as dt

import pytest

from rewards.applications.models import Application, ApplicationEvent, Attachment
from rewards.core.models import AuditEvent
from rewards.core.vocab import Status
from rewards.notifications.models import SmsMessage

from .. import factories
from .helpers import applicant_token, bearer, decide, latest_code, materials, registered_form, staff_token, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def worker(api, business_day, member):  # type: ignore[no-untyped-def]
    return applicant_token(api, member)


def test_submission_creates_one_pending_application_with_three_materials(api, worker, member, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as after_commit:
        response = submit(api, worker, factories.annex3(member))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "pending_district"
    assert body["amount"] == "500.00"
    assert len(body["query_password"]) == 10
    application = Application.objects.get(application_no=body["application_no"])
    assert application.union.name == "西湖区总工会"
    assert application.gender in ("male", "female")
    assert Attachment.objects.filter(application=application, current=True).count() == 3
    assert application.query_password_hash and body["query_password"] not in application.query_password_hash
    assert [e.stage for e in application.events.all()] == ["submitted"]
    entry = AuditEvent.objects.get(action="application.submit", object_id=str(application.pk))
    assert entry.detail == {"channel": "online", "application_no": application.application_no}
    assert entry.actor_label == "applicant" and entry.entry_hash == entry.compute_hash()
    sms = SmsMessage.objects.get(event_key=f"app:{application.application_no}:submitted")
    assert application.application_no in sms.text
    assert body["query_password"] not in sms.text
    assert len(after_commit) == 1  # one task follows the commit: SMS, photos, signals
    assert (sms.status, sms.attempts) == ("sent", 1)
    assert set(application.attachments.values_list("processing", flat=True)) == {"reencoded"}


def test_submission_requires_the_applicant_token(api, member, business_day):
    response = submit(api, "not-a-token", factories.annex3(member))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_submission_for_someone_else_is_refused(api, worker, xihu):
    other = factories.make_member(union=xihu)
    response = submit(api, worker, factories.annex3(other))
    assert response.status_code == 403
    assert not Application.objects.exists()


def test_missing_material_and_bad_fields_answer_400_with_fields(api, worker, member):
    files = materials()
    del files["bank_card_file"]
    response = submit(api, worker, factories.annex3(member), files)
    assert response.status_code == 400
    assert "bank_card_file" in response.json()["error"]["fields"]
    response = submit(api, worker, factories.annex3(member, bank_card_no="6222021234567890123"))
    assert response.status_code == 400
    assert "bank_card_no" in response.json()["error"]["fields"]
    assert not Application.objects.exists()


def test_one_400_names_the_fields_and_the_materials_to_fix(api, worker, member):
    """A client fixes everything in one go, not the fields first and the files on the next try."""
    files = materials()
    del files["certificate_file"], files["bank_card_file"]
    response = submit(api, worker, factories.annex3(member, bank_card_no="6222021234567890123", occupation=""), files)
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"bank_card_no", "occupation", "certificate_file", "bank_card_file"}
    assert not Application.objects.exists()


def test_a_submission_without_a_mobile_number_takes_the_one_on_file(api, worker, member):
    """Annex 3's 手机号码 is optional as on the page (留空则使用会员库登记的手机号)."""
    form = factories.annex3(member)
    del form["phone"]
    response = submit(api, worker, form)
    assert response.status_code == 201, response.content
    assert Application.objects.get().phone == member.phone


def test_a_renamed_script_is_not_a_material(api, worker, member):
    from django.core.files.uploadedfile import SimpleUploadedFile

    files = materials()
    files["certificate_file"] = SimpleUploadedFile("cert.jpg", b"<script>alert(1)</script>", content_type="image/jpeg")
    response = submit(api, worker, factories.annex3(member), files)
    assert response.status_code == 400
    assert "certificate_file" in response.json()["error"]["fields"]


def test_ineligible_answers_422_with_the_checks(api, worker, member):
    response = submit(api, worker, factories.annex3(member, issuer="evaluation_org"))
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "ineligible"
    failed = [check["rule"] for check in error["checks"] if not check["passed"]]
    assert failed == ["issuer"]


def test_second_application_while_one_is_pending_is_409(api, worker, member):
    assert submit(api, worker, factories.annex3(member)).status_code == 201
    response = submit(api, worker, factories.annex3(member, new_level="technician", previous_level="senior_worker"))
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "already_pending"
    assert Application.objects.count() == 1


def test_after_the_deadline_a_new_application_is_409(api, worker, member, business_day):
    business_day("2020-12-16")
    response = submit(api, worker, factories.annex3(member))
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "deadline_passed"


def test_status_query_same_404_for_unknown_id_and_wrong_password_then_429(api, worker, member, settings):
    body = submit(api, worker, factories.annex3(member)).json()
    ok = api.post(
        "/api/v1/applications/query",
        {"id_number": member.id_number, "query_password": body["query_password"]},
        content_type="application/json",
    )
    assert ok.status_code == 200
    assert ok.json()["status"] == "pending_district"
    assert ok.json()["history"][0]["stage"] == "提交申请"
    wrong = api.post(
        "/api/v1/applications/query", {"id_number": member.id_number, "query_password": "ABCDEFGHJK"}, content_type="application/json"
    )
    unknown = api.post(
        "/api/v1/applications/query",
        {"id_number": factories.new_id_number(), "query_password": body["query_password"]},
        content_type="application/json",
    )
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.json() == unknown.json()
    for _ in range(9):  # with the one above: 10 failures for this ID
        api.post(
            "/api/v1/applications/query", {"id_number": member.id_number, "query_password": "WRONGWRONG"}, content_type="application/json"
        )
    blocked = api.post(
        "/api/v1/applications/query",
        {"id_number": member.id_number, "query_password": body["query_password"]},
        content_type="application/json",
    )
    assert blocked.status_code == 429
    assert blocked.json()["error"]["code"] == "throttled"
    assert int(blocked["Retry-After"]) > 0


def test_successful_queries_are_never_throttled(api, worker, member):
    body = submit(api, worker, factories.annex3(member)).json()
    for _ in range(30):
        response = api.post(
            "/api/v1/applications/query",
            {"id_number": member.id_number, "query_password": body["query_password"]},
            content_type="application/json",
        )
        assert response.status_code == 200


def test_review_chain_return_resubmit_and_approve(api, worker, member, xihu_reviewer, city_reviewer):
    number = submit(api, worker, registered_form(member)).json()["application_no"]
    city = staff_token(api, city_reviewer)
    district = staff_token(api, xihu_reviewer)
    # The city cannot decide what the district has not pre-reviewed.
    response = decide(api, city, number, "approve")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "wrong_stage"
    assert decide(api, district, number, "approve").json() == {"status": "pending_city"}
    # Nobody decides one stage twice.
    assert decide(api, district, number, "approve").status_code == 409
    # A return needs an opinion.
    assert decide(api, city, number, "return").status_code == 400
    assert decide(api, city, number, "return", "银行卡照片不清晰，请重新上传").json() == {"status": "returned"}
    assert SmsMessage.objects.filter(
        template="returned", text__contains="原因：银行卡照片不清晰，请重新上传。请最迟于12月15日登录"
    ).exists()
    status = api.get("/api/v1/applicant/applications", **bearer(worker)).json()[0]
    assert status["status"] == "returned" and status["can_resubmit"] is True
    assert status["history"][-1]["opinion"] == "银行卡照片不清晰，请重新上传"
    response = api.post(f"/api/v1/applications/{number}/resubmit", {"bank_branch": "中国银行杭州滨江支行", **materials()}, **bearer(worker))
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "pending_district"
    application = Application.objects.get(application_no=number)
    assert application.bank_branch == "中国银行杭州滨江支行"
    assert [e.stage for e in application.events.all()][-1] == "resubmitted"
    assert ApplicationEvent.objects.filter(application=application).count() == 4  # submitted, 预审, 终审 return, resubmitted
    assert Attachment.objects.filter(application=application).count() == 6
    assert Attachment.objects.filter(application=application, current=True).count() == 3
    assert decide(api, district, number, "approve").status_code == 200
    assert decide(api, city, number, "approve").json() == {"status": "approved"}
    application.refresh_from_db()
    assert str(application.amount) == "500.00"
    assert SmsMessage.objects.filter(event_key=f"app:{number}:approved").count() == 1


def test_second_application_of_an_approved_person_is_already_awarded(api, worker, member, xihu_reviewer, city_reviewer):
    number = submit(api, worker, factories.annex3(member)).json()["application_no"]
    Application.objects.filter(application_no=number).update(status=Status.APPROVED, has_decision=True)
    response = submit(api, worker, factories.annex3(member, new_level="technician", previous_level="senior_worker"))
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "already_awarded"


def test_reject_is_final(api, worker, member, xihu_reviewer):
    number = submit(api, worker, factories.annex3(member)).json()["application_no"]
    district = staff_token(api, xihu_reviewer)
    assert decide(api, district, number, "reject").status_code == 400
    assert decide(api, district, number, "reject", "证书为伪造").json() == {"status": "rejected"}
    assert api.post(f"/api/v1/applications/{number}/resubmit", {"bank_branch": "中国银行杭州滨江支行"}, **bearer(worker)).status_code == 409
    response = submit(api, worker, factories.annex3(member))
    assert response.json()["error"]["code"] == "already_rejected"


def test_reviewer_of_another_district_gets_404(api, worker, member, shangcheng_reviewer):
    number = submit(api, worker, factories.annex3(member)).json()["application_no"]
    other = staff_token(api, shangcheng_reviewer)
    assert api.get(f"/api/v1/review/applications/{number}", **bearer(other)).status_code == 404
    assert decide(api, other, number, "approve").status_code == 404
    # A malformed body answers the same 404, with its access-denied entry (SECURITY.md 1).
    denied = AuditEvent.objects.filter(action="access.denied").count()
    malformed = api.post(f"/api/v1/review/applications/{number}/decision", {}, content_type="application/json", **bearer(other))
    assert malformed.status_code == 404
    assert AuditEvent.objects.filter(action="access.denied").count() == denied + 1
    attachment = Attachment.objects.filter(application__application_no=number).first()
    assert api.get(f"/api/v1/review/applications/{number}/attachments/{attachment.pk}", **bearer(other)).status_code == 404
    listing = api.get("/api/v1/review/applications", **bearer(other)).json()
    assert listing["count"] == 0


def test_wrong_role_is_403_before_404(api, worker, member, finance_a):
    number = submit(api, worker, factories.annex3(member)).json()["application_no"]
    token = staff_token(api, finance_a)
    response = decide(api, token, number, "approve")
    assert response.status_code == 403
    assert decide(api, token, "2020999999", "approve").status_code == 403


def test_queue_masks_numbers_and_detail_shows_them_with_an_audit_entry(api, worker, member, xihu_reviewer):
    number = submit(api, worker, factories.annex3(member)).json()["application_no"]
    token = staff_token(api, xihu_reviewer)
    listing = api.get("/api/v1/review/applications?status=pending_district", **bearer(token)).json()
    assert listing["count"] == 1 and listing["counts"] == {"pending_district": 1}
    row = listing["results"][0]
    assert row["id_number"] == member.id_number[:6] + "********" + member.id_number[-4:]
    assert member.id_number not in str(listing)
    detail = api.get(f"/api/v1/review/applications/{number}", **bearer(token)).json()
    assert detail["id_number"] == member.id_number
    assert len(detail["attachments"]) == 3 and len(detail["checks"]) == 6
    assert AuditEvent.objects.filter(action="application.view_full", actor=xihu_reviewer).count() == 1
    image = api.get(detail["attachments"][0]["url"], **bearer(token))
    assert image.status_code == 200 and image["Content-Type"] == "image/jpeg"
    assert image["Cache-Control"] == "no-store"


def test_hard_signal_blocks_final_approval_until_resolved(api, worker, member, xihu_reviewer, city_reviewer):
    # Not in the HR certificate registry → a hard signal.
    number = submit(api, worker, factories.annex3(member)).json()["application_no"]
    district, city = staff_token(api, xihu_reviewer), staff_token(api, city_reviewer)
    detail = api.get(f"/api/v1/review/applications/{number}", **bearer(city)).json()
    assert [flag["code"] for flag in detail["flags"] if flag["hard"]] == ["not_in_registry"]
    decide(api, district, number, "approve")
    response = decide(api, city, number, "approve")
    assert response.status_code == 409 and response.json()["error"]["code"] == "unresolved_flag"
    url = f"/api/v1/review/applications/{number}/flags/not_in_registry/resolve"
    assert api.post(url, {"note": ""}, content_type="application/json", **bearer(city)).status_code == 400
    resolved = api.post(url, {"note": "已电话核实人社部门，证书真实，系统未同步"}, content_type="application/json", **bearer(city))
    assert resolved.status_code == 200 and resolved.json()["resolved_by"]
    assert decide(api, city, number, "approve").json() == {"status": "approved"}


def test_a_resolution_answers_its_facts_only_and_only_the_city_resolves(api, worker, member, xihu_reviewer, city_reviewer):
    number = submit(api, worker, factories.annex3(member, certificate_no="2020330099999")).json()["application_no"]
    district, city = staff_token(api, xihu_reviewer), staff_token(api, city_reviewer)
    url = f"/api/v1/review/applications/{number}/flags/not_in_registry/resolve"
    api.get(f"/api/v1/review/applications/{number}", **bearer(city))  # the first look works the signals out
    # API.md roles: resolving is the city's, not the district's that approves before it.
    refused = api.post(url, {"note": "区里看过了"}, content_type="application/json", **bearer(district))
    assert refused.status_code == 403
    assert decide(api, district, number, "approve").json() == {"status": "pending_city"}
    note = "已电话核实人社部门，证书 2020330099999 真实，系统未同步"
    assert api.post(url, {"note": note}, content_type="application/json", **bearer(city)).status_code == 200
    assert decide(api, city, number, "return", "请补充证书复印件").json() == {"status": "returned"}

    # The worker corrects to another certificate, not in the registry either: the note answered
    # the first one, so the signal stands again and blocks the final approval.
    response = api.post(f"/api/v1/applications/{number}/resubmit", {"certificate_no": "2020330088888"}, **bearer(worker))
    assert response.status_code == 200, response.content
    flag = Application.objects.get(application_no=number).flags.get(code="not_in_registry")
    assert flag.resolved_at is None and flag.resolved_by is None and flag.resolution_note == ""
    assert "2020330088888" in flag.message
    entry = AuditEvent.objects.get(action="review.flag_reraised")
    assert entry.detail["note"] == note and "2020330099999" in entry.detail["was"]
    assert entry.detail["resolved_by"] == city_reviewer.pk
    assert decide(api, district, number, "approve").json() == {"status": "pending_city"}
    blocked = decide(api, city, number, "approve")
    assert blocked.status_code == 409 and blocked.json()["error"]["code"] == "unresolved_flag"

    # Resolved again; a correction that leaves the facts as they are keeps the resolution.
    assert api.post(url, {"note": "新证书亦已核实"}, content_type="application/json", **bearer(city)).status_code == 200
    assert decide(api, city, number, "return", "请写明工作单位全称").json() == {"status": "returned"}
    response = api.post(f"/api/v1/applications/{number}/resubmit", {"employer": "杭州西湖精密机械有限公司"}, **bearer(worker))
    assert response.status_code == 200, response.content
    flag.refresh_from_db()
    assert flag.resolved_at is not None and flag.resolution_note == "新证书亦已核实"
    assert AuditEvent.objects.filter(action="review.flag_reraised").count() == 1


def test_registry_certificate_raises_no_signal(api, worker, member):
    form = factories.annex3(member)
    factories.make_certificate(member=member, certificate_no=form["certificate_no"], issue_date=dt.date(2020, 6, 30), occupation="车工")
    number = submit(api, worker, form).json()["application_no"]
    assert not Application.objects.get(application_no=number).flags.exists()


def test_withdraw_only_while_undecided(api, worker, member, xihu_reviewer):
    number = submit(api, worker, factories.annex3(member)).json()["application_no"]
    assert api.post(f"/api/v1/applications/{number}/withdraw", **bearer(worker)).json()["status"] == "withdrawn"
    # Withdrawn frees the place: a new application is accepted (Annex 2: 可以重新提出申请).
    second = submit(api, worker, factories.annex3(member)).json()["application_no"]
    decide(api, staff_token(api, xihu_reviewer), second, "approve")
    response = api.post(f"/api/v1/applications/{second}/withdraw", **bearer(worker))
    assert response.status_code == 409


def test_undecided_application_is_corrected_in_place(api, worker, member):
    number = submit(api, worker, factories.annex3(member)).json()["application_no"]
    response = api.post(f"/api/v1/applications/{number}/resubmit", {"occupation": "数控车工"}, **bearer(worker))
    assert response.json() == {"application_no": number, "status": "pending_district"}
    assert Application.objects.get(application_no=number).occupation == "数控车工"


def test_returned_application_past_the_grace_period_cannot_be_resubmitted(api, worker, member, xihu_reviewer, business_day):
    number = submit(api, worker, factories.annex3(member)).json()["application_no"]
    decide(api, staff_token(api, xihu_reviewer), number, "return", "请补充材料")
    returned = dt.date(2020, 12, 10)
    Application.objects.filter(application_no=number).update(returned_on=returned)
    business_day("2020-12-25")
    assert api.post(f"/api/v1/applications/{number}/resubmit", {"occupation": "钳工"}, **bearer(worker)).status_code == 200
    decide(api, staff_token(api, xihu_reviewer), number, "return", "请再补充")
    Application.objects.filter(application_no=number).update(returned_on=returned)
    business_day("2020-12-26")
    response = api.post(f"/api/v1/applications/{number}/resubmit", {"occupation": "钳工"}, **bearer(worker))
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "deadline_passed"


def test_new_query_password_replaces_the_old(api, worker, member):
    body = submit(api, worker, factories.annex3(member)).json()
    renewed = api.post(f"/api/v1/applications/{body['application_no']}/query-password", **bearer(worker)).json()["query_password"]
    old = api.post(
        "/api/v1/applications/query",
        {"id_number": member.id_number, "query_password": body["query_password"]},
        content_type="application/json",
    )
    new = api.post(
        "/api/v1/applications/query", {"id_number": member.id_number, "query_password": renewed}, content_type="application/json"
    )
    assert old.status_code == 404 and new.status_code == 200


def test_otp_for_someone_not_verified_is_403(api, xihu, business_day):
    unverified = factories.make_member(union=xihu, verified=False)
    response = api.post(
        "/api/v1/applicant/otp", {"id_number": unverified.id_number, "name": unverified.name}, content_type="application/json"
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "not_verified_member"
    assert "实名认证" in response.json()["error"]["message"]


def test_otp_codes_are_throttled(api, member, business_day):
    assert (
        api.post("/api/v1/applicant/otp", {"id_number": member.id_number, "name": member.name}, content_type="application/json").status_code
        == 202
    )
    again = api.post("/api/v1/applicant/otp", {"id_number": member.id_number, "name": member.name}, content_type="application/json")
    assert again.status_code == 429 and int(again["Retry-After"]) <= 60


def test_wrong_otp_code_is_401_and_one_that_is_not_six_digits_400(api, member, business_day):
    api.post("/api/v1/applicant/otp", {"id_number": member.id_number, "name": member.name}, content_type="application/json")
    response = api.post("/api/v1/applicant/session", {"id_number": member.id_number, "code": "000000x"}, content_type="application/json")
    assert response.status_code == 400 and response.json()["error"]["fields"]["code"] == ["请输入短信中的6位数字验证码。"]
    wrong = "000000" if latest_code() != "000000" else "111111"
    response = api.post("/api/v1/applicant/session", {"id_number": member.id_number, "code": wrong}, content_type="application/json")
    assert response.status_code == 401


def test_staff_token_same_answer_for_every_failure_then_lockout(api, xihu_reviewer):
    unknown = api.post("/api/v1/auth/token", {"username": "nobody", "password": "x"}, content_type="application/json")
    wrong = api.post("/api/v1/auth/token", {"username": "xihu.reviewer", "password": "x"}, content_type="application/json")
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.json() == wrong.json()
    for _ in range(4):
        api.post("/api/v1/auth/token", {"username": "xihu.reviewer", "password": "x"}, content_type="application/json")
    from ..conftest import PASSWORD

    locked = api.post("/api/v1/auth/token", {"username": "xihu.reviewer", "password": PASSWORD}, content_type="application/json")
    assert locked.status_code == 429


def test_the_grace_period_counts_from_the_business_date_of_the_return(api, worker, member, xihu_reviewer, business_day):
    number = submit(api, worker, factories.annex3(member)).json()["application_no"]
    business_day("2020-12-10")
    decide(api, staff_token(api, xihu_reviewer), number, "return", "请补充材料")
    application = Application.objects.get(application_no=number)
    assert application.returned_on == dt.date(2020, 12, 10)
    from rewards.applications.services import resubmission_deadline

    assert resubmission_deadline(application) == dt.date(2020, 12, 25)


@pytest.mark.django_db(transaction=True)
def test_signals_are_worked_out_after_the_commit_by_the_background_task(api, business_day, member, settings, tmp_path):
    settings.SMS_BACKEND = "file"
    settings.SMS_FILE_PATH = str(tmp_path / "sms.jsonl")
    token = applicant_token(api, member)
    number = submit(api, token, factories.annex3(member)).json()["application_no"]
    application = Application.objects.get(application_no=number)
    # The immediate task backend of the tests ran the task when the submission committed.
    assert application.signals_at is not None
    assert list(application.flags.values_list("code", flat=True)) == ["not_in_registry"]


def test_a_reviewer_never_decides_on_unknown_signals(api, worker, member, xihu_reviewer, city_reviewer):
    number = submit(api, worker, factories.annex3(member)).json()["application_no"]
    application = Application.objects.get(application_no=number)
    assert application.signals_at is None  # inside this test's transaction the task has not run
    decide(api, staff_token(api, xihu_reviewer), number, "approve")
    response = decide(api, staff_token(api, city_reviewer), number, "approve")
    assert response.json()["error"]["code"] == "unresolved_flag"
    assert Application.objects.get(application_no=number).signals_at is not None


DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def test_with_the_database_task_backend_one_task_row_commits_with_the_submission(api, worker, member, settings):
    from django_tasks_db.models import DBTaskResult

    from rewards.applications.tasks import after_submission

    settings.TASKS = DATABASE_TASKS
    response = submit(api, worker, factories.annex3(member))
    assert response.status_code == 201, response.content
    application = Application.objects.get(application_no=response.json()["application_no"])
    sms = SmsMessage.objects.get(event_key=f"app:{application.application_no}:submitted")
    (queued,) = DBTaskResult.objects.all()  # written in the submission's own transaction
    assert queued.task_path == "rewards.applications.tasks.after_submission"
    attachment_ids = sorted(application.attachments.values_list("pk", flat=True))
    args = queued.args_kwargs["args"]
    assert (args[0], sorted(args[1]), args[2]) == (application.pk, attachment_ids, sms.pk)
    assert sms.status == "pending"

    after_submission.call(*args)  # what the worker runs

    sms.refresh_from_db()
    assert (sms.status, sms.attempts) == ("sent", 1)
    assert set(application.attachments.values_list("processing", flat=True)) == {"reencoded"}


def test_a_broken_constraint_other_than_one_live_application_is_not_called_a_conflict(api, worker, member, campaign, settings, tmp_path):
    """Only the one-live-application constraint means "already pending": any other fault is raised
    as it is, with nothing written and no file left behind."""
    from django.core.files.storage import default_storage
    from django.db import IntegrityError
    from django.utils import timezone

    from rewards.applications.models import ApplicationCounter

    # A storage of its own: tests running beside this one write materials too.
    private = {"location": str(tmp_path / "private"), "base_url": None}
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": private}}

    counter = ApplicationCounter.objects.filter(campaign=campaign).first()
    next_no = f"{campaign.year}{(counter.last if counter else 0) + 1:06d}"
    SmsMessage.objects.create(  # an outbox row that already holds the next number's event key
        phone="13800000000", phone_hash="x", template="submitted", text="…", event_key=f"app:{next_no}:submitted", created_at=timezone.now()
    )
    folder = f"materials/{campaign.year}"
    before = set(default_storage.listdir(folder)[1]) if default_storage.exists(folder) else set()

    with pytest.raises(IntegrityError):
        submit(api, worker, factories.annex3(member))

    assert not Application.objects.filter(id_hash=member.id_hash).exists()
    after = set(default_storage.listdir(folder)[1]) if default_storage.exists(folder) else set()
    assert after == before


def test_a_masked_detail_hides_the_birth_date_which_is_the_id_numbers_middle(api, worker, member, xihu_reviewer, auditor):
    number = submit(api, worker, factories.annex3(member)).json()["application_no"]
    masked = api.get(f"/api/v1/review/applications/{number}", **bearer(staff_token(api, auditor))).json()
    assert masked["id_number"] == member.id_number[:6] + "********" + member.id_number[-4:]
    assert masked["birth_date"] is None
    assert member.id_number[6:14] not in str(masked).replace("-", "")
    full = api.get(f"/api/v1/review/applications/{number}", **bearer(staff_token(api, xihu_reviewer))).json()
    assert full["birth_date"].replace("-", "") == member.id_number[6:14]


def test_a_correction_sent_as_json_with_a_list_for_a_field_is_refused(api, worker, member):  # type: ignore[no-untyped-def]
    number = submit(api, worker, factories.annex3(member, education="高中")).json()["application_no"]

    answer = api.post(
        f"/api/v1/applications/{number}/resubmit",
        {"education": ["大专"], "employer": {"name": "某公司"}},
        content_type="application/json",
        **bearer(worker),
    )

    assert answer.status_code == 400
    said = "此项应为一个值（文字、数字或是否），不能是列表或对象。"
    assert answer.json()["error"]["fields"] == {"education": [said], "employer": [said]}
    application = Application.objects.get(application_no=number)
    assert (application.education, application.employer) == ("高中", member.employer)
    assert [e.stage for e in application.events.all()] == ["submitted"]
