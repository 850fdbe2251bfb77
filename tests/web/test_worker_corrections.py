"""The worker pages (职工端): withdrawal (撤回) and the corrections (修改与重新提交) of an
undecided, a returned and a failed-payment application. Effects are asserted in the database."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from rewards.applications.models import Application, ApplicationEvent, Flag, FlagCode
from rewards.core.vocab import Status
from rewards.review.flags import refresh_flags
from rewards.review.services import review_decide
from tests import factories

from ._worker import form_for, submitted_with_password, text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_storage")]


# 撤回 -------------------------------------------------------------------------------------------


def test_withdraw_after_confirmation(client, today, member):
    application, _ = submitted_with_password(client, member)
    confirm = client.get(f"/worker/applications/{application.application_no}/withdraw")
    assert "确定撤回这份申请吗" in text(confirm)
    response = client.post(f"/worker/applications/{application.application_no}/withdraw", follow=True)
    assert "已撤回" in text(response)
    application.refresh_from_db()
    assert application.status == Status.WITHDRAWN
    assert application.events.filter(stage="withdrawn").exists()
    # Withdrawn frees the place: the worker may apply again; no amount or password is offered for it.
    body = text(client.get("/worker/mine"))
    assert "申请2020年度奖励" in body and "500.00" not in body and "重新生成查询密码" not in body
    response = client.get(f"/worker/applications/{application.application_no}/query-password")
    assert response.status_code == 302 and response["Location"] == "/worker/mine"


def test_withdraw_refused_once_a_reviewer_decided(client, today, member, xihu_reviewer):
    application, _ = submitted_with_password(client, member)
    review_decide(user=xihu_reviewer, application_no=application.application_no, decision="approve")
    response = client.post(f"/worker/applications/{application.application_no}/withdraw", follow=True)
    assert response.redirect_chain == [(f"/worker/mine#app-{application.application_no}", 302)]
    # Said inside that application's card (with its status and next step), not at the top of the page.
    page = response.content.decode()
    card = page[page.index(f'id="app-{application.application_no}"') :]
    card = card[: card.index("</article>")]
    assert '<p class="w-alert error" role="alert">撤回没有成功：已有审核意见的申请不能撤回。</p>' in card
    assert 'class="w-messages"' not in page
    # Once: the next visit is the plain page.
    assert "撤回没有成功" not in text(client.get("/worker/mine"))
    application.refresh_from_db()
    assert application.status == Status.PENDING_CITY


def test_the_withdraw_page_of_an_application_already_withdrawn_does_not_ask_again(client, today, member):
    """The back button (or a second tap) after 确认撤回: the page asked “确定撤回这份申请吗？” once
    more and then said 已有审核意见的申请不能撤回, which no reviewer had given."""
    application, _ = submitted_with_password(client, member)
    url = f"/worker/applications/{application.application_no}/withdraw"
    client.post(url)
    response = client.get(url)
    assert response.status_code == 302 and response["Location"] == f"/worker/mine#app-{application.application_no}"
    body = text(client.get("/worker/mine"))
    assert f"申请 {application.application_no} 已经撤回，不需要再撤回。" in body
    assert "确定撤回" not in body and "已有审核意见" not in body


def test_the_withdraw_page_of_a_decided_application_says_why_without_asking(client, today, member, xihu_reviewer):
    application, _ = submitted_with_password(client, member)
    review_decide(user=xihu_reviewer, application_no=application.application_no, decision="return", opinion="银行卡照片看不清")
    response = client.get(f"/worker/applications/{application.application_no}/withdraw")
    assert response.status_code == 302 and response["Location"] == f"/worker/mine#app-{application.application_no}"
    body = text(client.get("/worker/mine"))
    assert f"申请 {application.application_no} 现为“已退回，请修改后重新提交”，已有审核意见的申请不能撤回。" in body
    assert "请按审核意见修改" in body and "确定撤回" not in body


# 修改与重新提交 ---------------------------------------------------------------------------------


def test_correct_an_undecided_application(client, today, member):
    application, _ = submitted_with_password(client, member)
    url = f"/worker/applications/{application.application_no}/edit"
    page = text(client.get(url))
    assert 'value="车工"' in page and "不修改请留空" in page
    assert f"现为尾号 {application.bank_card_no[-4:]} 的银行卡；不修改请留空。" in page  # which card, without the number
    assert page.count('data-empty="未重新选择：保留原来上传的材料"') == 3
    assert application.bank_card_no not in page and member.phone not in page
    data = form_for(member, occupation="数控车工", new_level="technician", bank_card_no="", phone="")
    response = client.post(url, data)
    assert response.status_code == 302 and response["Location"] == "/worker/mine"
    bank_card = application.bank_card_no
    application.refresh_from_db()
    assert application.status == Status.PENDING_DISTRICT
    assert application.occupation == "数控车工" and application.new_level == "technician" and str(application.amount) == "600.00"
    assert application.bank_card_no == bank_card and application.phone == member.phone
    assert application.attachments.filter(current=True).count() == 3
    assert list(application.events.values_list("stage", flat=True)) == ["submitted", "corrected"]
    assert f"申请 {application.application_no} 已修改，等待区县（产业）工会审核。" in text(client.get("/worker/mine"))


def test_returned_application_is_resubmitted_with_history_kept(client, today, member, xihu_reviewer):
    application, _ = submitted_with_password(client, member)
    review_decide(user=xihu_reviewer, application_no=application.application_no, decision="return", opinion="银行卡照片看不清")
    page = text(client.get("/worker/mine"))
    assert "修改后重新提交" in page and "银行卡照片看不清" in page
    url = f"/worker/applications/{application.application_no}/edit"
    form_page = text(client.get(url))
    assert "退回意见" in form_page and "银行卡照片看不清" in form_page
    new_card = SimpleUploadedFile("card.png", _png(), content_type="image/png")
    response = client.post(url, {**form_for(member, bank_card_no="", phone=""), "bank_card_file": new_card})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Status.PENDING_DISTRICT
    stages = list(application.events.values_list("stage", "decision", "opinion"))
    assert stages[0][0] == "submitted" and stages[1][1:] == ("return", "银行卡照片看不清") and stages[2][0] == "resubmitted"
    assert application.attachments.filter(kind="bank_card").count() == 2
    assert application.attachments.get(kind="bank_card", current=True).content_type == "image/png"
    assert f"申请 {application.application_no} 已重新提交，等待区县（产业）工会审核。" in text(client.get("/worker/mine"))


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (30, 20), (10, 10, 10)).save(buffer, "PNG")
    return buffer.getvalue()


def test_resubmission_errors_are_shown_next_to_the_fields(client, today, member):
    application, _ = submitted_with_password(client, member)
    url = f"/worker/applications/{application.application_no}/edit"
    response = client.post(url, form_for(member, bank_branch="杭州", bank_card_no="", phone=""))
    assert response.status_code == 400 and "开户行请写到支行" in text(response)
    application.refresh_from_db()
    assert application.events.count() == 1


def test_after_a_failed_payment_only_the_bank_card_is_corrected(client, today, member):
    application, _ = submitted_with_password(client, member)
    # Its signals found and the hard ones resolved, as before a city reviewer's final approval.
    refresh_flags(application)
    Flag.objects.filter(application=application, hard=True).update(resolved_at=timezone.now(), resolution_note="已核实")
    Application.objects.filter(pk=application.pk).update(status=Status.PAYMENT_FAILED, has_decision=True)
    url = f"/worker/applications/{application.application_no}/edit"
    page = text(client.get(url))
    assert "更正银行卡" in page and 'name="bank_card_no"' in page and 'name="occupation"' not in page
    assert application.bank_card_no not in page
    # Said once, to a worker already signed in.
    assert page.count("奖励发放失败") == 1 and "请更正银行卡信息（须为本人名下的银行卡）" in page and "请登录后" not in page
    card = factories.new_card()
    response = client.post(url, {"bank_card_no": card, "bank_branch": "中国建设银行杭州城西支行"})
    assert response.status_code == 302
    assert "银行卡已更正，将在下一批次发放" in text(client.get(response["Location"]))  # nothing holds it
    application.refresh_from_db()
    assert application.status == Status.APPROVED and application.bank_card_no == card
    assert Flag.objects.filter(application=application, code=FlagCode.BANK_CHANGED).exists()


def test_the_banks_reason_of_a_failed_payment_reads_as_a_reason_not_an_opinion(client, today, member, xihu_reviewer):
    """Walked as a worker after a failed payment: the bank's “户名与卡号不符” read “意见：…”, as if a
    reviewer had given it; a reviewer's opinion keeps 意见."""
    application, _ = submitted_with_password(client, member)
    review_decide(user=xihu_reviewer, application_no=application.application_no, decision="approve", opinion="材料齐全，同意。")
    Application.objects.filter(pk=application.pk).update(status=Status.PAYMENT_FAILED, has_decision=True)
    for stage, reason in (("payment_failed", "户名与卡号不符"), ("reversed", "账户已冻结，银行退回")):
        ApplicationEvent.objects.create(
            application=application,
            at=timezone.now(),
            stage=stage,
            opinion=reason,
            from_status=Status.APPROVED,
            to_status=Status.PAYMENT_FAILED,
        )
    body = text(client.get("/worker/mine"))
    assert "原因：户名与卡号不符" in body and "原因：账户已冻结，银行退回" in body
    assert "意见：户名与卡号不符" not in body and "意见：材料齐全，同意。" in body


