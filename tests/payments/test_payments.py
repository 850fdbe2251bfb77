"""核发 (DOMAIN.md §6, SECURITY.md 19–22): four eyes, frozen batches, bank files, all-or-nothing
reconciliation, failed payments corrected by the worker, reversals, and never paying twice."""

from __future__ import annotations

import csv
import io
import threading
from collections import Counter
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections
from django.db.models import Sum
from django.test import Client

from rewards.applications.models import Application, ApplicationEvent
from rewards.core.models import AuditEvent
from rewards.core.vocab import Status
from rewards.notifications.models import SmsMessage
from rewards.payments import results, services
from rewards.payments.models import BatchStatus, LineStatus, PaymentBatch, PaymentLine
from rewards.registries.models import Member

from .. import factories
from ..api.helpers import bearer, staff_token
from .helpers import build, results_file, sent_batch

pytestmark = pytest.mark.django_db


def test_build_freezes_every_approved_unpaid_application_with_control_totals(api, approved, finance_a):
    response = build(api, staff_token(api, finance_a))
    assert response.status_code == 201
    body = response.json()
    assert body["count"] == 6 and body["total_amount"] == "3400.00"  # 4×500 + 600 + 800
    batch = PaymentBatch.objects.get(batch_no=body["batch_no"])
    assert batch.lines.aggregate(total=Sum("amount"))["total"] == Decimal("3400.00")
    line = batch.lines.get(application=approved[0])
    assert line.bank_card_no == approved[0].bank_card_no and line.amount == Decimal("500.00")
    assert AuditEvent.objects.filter(action="payment.batch_build").count() == 1
    assert set(Application.objects.values_list("status", flat=True)) == {Status.APPROVED}


def test_nothing_to_pay_and_a_second_build_takes_nothing_twice(api, approved, finance_a):
    token = staff_token(api, finance_a)
    assert build(api, token).status_code == 201
    response = build(api, token)
    assert response.status_code == 409 and response.json()["error"]["code"] == "nothing_to_pay"
    assert response.json()["error"]["message"] == "没有待发放的申请（已审核通过且未在其他批次中）。"


def test_nothing_to_pay_names_what_a_hard_signal_holds_back(api, approved, finance_a):
    from rewards.applications.models import Flag, FlagCode
    from rewards.core import clock

    for application in approved:
        Flag.objects.create(
            application=application, code=FlagCode.CARD_SHARED, hard=True, message="该银行卡号也用于他人的申请。", raised_at=clock.now()
        )
    response = build(api, staff_token(api, finance_a))
    assert response.status_code == 409 and response.json()["error"]["code"] == "nothing_to_pay"
    assert response.json()["error"]["message"].endswith(
        f"另有 {len(approved)} 份已审核通过的申请有尚未处理的硬性风险信号，须由市总审核人处理后才能发放。"
    )


def test_build_filtered_by_union(api, approved, finance_a):
    body = build(api, staff_token(api, finance_a), union="上城区总工会").json()
    assert body["count"] == 2 and body["total_amount"] == "1000.00"


def test_the_same_idempotency_key_returns_the_same_batch(api, approved, finance_a):
    token = staff_token(api, finance_a)
    first = build(api, token, key="k-1")
    again = build(api, token, key="k-1")
    assert first.status_code == 201 and again.status_code == 201  # a replay answers as the first did
    assert "Idempotent-Replayed" not in first and again["Idempotent-Replayed"] == "true"
    assert first.json() == again.json()
    assert PaymentBatch.objects.count() == 1
    # The same key for another scope is a client's mistake, said as such; nothing is built.
    other = build(api, token, key="k-1", union="上城区总工会")
    assert other.status_code == 409 and other.json()["error"]["code"] == "idempotency_key_reused"
    assert first.json()["batch_no"] in other.json()["error"]["message"]
    assert PaymentBatch.objects.count() == 1


