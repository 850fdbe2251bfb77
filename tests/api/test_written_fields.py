"""An opinion, a signal's note and a reversal's reason are text a person wrote. Sent as a JSON
list, object, number or true/false they are refused with a 400 naming the field, nothing
changed; ``str()`` used to keep their Python spelling (``['证书不清晰']``) as the opinion the worker
reads. Outside the caller's subtree the answer is still the 404 (API.md: 404 before the body)."""

from __future__ import annotations

import csv
import io

import pytest
from django.utils import timezone

from rewards.applications.models import Application, Flag
from rewards.payments import services
from rewards.payments.models import LineStatus, PaymentLine

from .. import factories
from ..payments.helpers import results_file
from .helpers import bearer, staff_token

pytestmark = pytest.mark.django_db

NOT_TEXT = [["证书不清晰"], {"text": "证书不清晰"}, 123, True]


def post(api, token, path, body):  # type: ignore[no-untyped-def]
    return api.post(path, body, content_type="application/json", **bearer(token))


@pytest.mark.parametrize("opinion", NOT_TEXT)
def test_an_opinion_that_is_not_text_is_refused(api, campaign, member, city_reviewer, business_day, opinion):  # type: ignore[no-untyped-def]
    application = factories.make_application(campaign=campaign, member=member, status="pending_city")
    path = f"/api/v1/review/applications/{application.application_no}/decision"

    answer = post(api, staff_token(api, city_reviewer), path, {"decision": "return", "opinion": opinion})

    assert answer.status_code == 400
    assert answer.json()["error"]["fields"] == {"opinion": ["意见应为一段文字。"]}
    assert Application.objects.get(pk=application.pk).status == "pending_city"
    assert not application.events.exists()


def test_an_opinion_written_as_text_is_kept_as_written(api, campaign, member, city_reviewer, business_day):  # type: ignore[no-untyped-def]
    application = factories.make_application(campaign=campaign, member=member, status="pending_city")
    path = f"/api/v1/review/applications/{application.application_no}/decision"

    answer = post(api, staff_token(api, city_reviewer), path, {"decision": "return", "opinion": " 证书不清晰 "})

    assert answer.json() == {"status": "returned"}
    assert application.events.get().opinion == "证书不清晰"


def test_outside_the_subtree_a_malformed_opinion_is_still_the_404(api, campaign, member, shangcheng_reviewer, business_day):  # type: ignore[no-untyped-def]
    application = factories.make_application(campaign=campaign, member=member, status="pending_district")  # 西湖区
    path = f"/api/v1/review/applications/{application.application_no}/decision"

    answer = post(api, staff_token(api, shangcheng_reviewer), path, {"decision": "return", "opinion": ["x"]})

    assert answer.status_code == 404


@pytest.mark.parametrize("note", NOT_TEXT)
def test_a_signal_note_that_is_not_text_is_refused(api, campaign, member, city_reviewer, business_day, note):  # type: ignore[no-untyped-def]
    application = factories.make_application(campaign=campaign, member=member, status="pending_city")
    flag = Flag.objects.create(
        application=application, code="not_in_registry", hard=True, message="人社证书库中没有该证书。", raised_at=timezone.now()
    )
    path = f"/api/v1/review/applications/{application.application_no}/flags/not_in_registry/resolve"

    answer = post(api, staff_token(api, city_reviewer), path, {"note": note})

    assert answer.status_code == 400
    assert answer.json()["error"]["fields"] == {"note": ["处理意见应为一段文字。"]}
    flag.refresh_from_db()
    assert (flag.resolved_at, flag.resolution_note) == (None, "")


@pytest.fixture
def paid_reference(campaign, member, finance_a, finance_b, business_day) -> str:  # type: ignore[no-untyped-def]
    factories.make_registered_application(campaign=campaign, member=member, status="approved")
    batch, _ = services.payment_batch_build(user=finance_a, campaign=campaign)
    services.payment_batch_approve(user=finance_b, batch_no=batch.batch_no)
    content, _ = services.payment_batch_file(user=finance_a, batch_no=batch.batch_no)
    line = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))[1]  # reference,name,bank_card_no,bank_branch,amount
    reference, amount = line[0], line[4]
    services.payment_results_import(
        user=finance_a, batch_no=batch.batch_no, content=results_file([(reference, amount, "success", "")]).read()
    )
    return reference


@pytest.mark.parametrize("reason", NOT_TEXT)
def test_a_reversal_reason_that_is_not_text_is_refused(api, paid_reference, finance_a, reason):  # type: ignore[no-untyped-def]
    answer = post(api, staff_token(api, finance_a), f"/api/v1/payments/lines/{paid_reference}/reversal", {"reason": reason})

    assert answer.status_code == 400
    assert answer.json()["error"]["fields"] == {"reason": ["退汇原因应为一段文字。"]}
    assert PaymentLine.objects.get(reference=paid_reference).status == LineStatus.PAID


def test_a_reversal_reason_written_as_text_is_kept(api, paid_reference, finance_a):  # type: ignore[no-untyped-def]
    answer = post(api, staff_token(api, finance_a), f"/api/v1/payments/lines/{paid_reference}/reversal", {"reason": "账户已销户"})

    assert answer.json() == {"reference": paid_reference, "status": "reversed"}
    assert PaymentLine.objects.get(reference=paid_reference).reversal_reason == "账户已销户"
