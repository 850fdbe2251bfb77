"""The worker pages (职工端): the Annex 3 application (申请) with three materials and the
password shown once. Effects are asserted in the database."""

from __future__ import annotations

import pytest

from rewards.applications.models import Application, Attachment
from rewards.applications.services import password_matches
from rewards.core.masking import mask_id_number, mask_phone
from rewards.core.models import ThrottleEvent
from rewards.core.vocab import Status
from rewards.notifications.models import SmsMessage
from rewards.review.services import review_decide
from rewards.web.worker import session as worker_session
from tests import factories

from ._worker import form_for, materials, sign_in, submit, text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_storage")]


# 申请 -------------------------------------------------------------------------------------------


def test_apply_needs_sign_in(client, today):
    response = client.get("/worker/apply")
    assert response.status_code == 302 and response["Location"] == "/worker/signin?next=%2Fworker%2Fapply"


def test_apply_form_shows_the_identity_read_only_and_prefills_from_the_registry(client, today, xihu, xihu_grassroots):
    member = factories.make_member(
        union=xihu, grassroots=xihu_grassroots, employer="杭州西湖精密机械有限公司", id_number="330106198503150016"
    )
    sign_in(client, member)
    response = client.get("/worker/apply")
    body = text(response)
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    assert member.name in body and mask_id_number(member.id_number) in body
    assert "<dd>男</dd>" in body and "1985年3月15日" in body
    assert "西湖区总工会" in body and "杭州西湖精密机械有限公司工会" in body
    assert 'value="杭州西湖精密机械有限公司"' in body
    assert "××银行××支行" in body
    assert body.count('accept="image/jpeg,image/png,application/pdf"') == 3
    assert 'capture="environment"' in body
    assert '<option value="senior_technician">高级技师（奖励800元）</option>' in body
    assert "浙江省人社部门" in body and "户籍地" in body and "来杭年限" in body
    assert member.id_number not in body and member.phone not in body
    assert mask_phone(member.phone) in body


def test_a_member_no_longer_verified_is_signed_out_with_the_explanation(client, today, member):
    sign_in(client, member)
    member.verified = False
    member.save()
    response = client.get("/worker/apply")
    assert response.status_code == 403 and "杭工e家" in text(response)
    assert worker_session.SESSION_KEY not in client.session


def test_submit_creates_the_application_and_shows_the_password_once(client, today, member):
    sign_in(client, member)
    response = client.post("/worker/apply", {**form_for(member), **materials()})
    assert response.status_code == 302 and response["Location"] == "/worker/done"
    application = Application.objects.get(id_hash=member.id_hash)
    assert application.status == Status.PENDING_DISTRICT
    assert application.attachments.filter(current=True).count() == 3
    assert set(application.attachments.values_list("kind", flat=True)) == {"id_card", "certificate", "bank_card"}
    assert application.union.name == "西湖区总工会" and application.phone == member.phone

    done = client.get("/worker/done")
    body = text(done)
    assert application.application_no in body and "no-store" in done["Cache-Control"]
    password = body.split('id="query-password">')[1].split("<")[0]
    assert len(password) == 10 and password_matches(application, password)
    assert "只显示这一次" in body and "截图" in body and "短信中不含查询密码" in body
    # A copy button for the page's script (hidden without it: the password is selectable anyway).
    assert '<button type="button" class="w-btn small secondary w-copy" data-copy="query-password" hidden>复制查询密码</button>' in body
    assert worker_session.DONE_KEY not in client.session

    again = text(client.get("/worker/done"))
    assert password not in again and "查询密码已不再显示" in again
    sms = SmsMessage.objects.get(template="submitted")
    assert password not in sms.text


def test_field_errors_keep_what_was_typed_and_ask_for_the_files_again(client, today, member):
    sign_in(client, member)
    data = form_for(member, bank_card_no="6222021234567890012", bank_branch="工商银行", occupation="数控车工")
    response = client.post("/worker/apply", {**data, **materials()})
    body = text(response)
    assert response.status_code == 400
    assert "银行卡号校验不通过" in body and "开户行请写到支行" in body
    assert 'value="数控车工"' in body and 'value="6222021234567890012"' in body
    assert "请重新选择三份材料" in body
    assert not Application.objects.exists() and not Attachment.objects.exists()
    assert not ThrottleEvent.objects.filter(scope="submission").exists()  # a typo costs no attempt

    fixed = client.post("/worker/apply", {**form_for(member), **materials()})
    assert fixed.status_code == 302 and Application.objects.count() == 1
    assert ThrottleEvent.objects.filter(scope="submission").count() == 1  # the submission, counted with it


def test_missing_materials_are_named(client, today, member):
    sign_in(client, member)
    response = client.post("/worker/apply", {**form_for(member), **materials(certificate_file=True)})
    assert response.status_code == 400
    assert "请上传等级证书的照片或扫描件" in text(response)
    assert not Application.objects.exists()