def test_four_eyes_the_builder_cannot_approve(api, approved, finance_a, finance_b, city_reviewer):
    a = staff_token(api, finance_a)
    batch_no = build(api, a).json()["batch_no"]
    response = api.post(f"/api/v1/payments/batches/{batch_no}/approve", **bearer(a))
    assert response.status_code == 403
    # Recorded once, on the batch, as the four-eyes refusal it is (not as a wrong role).
    attempt = AuditEvent.objects.get(action="payment.batch_approve")
    assert (attempt.actor, attempt.result, attempt.detail) == (finance_a, "denied", {"batch_no": batch_no, "reason": "own_batch"})
    assert not AuditEvent.objects.filter(action="access.denied").exists()
    assert api.post(f"/api/v1/payments/batches/{batch_no}/approve", **bearer(staff_token(api, city_reviewer))).status_code == 403
    # A wrong role is an access denial, as everywhere.
    assert AuditEvent.objects.filter(action="access.denied", actor=city_reviewer, detail__reason="role").count() == 1
    # The file only after approval.
    assert api.get(f"/api/v1/payments/batches/{batch_no}/file", **bearer(a)).status_code == 409
    assert api.post(f"/api/v1/payments/batches/{batch_no}/approve", **bearer(staff_token(api, finance_b))).json()["status"] == "approved"
    assert PaymentBatch.objects.get(batch_no=batch_no).approved_by == finance_b


def test_the_bank_file_is_the_frozen_content_and_the_first_download_marks_it_sent(api, approved, finance_a, finance_b):
    batch_no, a, _, content = sent_batch(api, finance_a, finance_b)
    assert content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[0] == ["reference", "name", "bank_card_no", "bank_branch", "amount"]
    assert len(rows) == 7
    cards = {row[2] for row in rows[1:]}
    assert cards == {app.bank_card_no for app in approved}
    batch = PaymentBatch.objects.get(batch_no=batch_no)
    assert batch.status == BatchStatus.SENT
    assert set(batch.lines.values_list("status", flat=True)) == {LineStatus.SENT}
    # Once sent it cannot be cancelled.
    assert api.post(f"/api/v1/payments/batches/{batch_no}/cancel", **bearer(a)).status_code == 409


def test_cancel_before_sending_frees_the_applications(api, approved, finance_a):
    token = staff_token(api, finance_a)
    batch_no = build(api, token).json()["batch_no"]
    assert api.post(f"/api/v1/payments/batches/{batch_no}/cancel", **bearer(token)).json()["status"] == "cancelled"
    assert build(api, token).json()["count"] == 6


def test_results_mark_paid_and_failed_with_sms_once_each(api, approved, finance_a, finance_b, django_capture_on_commit_callbacks):
    batch_no, a, _, content = sent_batch(api, finance_a, finance_b)
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))[1:]
    answers = [(row[0], row[4], "success", "") for row in rows[:5]] + [(rows[5][0], rows[5][4], "failure", "户名与卡号不符")]
    with django_capture_on_commit_callbacks(execute=True):  # the SMS are queued after the commit
        response = api.post(f"/api/v1/payments/batches/{batch_no}/results", {"file": results_file(answers)}, **bearer(a))
    assert response.json() == {"paid": 5, "failed": 1}
    assert Application.objects.filter(status=Status.PAID).count() == 5
    failed = Application.objects.get(status=Status.PAYMENT_FAILED)
    assert SmsMessage.objects.filter(template="paid").count() == 5
    assert SmsMessage.objects.filter(template="payment_failed", text__contains="户名与卡号不符").count() == 1
    # The same file again changes nothing and sends nothing.
    again = api.post(f"/api/v1/payments/batches/{batch_no}/results", {"file": results_file(answers)}, **bearer(a))
    assert again.json() == {"paid": 0, "failed": 0}
    assert SmsMessage.objects.filter(template__in=["paid", "payment_failed"]).count() == 6
    # The sum of paid amounts equals the sum of successful bank lines.
    paid_sum = PaymentLine.objects.filter(status=LineStatus.PAID).aggregate(total=Sum("amount"))["total"]
    assert paid_sum == sum(Decimal(row[1]) for row in answers if row[2] == "success")
    assert failed.payment_lines.get().live is False
    # Each settled application's history has the step, once (DOMAIN.md §5), by the importing officer.
    steps = ApplicationEvent.objects.filter(stage__in=["paid", "payment_failed"])
    assert sorted(steps.values_list("stage", "from_status", "to_status")) == [("paid", "approved", "paid")] * 5 + [
        ("payment_failed", "approved", "payment_failed")
    ]
    assert set(steps.values_list("actor__username", flat=True)) == {"finance.a"}
    assert steps.get(stage="payment_failed").opinion == "户名与卡号不符" and steps.get(stage="payment_failed").application == failed
    status = api.get(f"/api/v1/review/applications/{failed.application_no}", **bearer(staff_token(api, finance_a))).json()
    assert [step["stage"] for step in status["history"]][-1] == "发放失败"