def test_a_decided_application_cannot_be_edited(client, today, member, xihu_reviewer):
    application, _ = submitted_with_password(client, member)
    review_decide(user=xihu_reviewer, application_no=application.application_no, decision="approve")
    response = client.get(f"/worker/applications/{application.application_no}/edit", follow=True)
    assert f"申请 {application.application_no} 现为“" in text(response) and "不需要也不能再修改" in text(response)
    assert "w-alert info" in response.content.decode() and "w-alert error" not in response.content.decode()
    assert response.redirect_chain[-1][0] == "/worker/mine"


def test_corrections_count_against_the_submission_limit(client, today, member, settings):
    from rewards.core.models import ThrottleEvent

    application, _ = submitted_with_password(client, member)  # 1 of 2
    settings.THROTTLES = {**settings.THROTTLES, "submission": "2/hour"}
    url = f"/worker/applications/{application.application_no}/edit"
    first = client.post(url, form_for(member, occupation="数控车工", bank_card_no="", phone=""))
    assert first.status_code == 302  # 2 of 2
    blocked = client.post(url, form_for(member, occupation="钳工", bank_card_no="", phone=""))
    assert blocked.status_code == 429
    assert "提交过于频繁，请1小时后再试。" in text(blocked)
    application.refresh_from_db()
    assert application.occupation == "数控车工"
    assert list(application.events.values_list("stage", flat=True)) == ["submitted", "corrected"]
    assert ThrottleEvent.objects.filter(scope="submission").count() == 2