def test_an_empty_file_is_said_once_in_the_domain_words(client, today, member):
    """A 0-byte photo (a failed copy on the phone) gets one sentence at its field, not Django's
    "提交的是空文件。" beside the domain's own."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    sign_in(client, member)
    files = {**materials(), "certificate_file": SimpleUploadedFile("certificate.jpg", b"", content_type="image/jpeg")}
    response = client.post("/worker/apply", {**form_for(member), **files})
    body = text(response)
    assert response.status_code == 400
    assert body.count("等级证书文件是空的") == 2  # the summary and the field
    assert "提交的是空文件" not in body
    assert not Application.objects.exists()


def test_ineligible_application_lists_the_rules(client, today, member):
    sign_in(client, member)
    response = client.post("/worker/apply", {**form_for(member, issuer="employer"), **materials()})
    body = text(response)
    assert response.status_code == 422
    assert "不符合奖励条件" in body and "用人单位的证书不在2020年度奖励范围内" in body
    assert body.count('<li class="pass">') == 5 and body.count('<li class="fail">') == 1
    assert not Application.objects.exists()


def test_migrant_worker_fields(client, today, member):
    sign_in(client, member)
    response = client.post("/worker/apply", {**form_for(member, is_migrant="是"), **materials()})
    assert response.status_code == 400
    assert "外来务工人员请填写户籍地" in text(response)
    application = submit(client, member, is_migrant="是", hukou_place="安徽省阜阳市", years_in_hangzhou="6")
    assert application.is_migrant and application.hukou_place == "安徽省阜阳市" and application.years_in_hangzhou == 6


def test_a_second_application_is_a_conflict_with_a_link_to_my_applications(client, today, member):
    sign_in(client, member)
    first = submit(client, member)
    client.get("/worker/done")  # as the browser follows the answer: the query password is shown
    page = text(client.get("/worker/apply"))
    assert "您已有一份2020年度申请" in page and first.application_no in page
    response = client.post("/worker/apply", {**form_for(member, certificate_no="X2"), **materials()})
    body = text(response)
    assert response.status_code == 409
    assert "正在办理中" in body and 'href="/worker/mine"' in body
    assert Application.objects.count() == 1


def test_the_apply_page_of_a_returned_application_says_what_can_be_done_with_it(client, today, member, xihu_reviewer):
    """每人每年度只能申请一次: the page pointed every worker to 修改或撤回后重新申请, which a
    returned, approved or batch application does not allow; it says what this one allows."""
    sign_in(client, member)
    first = submit(client, member)
    client.get("/worker/done")
    page = text(client.get("/worker/apply"))
    assert "在审核人作出决定前，您可以修改或撤回申请。" in page  # still undecided: both
    review_decide(user=xihu_reviewer, application_no=first.application_no, decision="return", opinion="银行卡照片看不清")
    page = text(client.get("/worker/apply"))
    assert "您已有一份2020年度申请" in page and first.application_no in page
    assert "撤回" not in page and "请按审核意见修改" in page


def test_the_same_form_sent_again_after_a_lost_answer_shows_the_query_password(client, today, member):
    """The first answer never reached the phone; the worker taps 提交 again: the password that
    waits in the session is shown (once), not a red 'already applied'."""
    sign_in(client, member)
    first = client.post("/worker/apply", {**form_for(member), **materials()})
    assert first.status_code == 302 and first["Location"] == "/worker/done"  # the answer that was lost

    again = client.post("/worker/apply", {**form_for(member), **materials()}, follow=True)

    body = again.content.decode()
    application = Application.objects.get(id_hash=member.id_hash)
    assert again.redirect_chain[-1][0] == "/worker/done"
    assert "已经提交成功" in body and application.application_no in body and "查询密码" in body
    assert Application.objects.filter(id_hash=member.id_hash).count() == 1
    later = client.post("/worker/apply", {**form_for(member), **materials()})  # the password was shown: now it is the conflict
    assert later.status_code == 409 and "正在办理中" in later.content.decode()


def test_the_pages_upload_gets_json_for_what_it_shows_in_place(client, today, member):
    """worker.js sends the form itself (to show the upload's progress) with ``X-Worker-Upload``:
    field and material errors come back as the precheck's JSON (shown at their fields, the other
    photos still chosen), success as the address to open; the password waits there once."""
    sign_in(client, member)
    upload = {"HTTP_X_WORKER_UPLOAD": "1"}
    refused = client.post(
        "/worker/apply", {**form_for(member, bank_card_no="6222021234567890012"), **materials(certificate_file=True)}, **upload
    )
    assert refused.status_code == 400 and refused["Content-Type"] == "application/json"
    answer = refused.json()
    assert answer["ok"] is False and answer["message"] == "填写的内容有误，请按红色提示修改。"
    assert "银行卡号校验不通过" in answer["fields"]["bank_card_no"][0]
    assert "请上传等级证书的照片或扫描件" in answer["fields"]["certificate_file"][0]
    assert not Application.objects.exists()

    sent = client.post("/worker/apply", {**form_for(member), **materials()}, **upload)
    assert sent.status_code == 200 and sent.json() == {"ok": True, "next": "/worker/done"}
    assert Application.objects.count() == 1
    assert 'id="query-password"' in text(client.get("/worker/done"))

    client.cookies.clear()  # the sign-in ended meanwhile: said as the precheck says it
    ended = client.post("/worker/apply", {**form_for(member), **materials()}, **upload)
    assert ended.status_code == 401 and ended.json()["signed_out"] is True


def test_the_pages_upload_gets_an_ineligible_answer_to_show_in_place(client, today, member):
    """A certificate date typed a year wrong passes every field check and fails rule 3: the page
    used to be replaced by the answer, and the three photos had to be chosen again."""
    sign_in(client, member)
    refused = client.post(
        "/worker/apply", {**form_for(member, certificate_issue_date="2018-06-30"), **materials()}, HTTP_X_WORKER_UPLOAD="1"
    )
    assert refused.status_code == 422 and refused["Content-Type"] == "application/json"
    answer = refused.json()
    assert answer["ok"] is False and answer["fields"] == {}
    assert "不符合奖励条件，未能提交" in answer["outcome"] and "发证时间" in answer["outcome"]
    assert "2018年6月30日" in answer["outcome"]
    assert not Application.objects.exists()
    # Without the page's script the answer is the page, as before.
    page = client.post("/worker/apply", {**form_for(member, certificate_issue_date="2018-06-30"), **materials()})
    assert page.status_code == 422 and "不符合奖励条件，未能提交" in text(page)