def snapshot():  # type: ignore[no-untyped-def]
    return (
        sorted(PaymentLine.objects.values_list("reference", "status", "live")),
        sorted(Application.objects.values_list("application_no", "status")),
        SmsMessage.objects.count(),
    )


@pytest.mark.parametrize(
    "bad",
    ["unknown", "wrong_amount", "cut", "wrong_header", "duplicate"],
)
def test_a_bad_results_file_is_refused_whole(api, approved, finance_a, finance_b, bad):
    batch_no, a, _, content = sent_batch(api, finance_a, finance_b)
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))[1:]
    answers = [(row[0], row[4], "success", "") for row in rows]
    cut = False
    if bad == "unknown":
        answers.append(("P2020099999-000001", "500.00", "success", ""))
    elif bad == "wrong_amount":
        answers[0] = (answers[0][0], "5000.00", "success", "")
    elif bad == "cut":
        cut = True
    elif bad == "duplicate":
        answers.append(answers[0])
    before = snapshot()
    if bad == "wrong_header":
        upload = SimpleUploadedFile("r.csv", ("ref,amount,result\r\n" + "".join(f"{r[0]},{r[1]},success\r\n" for r in answers)).encode())
    else:
        upload = results_file(answers, cut=cut)
    response = api.post(f"/api/v1/payments/batches/{batch_no}/results", {"file": upload}, **bearer(a))
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["file"] or response.json()["error"]["reasons"]
    assert snapshot() == before
    # Refused, and recorded as a bank-file event (SECURITY.md 17): who, which batch, why.
    refusal = AuditEvent.objects.get(action="payment.results_import")
    assert (refusal.result, refusal.actor, refusal.object_id) == ("failed", finance_a, str(PaymentBatch.objects.get(batch_no=batch_no).pk))
    assert refusal.detail["reason"] == "invalid_result_file" and refusal.detail["problems"] >= 1


def test_a_row_of_another_batch_is_refused(api, approved, finance_a, finance_b, campaign, xihu):
    _, a, b, first_content = sent_batch(api, finance_a, finance_b)
    factories.make_application(campaign=campaign, member=factories.make_member(union=xihu))
    second_no = build(api, a).json()["batch_no"]
    api.post(f"/api/v1/payments/batches/{second_no}/approve", **bearer(b))
    api.get(f"/api/v1/payments/batches/{second_no}/file", **bearer(a))
    first_rows = list(csv.reader(io.StringIO(first_content.decode("utf-8-sig"))))[1:]
    before = snapshot()
    response = api.post(
        f"/api/v1/payments/batches/{second_no}/results",
        {"file": results_file([(first_rows[0][0], first_rows[0][4], "success", "")])},
        **bearer(a),
    )
    assert response.status_code == 400 and "其他批次" in str(response.json())
    assert snapshot() == before