def test_a_card_another_application_uses_is_not_promised_for_the_next_batch(client, today, member, xihu):
    """The corrected card is another person's: a hard signal keeps the application out of the
    batches until the city's reviewer resolves it, and the worker is not told it will be paid
    in the next one (nor why: that is the other person's)."""
    other_member = factories.make_member(union=xihu, name="李秀英")
    other, _ = submitted_with_password(client, other_member)
    client.post("/worker/signout")
    application, _ = submitted_with_password(client, member)
    Application.objects.filter(pk=application.pk).update(status=Status.PAYMENT_FAILED, has_decision=True)
    url = f"/worker/applications/{application.application_no}/edit"
    response = client.post(url, {"bank_card_no": other.bank_card_no, "bank_branch": "中国建设银行杭州城西支行"}, follow=True)
    body = text(response)
    assert "银行卡已更正，须经市总工会核实后发放" in body and "将在下一批次发放" not in body
    assert other.application_no not in body and "李秀英" not in body
    assert Flag.objects.filter(application=application, code=FlagCode.CARD_SHARED, hard=True, resolved_at__isnull=True).exists()


def test_a_resubmission_the_rules_refuse_is_answered_for_the_page_to_show_in_place(client, today, member, xihu_reviewer):
    application, _ = submitted_with_password(client, member)
    review_decide(user=xihu_reviewer, application_no=application.application_no, decision="return", opinion="发证时间请核对")
    refused = client.post(
        f"/worker/applications/{application.application_no}/edit",
        form_for(member, certificate_issue_date="2018-06-30", bank_card_no="", phone=""),
        HTTP_X_WORKER_UPLOAD="1",
    )
    assert refused.status_code == 422 and refused.json()["fields"] == {}
    assert "不符合奖励条件，未能提交" in refused.json()["outcome"]
    application.refresh_from_db()
    assert application.status == Status.RETURNED