def test_a_conflicting_answer_is_refused(api, approved, finance_a, finance_b):
    batch_no, a, _, content = sent_batch(api, finance_a, finance_b)
    row = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))[1]
    api.post(f"/api/v1/payments/batches/{batch_no}/results", {"file": results_file([(row[0], row[4], "success", "")])}, **bearer(a))
    before = snapshot()
    response = api.post(
        f"/api/v1/payments/batches/{batch_no}/results", {"file": results_file([(row[0], row[4], "failure", "账户已销户")])}, **bearer(a)
    )
    assert response.status_code == 400
    assert response.json()["error"]["reasons"] == [
        f"第 2 行：付款参考号 {row[0]} 已是“已发放”，与本次结果冲突。请与银行核对该笔的实际结果；确认无误后，删去该行再导入。"
    ]
    assert snapshot() == before


def test_a_file_may_answer_part_of_a_batch_and_unanswered_lines_stay_sent(api, approved, finance_a, finance_b):
    batch_no, a, _, content = sent_batch(api, finance_a, finance_b)
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))[1:]
    api.post(f"/api/v1/payments/batches/{batch_no}/results", {"file": results_file([(rows[0][0], rows[0][4], "success", "")])}, **bearer(a))
    assert PaymentLine.objects.filter(status=LineStatus.SENT).count() == 5
    # Unanswered lines are never re-sent under a new reference: nothing is payable.
    assert build(api, a).json()["error"]["code"] == "nothing_to_pay"


def test_a_failed_line_corrected_by_the_worker_joins_the_next_batch_and_an_uncorrected_one_does_not(
    api, approved, finance_a, finance_b, member, campaign
):
    batch_no, a, _, content = sent_batch(api, finance_a, finance_b)
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))[1:]
    answers = [(row[0], row[4], "failure", "卡号错误") for row in rows[:2]] + [(row[0], row[4], "success", "") for row in rows[2:]]
    api.post(f"/api/v1/payments/batches/{batch_no}/results", {"file": results_file(answers)}, **bearer(a))
    failed = list(Application.objects.filter(status=Status.PAYMENT_FAILED).order_by("pk"))
    assert len(failed) == 2
    from rewards.applications.services import application_resubmit
    from rewards.core.errors import InvalidInput

    employer = failed[0].employer
    with pytest.raises(InvalidInput) as refused:  # API.md: bank fields only; others are refused, not dropped
        application_resubmit(
            application_no=failed[0].application_no,
            data={"bank_card_no": factories.new_card(), "employer": "新单位"},
            files={},
            applicant_id_hash=failed[0].id_hash,
        )
    assert refused.value.fields == {"employer": ["发放失败后不能修改此项。"]}
    assert Application.objects.get(pk=failed[0].pk).employer == employer
    new_card = factories.new_card()
    # The form's mobile differs from the registry's: the security notice goes to the one on file.
    Application.objects.filter(pk=failed[0].pk).update(phone=factories.new_mobile())
    on_file = Member.objects.get(id_hash=failed[0].id_hash).phone
    corrected = application_resubmit(
        application_no=failed[0].application_no,
        data={"bank_card_no": new_card, "bank_branch": "中国银行杭州滨江支行"},
        files={},
        applicant_id_hash=failed[0].id_hash,
    )
    assert corrected.status == Status.APPROVED
    assert corrected.flags.filter(code="bank_changed").exists()
    notice = SmsMessage.objects.get(template="bank_changed")
    assert notice.phone == on_file != corrected.phone and new_card[-4:] in notice.text
    second = build(api, a).json()
    assert second["count"] == 1
    line = PaymentLine.objects.get(batch__batch_no=second["batch_no"])
    assert line.application_id == failed[0].pk and line.bank_card_no == new_card
    assert Application.objects.get(pk=failed[1].pk).status == Status.PAYMENT_FAILED


def test_a_paid_application_never_enters_another_batch(api, approved, finance_a, finance_b):
    batch_no, a, _, content = sent_batch(api, finance_a, finance_b)
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))[1:]
    api.post(
        f"/api/v1/payments/batches/{batch_no}/results", {"file": results_file([(r[0], r[4], "success", "") for r in rows])}, **bearer(a)
    )
    # Even if someone set it back to approved by hand, the database refuses a second live line.
    Application.objects.update(status=Status.APPROVED)
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentLine.objects.create(
            batch=PaymentBatch.objects.get(),
            application=approved[0],
            reference="X-1",
            name="x",
            bank_card_no="1",
            bank_card_hash="x",
            bank_branch="x",
            amount=Decimal("500.00"),
        )
    assert build(api, a).json()["error"]["code"] == "nothing_to_pay"


def test_reversal_makes_the_application_payment_failed(api, approved, finance_a, finance_b):
    batch_no, a, _, content = sent_batch(api, finance_a, finance_b)
    row = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))[1]
    api.post(f"/api/v1/payments/batches/{batch_no}/results", {"file": results_file([(row[0], row[4], "success", "")])}, **bearer(a))
    assert (
        api.post(f"/api/v1/payments/lines/{row[0]}/reversal", {"reason": ""}, content_type="application/json", **bearer(a)).status_code
        == 400
    )
    response = api.post(
        f"/api/v1/payments/lines/{row[0]}/reversal", {"reason": "账户冻结，银行退汇"}, content_type="application/json", **bearer(a)
    )
    assert response.json() == {"reference": row[0], "status": "reversed"}
    line = PaymentLine.objects.get(reference=row[0])
    assert line.application.status == Status.PAYMENT_FAILED and line.live is False
    steps = list(line.application.events.filter(stage__in=["paid", "reversed"]).values_list("stage", "from_status", "to_status", "opinion"))
    assert steps == [("paid", "approved", "paid", ""), ("reversed", "paid", "payment_failed", "账户冻结，银行退汇")]


def test_a_crash_halfway_through_building_leaves_no_batch(approved, finance_a, campaign, monkeypatch):
    from rewards.payments import models as payment_models

    real = payment_models.PaymentLine.objects.bulk_create

    def half_then_crash(lines, **kwargs):  # type: ignore[no-untyped-def]
        real(lines[: len(lines) // 2], **kwargs)
        raise RuntimeError("worker killed")

    monkeypatch.setattr(payment_models.PaymentLine.objects, "bulk_create", half_then_crash)
    with pytest.raises(RuntimeError):
        services.payment_batch_build(user=finance_a, campaign=campaign)
    assert PaymentBatch.objects.count() == 0 and PaymentLine.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_builds_put_each_application_in_exactly_one_batch(campaign, xihu, finance_a):
    for _ in range(60):
        factories.make_application(campaign=campaign, member=factories.make_member(union=xihu))
    token = staff_token(Client(HTTP_HOST="127.0.0.1"), finance_a)
    codes: list[int] = [0] * 50

    def work(i: int) -> None:
        codes[i] = build(Client(HTTP_HOST="127.0.0.1"), token).status_code

    if connection.vendor == "postgresql":
        barrier = threading.Barrier(50)

        def run(i: int) -> None:
            try:
                barrier.wait(timeout=30)
                work(i)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=run, args=(i,)) for i in range(50)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    else:  # SQLite serialises writers: the same fifty requests, one after another.
        for i in range(50):
            work(i)
    counts = Counter(codes)
    assert counts[201] >= 1 and counts[201] + counts[409] == 50, counts
    per_application = Counter(PaymentLine.objects.values_list("application_id", flat=True))
    assert len(per_application) == 60 and set(per_application.values()) == {1}


def test_a_results_import_queues_exactly_one_sealed_sms_per_settled_line(
    approved, finance_a, finance_b, monkeypatch, django_capture_on_commit_callbacks
):
    """Checked in small chunks too, so that every boundary of the bulk paths is crossed."""
    from rewards.core import crypto
    from rewards.notifications import services as sms_services

    for module in (services, results):  # each holds its own name of the chunk size (from payments.access)
        monkeypatch.setattr(module, "CHUNK", 4)
    monkeypatch.setattr(results, "IDS_PER_UPDATE", 2)
    monkeypatch.setattr(sms_services, "KEYS_PER_QUERY", 3)
    monkeypatch.setattr(sms_services._OutboxWriter, "ROWS_PER_CALL", 2)
    handed: list[list[int]] = []
    monkeypatch.setattr("rewards.notifications.tasks.schedule_many", handed.append)
    batch, _ = services.payment_batch_build(user=finance_a, campaign=approved[0].campaign)
    services.payment_batch_approve(user=finance_b, batch_no=batch.batch_no)
    content, _ = services.payment_batch_file(user=finance_a, batch_no=batch.batch_no)
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))[1:]
    failed = {rows[1][0]: "户名与账号不符", rows[4][0]: "账户已冻结"}
    text = "reference,amount,result,reason\r\n" + "".join(
        f"{row[0]},{row[4]},failure,{failed[row[0]]}\r\n" if row[0] in failed else f"{row[0]},{row[4]},success,\r\n" for row in rows
    )
    with django_capture_on_commit_callbacks(execute=True):
        answer = services.payment_results_import(user=finance_a, batch_no=batch.batch_no, content=text.encode())
    assert answer == {"paid": 4, "failed": 2}
    lines = {line.reference: line for line in PaymentLine.objects.filter(batch=batch).select_related("application")}
    assert {ref: line.status for ref, line in lines.items()} == {
        row[0]: LineStatus.FAILED if row[0] in failed else LineStatus.PAID for row in rows
    }
    assert all(line.result_reason == failed.get(ref, "") and line.live == (ref not in failed) for ref, line in lines.items())
    assert {line.application.status for ref, line in lines.items() if ref in failed} == {Status.PAYMENT_FAILED}
    assert {line.application.status for ref, line in lines.items() if ref not in failed} == {Status.PAID}
    messages = list(SmsMessage.objects.all())
    assert len(messages) == 6
    for reference, line in lines.items():
        template = "payment_failed" if reference in failed else "paid"
        (message,) = [m for m in messages if m.event_key == f"app:{line.application.application_no}:{template}:{reference}"]
        assert message.template == template and message.phone == line.application.phone
        assert message.phone_hash == crypto.blind_index("phone", line.application.phone)
        with connection.cursor() as cursor:
            cursor.execute("SELECT phone FROM notifications_smsmessage WHERE id = %s", [message.pk])
            (sealed,) = cursor.fetchone()
        assert line.application.phone not in sealed and crypto.decrypt(sealed) == line.application.phone
        if template == "paid":
            assert f"{line.amount:.2f}元已发放至您尾号{line.application.bank_card_no[-4:]}的银行卡" in message.text
        else:
            assert f"原因：{failed[reference]}" in message.text
    # One delivery task per kind of message in each chunk of lines (the first 4 lines: 3 paid
    # and 1 failed; the last 2: 1 and 1), each message in exactly one of them.
    assert sorted(pk for ids in handed for pk in ids) == sorted(m.pk for m in messages) and len(handed) == 4
    # The same file again, or the same answers in another file, change nothing and queue nothing.
    assert services.payment_results_import(user=finance_a, batch_no=batch.batch_no, content=text.encode()) == {"paid": 0, "failed": 0}
    again = services.payment_results_import(user=finance_a, batch_no=batch.batch_no, content=text.encode() + b"\r\n")
    assert again == {"paid": 0, "failed": 0}
    assert SmsMessage.objects.count() == 6 and len(handed) == 4


def test_a_reversal_queues_its_sms_with_the_reason(api, approved, finance_a, finance_b):
    batch_no, a, _, content = sent_batch(api, finance_a, finance_b)
    row = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))[1]
    api.post(f"/api/v1/payments/batches/{batch_no}/results", {"file": results_file([(row[0], row[4], "success", "")])}, **bearer(a))
    services.payment_line_reversal(user=finance_a, reference=row[0], reason="账户冻结，银行退汇")
    line = PaymentLine.objects.select_related("application").get(reference=row[0])
    message = SmsMessage.objects.get(event_key=f"app:{line.application.application_no}:payment_failed:{row[0]}")
    assert "原因：账户冻结，银行退汇" in message.text and message.phone == line.application.phone


def test_a_reversal_reason_hides_the_workers_own_numbers(api, approved, finance_a, finance_b):
    batch_no, a, _, content = sent_batch(api, finance_a, finance_b)
    row = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))[1]
    api.post(f"/api/v1/payments/batches/{batch_no}/results", {"file": results_file([(row[0], row[4], "success", "")])}, **bearer(a))
    line = PaymentLine.objects.select_related("application").get(reference=row[0])
    phone = line.application.phone
    services.payment_line_reversal(user=finance_a, reference=row[0], reason=f"户主来电（{phone}）称账户已销户，退汇；银行热线 95588")
    line.refresh_from_db()
    assert line.reversal_reason == f"户主来电（{phone[:3]}****{phone[-4:]}）称账户已销户，退汇；银行热线 95588"
    message = SmsMessage.objects.get(event_key=f"app:{line.application.application_no}:payment_failed:{row[0]}")
    assert phone[:3] + "****" + phone[-4:] in message.text


def test_every_batch_event_names_its_batch_and_the_same_return_file_again_is_recorded(api, approved, finance_a, finance_b):
    """SECURITY.md 17: the auditor reads the batch number in each payment entry, and a return
    file imported again (which changes nothing) is a bank-file event all the same."""
    token = staff_token(api, finance_a)
    cancelled = build(api, token).json()["batch_no"]
    api.post(f"/api/v1/payments/batches/{cancelled}/cancel", **bearer(token))
    cancel = AuditEvent.objects.get(action="payment.batch_cancel")
    assert cancel.detail == {"batch_no": cancelled, "count": 6, "total": "3400.00", "from": "built"}
    assert cancel.actor == finance_a and cancel.object_type == "payments.paymentbatch"

    batch_no, a, _, content = sent_batch(api, finance_a, finance_b)
    batch = PaymentBatch.objects.get(batch_no=batch_no)
    for action in ("payment.batch_build", "payment.batch_approve", "payment.file_download"):
        entry = AuditEvent.objects.filter(action=action, object_id=str(batch.pk)).get()
        assert entry.detail["batch_no"] == batch_no, action
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))[1:]
    answers = [(row[0], row[4], "success", "") for row in rows[:2]]
    assert api.post(f"/api/v1/payments/batches/{batch_no}/results", {"file": results_file(answers)}, **bearer(a)).json() == {
        "paid": 2,
        "failed": 0,
    }
    first = AuditEvent.objects.filter(action="payment.results_import").get()
    assert first.detail["batch_no"] == batch_no and first.detail["paid"] == 2 and "already_imported" not in first.detail
    before = snapshot()
    again = api.post(f"/api/v1/payments/batches/{batch_no}/results", {"file": results_file(answers)}, **bearer(staff_token(api, finance_b)))
    assert again.json() == {"paid": 0, "failed": 0} and snapshot() == before
    repeat = AuditEvent.objects.filter(action="payment.results_import").exclude(pk=first.pk).get()
    assert repeat.actor == finance_b and repeat.result == "ok" and repeat.object_id == str(batch.pk)
    assert repeat.detail == {"batch_no": batch_no, "paid": 0, "failed": 0, "already_imported": True, "sha256": first.detail["sha256"]}
    # A refused file names the batch too.
    wrong = [(rows[2][0], "1.00", "success", "")]
    assert api.post(f"/api/v1/payments/batches/{batch_no}/results", {"file": results_file(wrong)}, **bearer(a)).status_code == 400
    refused = AuditEvent.objects.filter(action="payment.results_import", result="failed").get()
    assert refused.detail["batch_no"] == batch_no and refused.detail["reason"] == "invalid_result_file"
